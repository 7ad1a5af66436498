"""What a replication's story comes to: every outcome, defined once.

An outcome is a yes/no question about a whole run ("did Seoul supply lethal
aid?") with the month it first became true. `redline run`, `summary.json`,
sweeps, `model.interop`, the dashboard's cards, the game and its report all
read this table, so a new outcome added here appears in every one of them.
Each `hit` reads the model at the end of a month; `model.RedlineModel` marks the
first month it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import binomtest

from .agents import LETHAL, OFFENSIVE, SEOUL_RED_LINE, TROOPS, WEAPONS

HOSTILE = 2  # Moscow's posture "hostile measures" (MOSCOW_POSTURES index)
COLLAPSE = 3  # Moscow's posture "relations collapse"


@dataclass(frozen=True)
class Outcome:
    name: str  # column in outcomes.parquet, key in summaries and sweeps
    months: str  # the "months to" column: first month it held (0: at the start)
    label: str  # what a card or a table row says
    meaning: str  # one plain sentence: what counts
    hit: Callable  # model -> (R,) bool, read at the end of each month (and at the start,
    # so a world branched from a game's month carries what already happened)


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome(
            "weapons_supplied",
            "months_to_weapons",
            "Weapons from Seoul",
            "Seoul supplies weapons of any kind, defensive ones included (rung 2 or higher)",
            lambda m: m.seoul.max_rung >= WEAPONS,
        ),
        Outcome(
            "lethal_aid",
            "months_to_lethal_aid",
            "Lethal aid from Seoul",
            "Seoul supplies lethal weapons, indirectly or directly (rung 3 or higher)",
            lambda m: m.seoul.max_rung >= LETHAL,
        ),
        Outcome(
            "offensive_weapons",
            "months_to_offensive_weapons",
            "Offensive weapons",
            "Seoul supplies offensive weapons directly (rung 4 or higher)",
            lambda m: m.seoul.max_rung >= OFFENSIVE,
        ),
        Outcome(
            "troops_sent",
            "months_to_troops",
            "Seoul sends troops",
            "Seoul sends troops (rung 5)",
            lambda m: m.seoul.max_rung >= TROOPS,
        ),
        Outcome(
            "moscow_retaliated",
            "months_to_retaliation",
            "Moscow retaliates",
            "Moscow's posture toward Seoul reaches hostile measures or worse",
            lambda m: m.moscow.posture >= HOSTILE,
        ),
        Outcome(
            "relations_collapsed",
            "months_to_collapse",
            "Relations collapse",
            "Moscow-Seoul relations collapse",
            lambda m: m.moscow.posture >= COLLAPSE,
        ),
        Outcome(
            "red_line_crossed",
            "months_to_red_line",
            "Seoul's red line crossed",
            "Moscow gives Pyongyang ballistic-missile or nuclear technology",
            lambda m: m.moscow.max_reward >= SEOUL_RED_LINE,
        ),
        Outcome(
            "troops_withdrawn",
            "months_to_troops_withdrawn",
            "DPRK troops withdrawn mid-war",
            "Pyongyang brings its whole contingent home while the war goes on",
            lambda m: m.pyongyang.withdrew,
        ),
        Outcome(
            "reward_cut",
            "months_to_reward_cut",
            "Moscow cuts its reward mid-fight",
            "Moscow cuts its reward to Pyongyang while DPRK troops fight for it",
            lambda m: m.moscow.cut_while_troops,
        ),
        Outcome(
            "seoul_retreated",
            "months_to_retreat",
            "Seoul steps back",
            "Seoul's assistance falls below where it stood at the start",
            lambda m: m.seoul.rung < m.seoul.start_rung,
        ),
        Outcome(
            "ceasefire",
            "months_to_ceasefire",
            "Ceasefire",
            "a ceasefire in Ukraine",
            lambda m: m.ceasefire,
        ),
    )
}
MONTHS_COLUMNS = {o.name: o.months for o in OUTCOMES.values()}

# Per-replication figures that are not yes/no (column -> what it measures).
MEASURES: dict[str, str] = {
    "seoul_max_rung": "Seoul's highest assistance rung",
    "final_seoul_rung": "Seoul's assistance rung in the last month",
    "moscow_max_reward_rung": "Moscow's highest reward to Pyongyang",
    "final_moscow_reward_rung": "Moscow's reward to Pyongyang in the last month",
    "final_moscow_posture": "Moscow's posture toward Seoul in the last month",
    "moscow_max_posture": "Moscow's harshest posture toward Seoul",
    "assembly_motions_blocked": "government motions kept from the Assembly floor",
    "assembly_votes": "National Assembly votes held",
    "assembly_approvals": "National Assembly votes passed",
    "min_stockpile_days": "lowest ammunition stockpile (days)",
    "shells_transferred": "shells Seoul transferred",
    "final_public_opposition": "public opposition to lethal aid in the last month",
}

# Column order of outcomes.parquet.
OUTCOME_COLUMNS = [
    "replication",
    *(c for o in OUTCOMES.values() for c in (o.name, o.months)),
    *MEASURES,
]


@lru_cache(maxsize=1 << 16)
def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n (cached: k and n repeat a lot in sweeps)."""
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def proportion(flags) -> tuple[float, float, float]:
    """Share of true flags with its Wilson 95% interval."""
    flags = np.asarray(flags, dtype=bool)
    low, high = wilson(int(flags.sum()), len(flags))
    return float(flags.mean()), low, high
