"""From a wave's block files to each point's estimates and implausibilities.

Every run of a wave uses the same block plan and the same block seeds, so replication j
of point p is driven by the same random numbers in every scenario (common random
numbers). A response target (scenario minus baseline) is therefore estimated from
paired differences, replication by replication, whose Monte Carlo variance is far
smaller than the two scenarios' variances added: paths agree until the scenarios part.

Block files are read one local block at a time, in order, and reduced to per-point
sums, so memory stays flat and every floating-point sum happens in the same order
whatever ran the blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..experiments.design import Block
from .targets import Target, Targets


def estimate(
    targets: list[Target],
    run_index: dict[str, int],
    local: list[Block],
    n_points: int,
    block_file: Callable[[int], Path],
) -> pd.DataFrame:
    """Per point: each target's estimate (mean over replications) and its Monte Carlo variance.

    `run_index` maps a run key to its position k in the wave's plan: local block b of run k
    is the wave's block k * len(local) + b.
    """
    n = np.zeros(n_points)
    s1 = {t.name: np.zeros(n_points) for t in targets}
    s2 = {t.name: np.zeros(n_points) for t in targets}
    keys = list(dict.fromkeys(k for t in targets for k in (t.run, t.baseline) if k is not None))
    per_run: dict[str, list[str]] = {k: [] for k in keys}
    for t in targets:
        for k in (t.run, t.baseline):
            if k is not None and t.measure.column not in per_run[k]:
                per_run[k].append(t.measure.column)
    for b in local:
        frames = {
            k: pd.read_parquet(block_file(run_index[k] * len(local) + b.index), columns=cols)
            for k, cols in per_run.items()
        }
        rows = len(next(iter(frames.values())))
        if rows != b.replications:
            raise ValueError(f"block {b.index} holds {rows} rows, not {b.replications}")
        # rows are point-major, replications in order (worker.run_block), in every run alike
        where = np.repeat(np.arange(b.point_start, b.point_stop), b.reps_per_point)
        n += np.bincount(where, minlength=n_points)
        for t in targets:
            x = t.measure.values(frames[t.run])
            if t.baseline is not None:
                x = x - t.measure.values(frames[t.baseline])
            s1[t.name] += np.bincount(where, weights=x, minlength=n_points)
            s2[t.name] += np.bincount(where, weights=x * x, minlength=n_points)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for t in targets:
            mean = s1[t.name] / n
            var = np.maximum(s2[t.name] - s1[t.name] * mean, 0.0) / np.maximum(n - 1, 1)
            out[f"estimate: {t.name}"] = mean
            out[f"variance: {t.name}"] = var / n  # of the estimate: sd^2 / replications
    return pd.DataFrame(out)


def implausibility(targets: list[Target], estimates: pd.DataFrame) -> pd.DataFrame:
    """Each target's implausibility per point, from its estimate and Monte Carlo variance."""
    return pd.DataFrame(
        {
            f"implausibility: {t.name}": t.implausibility(
                estimates[f"estimate: {t.name}"].to_numpy(),
                estimates[f"variance: {t.name}"].to_numpy(),
            )
            for t in targets
        }
    )


def worst(targets: Targets, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(the largest implausibility over the fit targets, which target it is) per point."""
    cols = [f"implausibility: {t.name}" for t in targets.fit]
    values = table[cols].to_numpy()
    which = np.argmax(values, axis=1)
    return values[np.arange(len(values)), which], np.array([targets.fit[i].name for i in which])


__all__ = ["estimate", "implausibility", "worst"]
