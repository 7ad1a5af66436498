"""One- and two-parameter sweeps for the Sweep page (in memory, seconds, not hours).

Every grid point runs the full ensemble with the same seed: common random
numbers, so the curve between neighbouring points moves because the parameter
moved, not because the dice did. (`redline sweep` is the tool for large designs;
it seeds per block instead, so its numbers differ by Monte Carlo noise.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import SPECS, InputError, Scenario, simulate

from .charts import outcome_summary

MAX_POINTS = 400
MAX_REPLICATIONS = 400_000  # points x replications per point: about 10-20 s on a laptop


@dataclass(frozen=True)
class Factor:
    name: str
    low: float
    high: float
    points: int = 11

    def values(self) -> list:
        spec = SPECS[self.name]
        if spec.kind is bool:
            return [False, True]
        grid = np.linspace(self.low, self.high, max(1, self.points))
        if spec.kind is int:
            return sorted({int(v) for v in np.rint(grid)})
        return [round(float(v), 10) for v in grid]


def grid(factors: Sequence[Factor]) -> pd.DataFrame:
    """Every combination of the factors' values, one row per point."""
    names = [f.name for f in factors]
    rows = list(itertools.product(*(f.values() for f in factors)))
    return pd.DataFrame(rows, columns=names)


def check(factors: Sequence[Factor], reps: int) -> pd.DataFrame:
    if not 1 <= len(factors) <= 2 or len({f.name for f in factors}) != len(factors):
        raise InputError(
            f"{len(factors)} parameters", field="sweep", allowed="one or two different parameters"
        )
    for f in factors:
        spec = SPECS[f.name]
        if spec.kind is not bool and not spec.lo <= f.low <= f.high <= spec.hi:
            raise InputError(f"range {f.low} to {f.high}", field=f.name, allowed=spec.allowed())
    points = grid(factors)
    if len(points) > MAX_POINTS or len(points) * reps > MAX_REPLICATIONS:
        raise InputError(
            f"{len(points)} points x {reps:,} replications",
            field="sweep",
            allowed=f"at most {MAX_POINTS} points and {MAX_REPLICATIONS:,} "
            "replications in all; use `redline sweep` for more",
        )
    return points


def run(
    scenario: Scenario,
    factors: Sequence[Factor],
    reps: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Probability of every card outcome at every grid point (long format: one row per
    point and outcome, with the factor values as columns named by their dotted names)."""
    points = check(factors, reps)
    frames = []
    for i, row in enumerate(points.to_dict(orient="records")):
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        res = simulate(scenario.with_overrides(values, origin="sweep"), reps=reps, seed=seed)
        summary = outcome_summary(res)
        for name, value in values.items():
            summary[name] = value
        summary.insert(0, "point", i)
        frames.append(summary)
        if progress:
            progress(i + 1, len(points))
    return pd.concat(frames, ignore_index=True)
