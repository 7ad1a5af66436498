"""Claims from the two documents that the model must reproduce.

Each claim runs at least 2,000 replications and reports the measured value with
its 95% interval next to the target. Direction claims compare two runs that
share a seed (common random numbers), so the difference is the parameter's doing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .agents import OFFENSIVE
from .outcomes import proportion
from .scenario import load_scenario
from .simulation import simulate

MIN_REPS = 2000


@dataclass
class Check:
    claim: str
    source: str
    target: str
    measured: str
    passed: bool | None  # None: shown for comparison, not judged


_p = proportion


def _fmt(p) -> str:
    return f"{p[0]:.1%} [{p[1]:.1%}, {p[2]:.1%}]"


def _run(name, reps, seed, **overrides):
    return simulate(load_scenario(name, overrides=overrides or None), reps=reps, seed=seed)


def _lower(claim, source, low_label, high_label, low, high) -> Check:
    """Pass when the second run's probability is below the first's."""
    return Check(
        claim,
        source,
        f"{high_label} < {low_label}",
        f"{low_label} {_fmt(low)}; {high_label} {_fmt(high)}",
        high[0] < low[0],
    )


def checks(reps: int = MIN_REPS, seed: int = 2024) -> list[Check]:
    reps = max(reps, MIN_REPS)
    out: list[Check] = []
    nov = _run("november-2024", reps, seed)
    o = nov.outcomes

    p = _p(o.troops_sent & (o.months_to_troops.fillna(99) <= 24))
    out.append(
        Check(
            "november-2024: Seoul sends troops within 24 months",
            "seok-17",
            "below 1%",
            _fmt(p),
            p[0] < 0.01,
        )
    )
    p = _p(o.offensive_weapons & (o.months_to_offensive_weapons.fillna(99) <= 12))
    out.append(
        Check(
            "november-2024: offensive weapons within 12 months",
            "seok-19",
            "below 15%",
            _fmt(p),
            p[0] < 0.15,
        )
    )

    # Defensive first: in every replication of every shipped scenario, rung 2 precedes rung 4
    # (indirect lethal supply may come without it: asmolov-18, asmolov-23).
    violations = total = 0
    for name in ("november-2024", "red-line", "atrocity", "assembly-majority", "july-2024"):
        r = nov if name == "november-2024" else _run(name, reps, seed)
        rung = r.series["seoul_rung"]  # months x reps
        first2 = np.where((rung >= 2).any(0), (rung >= 2).argmax(0), 10**6)
        first3 = np.where((rung >= OFFENSIVE).any(0), (rung >= OFFENSIVE).argmax(0), 10**6)
        lethal = first3 < 10**6
        violations += int((lethal & (first2 >= first3)).sum())
        total += int(lethal.sum())
    out.append(
        Check(
            "every replication reaches rung 2 before direct offensive weapons (5 scenarios)",
            "seok-18,seok-11",
            "0 violations",
            f"{violations} violations in {total} replications with offensive weapons",
            violations == 0,
        )
    )

    jul = _run("july-2024", reps, seed).outcomes
    p = _p(jul.lethal_aid & (jul.months_to_lethal_aid.fillna(99) <= 6))
    out.append(
        Check(
            "july-2024: lethal aid by December 2024",
            "asmolov-12,record-1",
            "below 50%",
            _fmt(p),
            p[0] < 0.5,
        )
    )
    both = _p(
        jul.lethal_aid
        & (jul.months_to_lethal_aid.fillna(99) <= 6)
        & jul.relations_collapsed
        & (jul.months_to_collapse.fillna(99) <= 6)
    )
    out.append(
        Check(
            "july-2024: arms AND collapse of relations by December 2024 "
            "(Asmolov's own forecast, for comparison)",
            "asmolov-19",
            "Asmolov: above 50%",
            _fmt(both),
            None,
        )
    )

    red = _run("red-line", reps, seed, **{"seoul.public_opposition": 0.65})
    red_hi = _run("red-line", reps, seed, **{"seoul.public_opposition": 0.85})
    out.append(
        _lower(
            "more public opposition lowers lethal aid (red-line)",
            "seok-13",
            "opposition 65%",
            "opposition 85%",
            _p(red.outcomes.lethal_aid),
            _p(red_hi.outcomes.lethal_aid),
        )
    )
    few = _run("november-2024", reps, seed, **{"seoul.assembly_opposition_seats": 120})
    out.append(
        _lower(
            "a bigger opposition Assembly lowers lethal aid",
            "asmolov-17,assembly-1",
            "120 seats",
            "192 seats",
            _p(few.outcomes.lethal_aid),
            _p(o.lethal_aid),
        )
    )
    lo = _run("assembly-majority", reps, seed)
    hi = _run("assembly-majority", reps, seed, **{"seoul.min_stockpile_days": 66})
    a, b = lo.outcomes.shells_transferred.mean(), hi.outcomes.shells_transferred.mean()
    out.append(
        Check(
            "a higher stockpile floor lowers shells transferred (assembly-majority)",
            "seok-16",
            "floor 66 < floor 60",
            f"floor 60: {a:,.0f} shells; floor 66: {b:,.0f} shells",
            b < a,
        )
    )
    rl = _run("red-line", reps, seed)
    out.append(
        _lower(
            "the red-line scenario raises lethal aid",
            "seok-7,asmolov-1",
            "red-line",
            "november-2024",
            _p(rl.outcomes.lethal_aid),
            _p(o.lethal_aid),
        )
    )
    at = _run("atrocity", reps, seed)
    out.append(
        _lower(
            "an atrocity raises lethal aid",
            "asmolov-15",
            "atrocity",
            "november-2024",
            _p(at.outcomes.lethal_aid),
            _p(o.lethal_aid),
        )
    )
    cf = _run("ceasefire-2025", reps, seed)
    tech = lambda r: r.outcomes.moscow_max_reward_rung >= 2  # noqa: E731
    out.append(
        _lower(
            "a ceasefire lowers Moscow's technology transfer (rung 2+)",
            "seok-2",
            "november-2024",
            "ceasefire-2025",
            _p(tech(nov)),
            _p(tech(cf)),
        )
    )
    return out
