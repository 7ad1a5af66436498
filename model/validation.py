"""Claims from the two documents that the model must reproduce, and how each is known.

A claim is of one of two kinds. *By construction*: a rule of the model guarantees it
(no troops while they are excluded, say), so counting violations checks that the rule
is wired in, not that the model behaves well. *Tested*: it could come out either way,
so passing it says something about the model's behaviour.

Most tested claims are comparative statics: two runs with the same seed and number of
replications (common random numbers) that differ in one thing, a parameter, a scenario
or an inject's month. Each is judged on the paired difference of an outcome, one pair
per replication: the mean difference must exceed two standard errors of the paired
differences (`NOISE_SE`), in the direction the documents imply. A difference inside that
band is "within noise", and a claim whose difference is within noise fails: the claim is
that the effect exists. A claim measured in several scenarios must move the right way
beyond noise in at least one and the wrong way beyond noise in none.

Every run has at least `MIN_REPS` replications, and each distinct scenario is run once
per validation however many claims read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import sem

from .agents import LETHAL, OFFENSIVE, WEAPONS
from .outcomes import proportion
from .scenario import Inject, Scenario, load_scenario, scenario_names
from .simulation import simulate

MIN_REPS = 2000
NOISE_SE = 2.0  # a paired difference beyond this many standard errors is not noise
TECHNOLOGY_RUNG = 2  # Moscow's reward "conventional military technology" and above

BY_CONSTRUCTION = "by construction"
TESTED = "tested"
KINDS = {
    BY_CONSTRUCTION: "a rule of the model guarantees it",
    TESTED: "it could come out either way",
}


@dataclass
class Check:
    claim: str
    source: str  # excerpt ids in seeds/
    target: str
    measured: str
    passed: bool | None  # None: shown for comparison, not judged
    kind: str  # a key of KINDS


# --- runs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class World:
    """One run: a shipped scenario with parameters changed and injects added."""

    scenario: str
    label: str  # what a reader sees: "approval 20%"
    overrides: tuple[tuple[str, Any], ...] = ()
    injects: tuple[tuple[str, str], ...] = ()  # (month, inject type) added to the scenario's

    def load(self) -> Scenario:
        sc = load_scenario(self.scenario, overrides=dict(self.overrides) or None)
        if self.injects:
            added = [Inject(month=month, type=kind) for month, kind in self.injects]
            sc = sc.model_copy(update={"injects": [*sc.injects, *added]})
        return sc


@dataclass
class Run:
    """What the checks read from one run: its outcomes and the few series they need."""

    scenario: Scenario
    outcomes: pd.DataFrame
    series: dict[str, np.ndarray]  # name -> (months x reps)


KEPT_SERIES = ("seoul_rung", "pyongyang_troops", "assembly_passed", "assembly_approved")


class Runs:
    """Runs each distinct scenario once with one seed and number of replications, so
    every comparison shares its random numbers and no claim pays for a run twice."""

    def __init__(self, reps: int, seed: int):
        self.reps, self.seed = max(reps, MIN_REPS), seed
        self._done: dict[str, Run] = {}

    def __call__(self, world: World | str) -> Run:
        sc = (World(world, world) if isinstance(world, str) else world).load()
        key = sc.model_dump_json()  # the scenario as run: equal scenarios share one run
        if key not in self._done:
            res = simulate(sc, reps=self.reps, seed=self.seed)
            self._done[key] = Run(sc, res.outcomes, {k: res.series[k] for k in KEPT_SERIES})
        return self._done[key]

    def __len__(self) -> int:
        """How many distinct runs have been made."""
        return len(self._done)


# --- comparative statics ---------------------------------------------------------------
def _percent(x: float) -> str:
    return f"{x:.1%}"


def _points(x: float) -> str:
    return f"{100 * x:+.1f} points"


@dataclass(frozen=True)
class Measure:
    """A per-replication figure a comparison is judged on."""

    label: str
    values: Callable[[Run], np.ndarray]  # (reps,) bools or numbers
    level: Callable[[float], str] = _percent  # how a mean reads
    change: Callable[[float], str] = _points  # how a difference of means reads


LETHAL_AID = Measure("lethal aid", lambda r: r.outcomes.lethal_aid.to_numpy())
WEAPONS_SUPPLIED = Measure("weapons (rung 2+)", lambda r: r.outcomes.weapons_supplied.to_numpy())
HIGHEST_RUNG = Measure(
    "Seoul's highest rung",
    lambda r: r.outcomes.seoul_max_rung.to_numpy(),
    lambda x: f"{x:.3f}",
    lambda x: f"{x:+.3f}",
)
TECHNOLOGY = Measure(
    "Moscow's technology transfer (rung 2+)",
    lambda r: r.outcomes.moscow_max_reward_rung.to_numpy() >= TECHNOLOGY_RUNG,
)
DPRK_TROOPS = Measure(
    "DPRK troop level (0-2, mean over the months)",
    lambda r: r.series["pyongyang_troops"].mean(axis=0),
    lambda x: f"{x:.2f}",
    lambda x: f"{x:+.2f}",
)
SHELLS = Measure(
    "shells transferred",
    lambda r: r.outcomes.shells_transferred.to_numpy(),
    lambda x: f"{x:,.0f}",
    lambda x: f"{x:+,.0f}",
)


def pass_rate_per_vote(run: Run) -> str:
    """The Assembly's pass rate over all votes held (a ratio, so shown, not judged)."""
    votes, passes = (
        int(run.outcomes.assembly_votes.sum()),
        int(run.outcomes.assembly_approvals.sum()),
    )
    return f"{passes / votes:.0%} of {votes:,}" if votes else "no votes"


@dataclass(frozen=True)
class Paired:
    """The paired difference of one measure between two runs with common random numbers."""

    base: float  # mean in the reference run
    changed: float  # mean in the changed run
    diff: float  # mean of the per-replication differences
    se: float  # their standard error

    @property
    def beyond_noise(self) -> bool:
        return abs(self.diff) > NOISE_SE * self.se

    def moves(self, direction: int) -> bool:
        """Beyond noise in `direction` (+1 up, -1 down)?"""
        return self.beyond_noise and np.sign(self.diff) == direction

    def verdict(self, direction: int) -> str:
        if not self.beyond_noise:
            return "within noise"
        return "beyond noise" if self.moves(direction) else "beyond noise, the wrong way"


def paired(base, changed) -> Paired:
    """Compare per-replication values of two runs that share their random numbers.

    d = changed - base per replication; the judgement uses the standard error of d
    (scipy's `sem`: sd(d) / sqrt(n)), which is what common random numbers buy: the
    noise both runs share cancels in d.
    """
    base, changed = np.asarray(base, dtype=float), np.asarray(changed, dtype=float)
    d = changed - base
    return Paired(float(base.mean()), float(changed.mean()), float(d.mean()), float(sem(d)))


@dataclass(frozen=True)
class Static:
    """A comparative static: the documents say changing one thing moves an outcome."""

    claim: str
    source: str
    pairs: tuple[tuple[World, World], ...]  # (reference, changed), one pair per scenario
    measures: tuple[Measure, ...]  # each must move; all are judged
    direction: int  # +1: the change raises each measure; -1: it lowers it
    shown: tuple[str, Callable[[Run], str]] | None = None  # (label, figure): not judged


def judge(static: Static, runs: Runs) -> Check:
    """A comparative static's check: every measure moves the documents' way beyond noise in
    some pair and the other way beyond noise in none."""
    lines, ok = [], True
    for m in static.measures:
        results = []
        for base, changed in static.pairs:
            r = paired(m.values(runs(base)), m.values(runs(changed)))
            results.append(r)
            where = f"{base.scenario}: " if len(static.pairs) > 1 else ""
            lines.append(
                f"{where}{m.label}: {m.level(r.base)} to {m.level(r.changed)}, "
                f"{m.change(r.diff)} ({NOISE_SE:g} SE {m.change(NOISE_SE * r.se).lstrip('+')}): "
                f"{r.verdict(static.direction)}"
            )
        ok &= any(r.moves(static.direction) for r in results) and not any(
            r.moves(-static.direction) for r in results
        )
    if static.shown is not None:
        label, figure = static.shown
        for base, changed in static.pairs:
            lines.append(
                f"{base.scenario}: {label}: {figure(runs(base))} to {figure(runs(changed))}"
            )
    first_base, first_changed = static.pairs[0]
    way = "above" if static.direction > 0 else "below"
    target = (
        f"{first_changed.label} {way} {first_base.label} by more than {NOISE_SE:g} standard "
        "errors (SE) of the paired difference"
    )
    if len(static.pairs) > 1:
        target += ", in some scenario, and the other way in none"
    return Check(static.claim, static.source, target, "\n".join(lines), ok, TESTED)


def vary(scenarios, name: str, base, changed, label: Callable[[Any], str]):
    """Pairs of worlds, one per scenario, that differ only in parameter `name`."""
    return tuple(
        (
            World(s, label(base), ((name, base),)),
            World(s, label(changed), ((name, changed),)),
        )
        for s in scenarios
    )


def _pct_label(what: str) -> Callable[[Any], str]:
    return lambda v: f"{what} {v:.0%}"


# The documents' comparative statics, each with the direction they imply.
STATICS: tuple[Static, ...] = (
    Static(
        "higher government approval raises lethal aid: the opposition refuses for factional "
        "reasons when the government is weak",
        "seok-14,asmolov-17",
        vary(("red-line", "atrocity"), "seoul.approval", 0.20, 0.40, _pct_label("approval")),
        (LETHAL_AID,),
        +1,
        shown=("votes passed", pass_rate_per_vote),
    ),
    Static(
        "stronger party discipline lowers lethal aid where the opposition's line is against "
        "(defectors lean pro-Ukrainian)",
        "asmolov-17",
        vary(
            ("red-line", "atrocity"),
            "seoul.party_discipline",
            0.70,
            0.95,
            _pct_label("discipline"),
        ),
        (LETHAL_AID,),
        -1,
        shown=("votes passed", pass_rate_per_vote),
    ),
    Static(
        "more DPRK troops never lower, and somewhere raise, Seoul's weapons: corresponding "
        "measures by the level of cooperation",
        "asmolov-11,seok-10",
        vary(
            ("november-2024", "red-line", "atrocity"),
            "pyongyang.troops_deployed",
            1,
            2,
            lambda v: "troops deployed" if v == 1 else "troops reinforced",
        ),
        (WEAPONS_SUPPLIED, HIGHEST_RUNG),
        +1,
    ),
    Static(
        "a worse situation in Ukraine raises Seoul's assistance: step by step, according to "
        "the situation in Ukraine",
        "seok-11",
        vary(
            ("red-line", "atrocity"),
            "war.ukraine_shortage",
            0.4,
            0.95,
            lambda v: f"shortage {v:g}",
        ),
        (HIGHEST_RUNG,),
        +1,
    ),
    Static(
        "an earlier ceasefire lowers Moscow's technology transfer and DPRK troop levels: "
        "after the war Pyongyang is more liability than asset",
        "seok-2",
        (
            (
                World("november-2024", "ceasefire June 2026", injects=(("2026-06", "ceasefire"),)),
                World("november-2024", "ceasefire June 2025", injects=(("2025-06", "ceasefire"),)),
            ),
        ),
        (TECHNOLOGY, DPRK_TROOPS),
        -1,
    ),
    Static(
        "a ceasefire lowers Moscow's technology transfer",
        "seok-2",
        ((World("november-2024", "november-2024"), World("ceasefire-2025", "ceasefire-2025")),),
        (TECHNOLOGY,),
        -1,
    ),
    Static(
        "more public opposition lowers weapons as well as lethal aid",
        "seok-13",
        vary(
            ("red-line", "atrocity"),
            "seoul.public_opposition",
            0.65,
            0.79,
            _pct_label("opposition"),
        ),
        (WEAPONS_SUPPLIED, LETHAL_AID),
        -1,
    ),
    Static(
        "a bigger opposition in the Assembly lowers lethal aid",
        "asmolov-17,assembly-1",
        vary(
            ("november-2024",),
            "seoul.assembly_opposition_seats",
            120,
            192,
            lambda v: f"{v} opposition seats",
        ),
        (LETHAL_AID,),
        -1,
    ),
    Static(
        "a higher stockpile floor lowers shells transferred (assembly-majority)",
        "seok-16",
        vary(
            ("assembly-majority",),
            "seoul.min_stockpile_days",
            60,
            66,
            lambda v: f"floor {v} days",
        ),
        (SHELLS,),
        -1,
    ),
    Static(
        "Moscow's ballistic-missile transfer (red-line) raises lethal aid",
        "seok-7,asmolov-1",
        ((World("november-2024", "november-2024"), World("red-line", "red-line")),),
        (LETHAL_AID,),
        +1,
    ),
    Static(
        "an atrocity raises lethal aid",
        "asmolov-15",
        ((World("november-2024", "november-2024"), World("atrocity", "atrocity")),),
        (LETHAL_AID,),
        +1,
    ),
)


# --- claims a rule guarantees ----------------------------------------------------------
def _first(flags: np.ndarray) -> np.ndarray:
    """First month index each replication's flag holds (months x reps); a large number if never."""
    return np.where(flags.any(0), flags.argmax(0), 10**6)


def _across(runs: Runs, count) -> tuple[int, int, int]:
    """(violations, replications looked at, scenarios) summed over every shipped scenario."""
    bad = seen = n = 0
    for name in scenario_names():
        got = count(runs(name))
        if got is not None:
            bad, seen, n = bad + got[0], seen + got[1], n + 1
    return bad, seen, n


def _troops(run: Run):
    if not run.scenario.parameters.seoul.troops_excluded:
        return None
    return int(run.outcomes.troops_sent.sum()), len(run.outcomes)


def _offensive_before_weapons(run: Run):
    rung = run.series["seoul_rung"]
    offensive = _first(rung >= OFFENSIVE)
    sent = offensive < 10**6
    return int((sent & (_first(rung >= WEAPONS) >= offensive)).sum()), int(sent.sum())


def _unvoted(run: Run):
    """Months at a rung the Assembly must approve with no vote passed by then (and, for
    lethal supply, without its approval standing)."""
    s = run.scenario.parameters.seoul
    start = max(s.approved_at_start, s.initial_rung)
    voted = np.cumsum(run.series["assembly_passed"], axis=0) > 0
    rules = []  # (lowest rung the rule covers, months where it is satisfied)
    if s.defensive_needs_approval and start < WEAPONS:
        rules.append((WEAPONS, voted))
    if s.assembly_approval_required and start < LETHAL:
        rules.append((LETHAL, voted & run.series["assembly_approved"]))
    if not rules:
        return None
    rung = run.series["seoul_rung"]
    bad = np.zeros(rung.shape, dtype=bool)
    for lowest, satisfied in rules:
        bad |= (rung >= lowest) & ~satisfied
    return int(bad.sum()), int((rung >= min(lowest for lowest, _ in rules)).sum())


def construction_checks(runs: Runs) -> list[Check]:
    bad, seen, n = _across(runs, _troops)
    out = [
        Check(
            f"no troops while they are excluded ({n} shipped scenarios)",
            "seok-12,seok-17",
            "0 replications",
            f"{bad} of {seen:,} replications sent troops",
            bad == 0,
            BY_CONSTRUCTION,
        )
    ]
    bad, seen, n = _across(runs, _offensive_before_weapons)
    out.append(
        Check(
            "direct offensive weapons only after weapons of a lower rung (defensive, or "
            f"indirect supply) in an earlier month ({n} shipped scenarios)",
            "seok-18,seok-19",
            "0 violations",
            f"{bad} violations in {seen:,} replications with direct offensive weapons",
            bad == 0,
            BY_CONSTRUCTION,
        )
    )
    bad, seen, n = _across(runs, _unvoted)
    out.append(
        Check(
            "no rung the Assembly must approve (weapons, lethal supply) without a passed vote "
            f"({n} shipped scenarios)",
            "asmolov-16,seok-15",
            "0 months",
            f"{bad} of {seen:,} replication-months at such a rung lacked a passed vote",
            bad == 0,
            BY_CONSTRUCTION,
        )
    )
    return out


# --- levels the documents name ---------------------------------------------------------
def _fmt(p) -> str:
    return f"{p[0]:.1%} [{p[1]:.1%}, {p[2]:.1%}]"


def level_checks(runs: Runs) -> list[Check]:
    o = runs("november-2024").outcomes
    p = proportion(o.offensive_weapons & (o.months_to_offensive_weapons.fillna(99) <= 12))
    out = [
        Check(
            "november-2024: direct offensive weapons within 12 months",
            "seok-19",
            "below 15%",
            _fmt(p),
            p[0] < 0.15,
            TESTED,
        )
    ]
    jul = runs("july-2024").outcomes
    by_december = jul.lethal_aid & (jul.months_to_lethal_aid.fillna(99) <= 6)
    p = proportion(by_december)
    out.append(
        Check(
            "july-2024: lethal aid by December 2024",
            "asmolov-12,record-1",
            "below 50%",
            _fmt(p),
            p[0] < 0.5,
            TESTED,
        )
    )
    both = proportion(
        by_december & jul.relations_collapsed & (jul.months_to_collapse.fillna(99) <= 6)
    )
    out.append(
        Check(
            "july-2024: arms AND collapse of relations by December 2024 "
            "(Asmolov's own forecast, for comparison)",
            "asmolov-19",
            "Asmolov: above 50%",
            _fmt(both),
            None,
            TESTED,
        )
    )
    return out


def checks(reps: int = MIN_REPS, seed: int = 2024) -> list[Check]:
    """Every claim, by construction first; at least MIN_REPS replications per run."""
    runs = Runs(reps, seed)
    return [
        *construction_checks(runs),
        *level_checks(runs),
        *(judge(s, runs) for s in STATICS),
    ]
