"""The per-design-point summary, built by streaming over the block files in order.

Only the points of one block (or the one point a block is a chunk of) are held
at a time, so building the summary of ten million replications takes as little
memory as building it for ten thousand. Reading the blocks in index order makes
every floating-point sum happen in the same order whatever ran them, which is
what keeps results identical across worker counts and executors.

Per point and outcome: replications, count, probability with its Wilson 95%
interval (the same scipy call as `model.simulation.summarize`) and the median
months to the event, for events; mean, standard deviation and a t interval for
the mean, for numeric outcomes. An event's `mean` is its probability, so
`mean` is the one column every analysis can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.stats import t as student_t

from ..outcomes import MONTHS_COLUMNS, OUTCOMES, wilson
from .design import Block, Design

SUMMARY_COLUMNS = [
    "point",
    "outcome",
    "replications",
    "count",
    "probability",
    "ci_low",
    "ci_high",
    "median_months",
    "mean",
    "sd",
]
_ROW_GROUP = 100_000


@dataclass
class _Stats:
    """Sufficient statistics of a run of design points (merged exactly across blocks)."""

    n: np.ndarray
    counts: dict  # event -> (P,)
    hist: dict  # event -> (P, horizon + 1): how many replications first saw it in month m
    mean: dict  # numeric outcome -> (P,)
    m2: dict  # numeric outcome -> (P,) sum of squared deviations

    def merge(self, other: _Stats) -> _Stats:
        """Chan et al.'s pairwise update: exact for counts, stable for means and variances."""
        n = self.n + other.n
        mean, m2 = {}, {}
        for c in self.mean:
            delta = other.mean[c] - self.mean[c]
            mean[c] = self.mean[c] + delta * other.n / n
            m2[c] = self.m2[c] + other.m2[c] + delta**2 * self.n * other.n / n
        return _Stats(
            n,
            {e: self.counts[e] + other.counts[e] for e in self.counts},
            {e: self.hist[e] + other.hist[e] for e in self.hist},
            mean,
            m2,
        )


def block_stats(
    df: pd.DataFrame, block: Block, events: list[str], numeric: list[str], horizon: int
) -> _Stats:
    p = block.points
    local = df["point"].to_numpy() - block.point_start
    n = np.bincount(local, minlength=p).astype(np.int64)
    counts, hist = {}, {}
    width = horizon + 1
    for e in events:
        hit = df[e].to_numpy(dtype=bool)
        counts[e] = np.bincount(local[hit], minlength=p).astype(np.int64)
        months = (
            df[MONTHS_COLUMNS[e]].to_numpy(dtype=np.float64, na_value=np.nan)[hit].astype(np.int64)
        )
        if months.size and (months.min() < 0 or months.max() > horizon):
            raise ValueError(f"months to {e} outside 0..{horizon} in block {block.index}")
        hist[e] = np.bincount(local[hit] * width + months, minlength=p * width).reshape(p, width)
    mean, m2 = {}, {}
    for c in numeric:
        x = df[c].to_numpy(dtype=np.float64)
        mean[c] = np.bincount(local, weights=x, minlength=p) / n
        m2[c] = np.bincount(local, weights=(x - mean[c][local]) ** 2, minlength=p)
    return _Stats(n, counts, hist, mean, m2)


def _median_from_hist(hist: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Median of the values a histogram counts, as pandas computes it (mean of the middle two)."""
    cum = hist.cumsum(axis=1)
    lo = (cum <= ((k - 1) // 2)[:, None]).sum(axis=1)
    hi = (cum <= (k // 2)[:, None]).sum(axis=1)
    return np.where(k > 0, (lo + hi) / 2.0, np.nan)


def finish(stats: _Stats, points: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Long table: one row per design point and outcome, points in order."""
    p, n, k_out = len(stats.n), stats.n, len(outcomes)
    shape = (p, k_out)
    count = np.zeros(shape, dtype=np.int64)
    is_event = np.zeros(shape, dtype=bool)
    prob, lo, hi, median, mean, sd = (np.full(shape, np.nan) for _ in range(6))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, name in enumerate(outcomes):
            if name in OUTCOMES:
                k = stats.counts[name]
                count[:, j], is_event[:, j] = k, True
                prob[:, j] = mean[:, j] = k / n
                ci = np.array([wilson(int(a), int(b)) for a, b in zip(k, n)]).reshape(p, 2)
                lo[:, j], hi[:, j] = ci[:, 0], ci[:, 1]
                median[:, j] = _median_from_hist(stats.hist[name], k)
                var = prob[:, j] * (1 - prob[:, j]) * n / np.maximum(n - 1, 1)
            else:
                mean[:, j] = stats.mean[name]
                var = stats.m2[name] / np.maximum(n - 1, 1)
            sd[:, j] = np.where(n > 1, np.sqrt(var), np.nan)
            if name not in OUTCOMES:
                half = student_t.ppf(0.975, np.maximum(n - 1, 1)) * sd[:, j] / np.sqrt(n)
                lo[:, j], hi[:, j] = mean[:, j] - half, mean[:, j] + half
    rows = np.repeat(np.arange(p), k_out)
    frame = {"point": points["point"].to_numpy()[rows]}
    for c in points.columns:
        if c != "point":
            frame[c] = points[c].to_numpy()[rows]
    counts = pd.array(count.ravel(), dtype="Int64")
    counts[~is_event.ravel()] = pd.NA
    frame.update(
        {
            "outcome": pd.Categorical.from_codes(
                np.tile(np.arange(k_out), p), categories=list(outcomes)
            ),
            "replications": np.repeat(n, k_out),
            "count": counts,
            "probability": prob.ravel(),
            "ci_low": lo.ravel(),
            "ci_high": hi.ravel(),
            "median_months": median.ravel(),
            "mean": mean.ravel(),
            "sd": sd.ravel(),
        }
    )
    return pd.DataFrame(frame)


def build_summary(
    design: Design, points: pd.DataFrame, block_file, target: Path, write_durable
) -> int:
    """Stream every block file (in index order) into `target`; returns rows written."""
    outcomes = design.outcomes
    events = [o for o in outcomes if o in OUTCOMES]
    numeric = [o for o in outcomes if o not in OUTCOMES]
    horizon = design.scenario.horizon_months
    r = design.spec.replications
    rows = 0
    pending: _Stats | None = None
    batch: list[pd.DataFrame] = []

    def write(tmp):
        nonlocal rows, pending, batch
        writer = None

        def flush():
            nonlocal writer, batch
            if not batch:
                return
            frame = pd.concat(batch, ignore_index=True)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            batch = []

        try:
            for block in design.blocks():
                df = pd.read_parquet(block_file(block.index))
                stats = block_stats(df, block, events, numeric, horizon)
                if block.rep_start > 0 and pending is not None:
                    stats = pending.merge(stats)
                if block.rep_stop < r:  # a chunk of one point: wait for the rest of it
                    pending = stats
                    continue
                pending = None
                frame = finish(stats, points.iloc[block.point_start : block.point_stop], outcomes)
                rows += len(frame)
                batch.append(frame)
                if sum(len(b) for b in batch) >= _ROW_GROUP:
                    flush()
            flush()
        finally:
            if writer is not None:
                writer.close()

    write_durable(target, write)
    return rows


def read_summary(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def overview_of(path: Path, outcomes: list[str]) -> pd.DataFrame:
    """Each outcome's range across design points, streamed from summary.parquet.

    Holds one number per point and outcome, never the whole summary table (which repeats
    every factor on every row), so it stays small even for a million points.
    """
    means = {o: [] for o in outcomes}
    points = {o: [] for o in outcomes}
    for batch in pq.ParquetFile(path).iter_batches(
        columns=["point", "outcome", "mean"], batch_size=1 << 16
    ):
        df = batch.to_pandas()
        for name, group in df.groupby("outcome", observed=True, sort=False):
            if str(name) not in means:
                continue
            means[str(name)].append(group["mean"].to_numpy())
            points[str(name)].append(group["point"].to_numpy())
    rows = []
    for name in outcomes:
        v, pt = np.concatenate(means[name]), np.concatenate(points[name])
        top = int(np.argmax(v))
        rows.append(
            {
                "outcome": name,
                "measure": "probability" if name in OUTCOMES else "mean",
                "min": float(v.min()),
                "median": float(np.median(v)),
                "max": float(v.max()),
                "point_of_max": int(pt[top]),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "SUMMARY_COLUMNS",
    "build_summary",
    "block_stats",
    "finish",
    "overview_of",
    "read_summary",
    "wilson",
]
