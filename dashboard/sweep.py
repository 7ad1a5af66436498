"""One- and two-parameter sweeps for the Sweep page: a grid design run by the sweeps package.

The page's choices become a grid design (model.experiments.design: each factor
given by its levels), run in this process block by block and summarised by the
package itself (`run_in_memory`: the blocks, seeds and Wilson intervals of
`redline sweep`, with nothing written to disk). So a sweep here gives exactly the
numbers `redline sweep` gives for the same design, and the same seed gives the
same numbers every time. The replications of all points in a block share one
model run, so neighbouring points differ by Monte Carlo noise as well as by the
parameter (the 95% bands show how much).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import SPECS, InputError, Scenario
from model.experiments.design import Design, DesignSpec, FactorDef
from model.experiments.runner import run_in_memory
from model.parameters import HORIZON, MAX_REPS
from model.scenario import check_name

from . import labels
from .charts import CARD_ORDER, label
from .labels import inline
from .state import DASHBOARD_MAX_SWEEP_REPS, SHARES_OF_ONE, highest

MAX_GRID_POINTS = 400  # points on the Sweep page's grid
PROGRESS_BLOCKS = 20  # blocks a sweep is cut into at most, so the progress bar moves


def sweepable() -> list[str]:
    """Parameters the page can vary: all but the horizon, which a sweep's points share
    (as in `redline sweep`); the Scenario page sets it."""
    return [n for n in SPECS if n != HORIZON]


@dataclass(frozen=True)
class Factor:
    name: str
    low: float
    high: float
    points: int = 11

    def values(self) -> list:
        """The factor's levels: `points` evenly spaced values, each once."""
        spec = SPECS[self.name]
        if spec.kind is bool:
            return [False, True]
        grid = np.linspace(self.low, self.high, max(1, self.points))
        if spec.kind is int:
            return sorted({int(v) for v in np.rint(grid)})
        return list(dict.fromkeys(round(float(v), 10) for v in grid))


def design(scenario: Scenario, factors: Sequence[Factor], reps: int, seed: int) -> Design:
    """The grid design the page runs, checked against the page's limits."""
    if not 1 <= len(factors) <= 2 or len({f.name for f in factors}) != len(factors):
        raise InputError(
            f"{len(factors)} parameters", field="sweep", allowed="one or two different parameters"
        )
    for f in factors:
        check_name(f.name, "sweep")
        if f.name == HORIZON:
            raise InputError(
                "cannot be swept (a sweep's points share their months)",
                field=f.name,
                allowed="any other parameter; set the horizon on the Scenario page",
            )
        spec = SPECS[f.name]
        if spec.kind is not bool and not spec.lo <= f.low <= f.high <= spec.hi:
            raise InputError(f"range {f.low} to {f.high}", field=f.name, allowed=spec.allowed())
    levels = {f.name: f.values() for f in factors}
    tops = scenario.flat_parameters() | {n: max(v) for n, v in levels.items()}
    for name in levels:
        if name in SHARES_OF_ONE and tops[name] > highest(name, tops) + 1e-9:
            other = SHARES_OF_ONE[name]
            raise InputError(
                f"range up to {tops[name]:g} with {inline(labels.label(other))} "
                f"up to {tops[other]:g} is over the whole public",
                field=name,
                allowed=f"up to {highest(name, tops):g} (the two shares add up to at most 1)",
            )
    points = math.prod(len(v) for v in levels.values())
    if points > MAX_GRID_POINTS or points * reps > DASHBOARD_MAX_SWEEP_REPS:
        raise InputError(
            f"{points} points x {reps:,} replications",
            field="sweep",
            allowed=f"at most {MAX_GRID_POINTS} points and {DASHBOARD_MAX_SWEEP_REPS:,} "
            "replications in all; use `redline sweep` for more",
        )
    per_block = max(reps, -(-points // PROGRESS_BLOCKS) * reps)  # whole points per block
    spec = DesignSpec(
        name="dashboard-sweep",
        description="The dashboard's Sweep page.",
        scenario=scenario.name,
        sampler="grid",
        factors={name: {"levels": values} for name, values in levels.items()},
        replications=reps,
        seed=seed,
        outcomes=list(CARD_ORDER),
        block_replications=min(per_block, MAX_REPS),
    )
    defs = [FactorDef(n, SPECS[n].kind, levels=tuple(v)) for n, v in levels.items()]
    return Design(spec, "Sweep page", scenario, defs)


def run(
    scenario: Scenario,
    factors: Sequence[Factor],
    reps: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Probability of every card outcome at every grid point: the sweep summary's rows
    (one per point and outcome in card order, the factor values in columns named by
    their dotted names, probability with its Wilson 95% interval, count, median months)
    and each outcome's words in `title`. `progress(replications done, replications in
    all)` after each block."""
    summary = run_in_memory(design(scenario, factors, reps, seed), progress)
    summary["outcome"] = summary["outcome"].astype(str)
    summary["title"] = summary["outcome"].map(label)
    return summary
