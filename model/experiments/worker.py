"""What a worker does with one block: one vectorised model call, returned as Parquet bytes.

A block is the unit of work handed to any executor (a local process, a Dask
worker on another machine, or the coordinating process itself). Its result
travels back as compressed Parquet bytes so that a remote worker needs no
shared disk and the coordinator stays the only writer of the output directory.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..parameters import coerce_column
from ..scenario import Scenario
from ..simulation import simulate_outcomes
from .store import META_KEY


@dataclass
class BlockTask:
    index: int
    seed: int  # the model seed, from design.block_seed
    scenario: Scenario
    values: dict  # parameter name -> values of the block's design points
    point_start: int
    rep_start: int
    rep_stop: int
    columns: list  # outcome columns to keep
    fingerprint: str
    calibrated: object = None  # a ParameterDraw: weights drawn per replication (--calibrated)

    @property
    def points(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0

    @property
    def replications(self) -> int:
        return self.points * (self.rep_stop - self.rep_start)


@dataclass
class BlockResult:
    index: int
    payload: bytes
    rows: int
    seconds: float
    worker: str


_heap_checked = False


def _keep_heap() -> None:
    """Undo a Dask nanny's MALLOC_TRIM_THRESHOLD_ for this process's model arrays.

    Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 so that they hand memory back
    to the OS. Setting it also pins glibc's mmap threshold at 128 KiB, so every array of
    a block (most are larger) is mapped, faulted in page by page and unmapped again:
    measured here, a block then takes 1.8x as long, the extra all in the kernel. A
    block's arrays are transient and bounded by its size, so the worker lets glibc keep
    them on its heap instead. Without that variable (local processes) nothing changes.
    """
    global _heap_checked
    if _heap_checked:
        return
    _heap_checked = True
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 64 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)
    except (OSError, AttributeError):  # not glibc: nothing to undo
        pass


def run_block(task: BlockTask) -> BlockResult:
    """Simulate every replication of the block's points in one model instance.

    Replication j of point p is row p * r + j, so `varying` repeats each point's
    values r times; the model's generator is seeded by the block alone. A calibrated
    sweep adds the weights replication j draws from the surviving sets (the same
    set for replication j of every point).
    """
    _keep_heap()
    t0 = time.perf_counter()
    r = task.rep_stop - task.rep_start
    n = task.points * r
    varying = {name: coerce_column(name, np.repeat(vals, r)) for name, vals in task.values.items()}
    if task.calibrated is not None:  # replication j's set depends on j alone, as in `run`
        drawn = task.calibrated.varying(task.rep_start, task.rep_stop, task.points)
        varying |= {name: coerce_column(name, vals) for name, vals in drawn.items()}
    df = simulate_outcomes(task.scenario, n, task.seed, varying=varying)[task.columns]
    df.insert(
        0,
        "replication",
        np.tile(np.arange(task.rep_start, task.rep_stop, dtype=np.int64), task.points),
    )
    df.insert(
        0,
        "point",
        np.repeat(np.arange(task.point_start, task.point_start + task.points, dtype=np.int64), r),
    )
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {
        "index": task.index,
        "seed": task.seed,
        "fingerprint": task.fingerprint,
        "points": [task.point_start, task.point_start + task.points],
        "replications": [task.rep_start, task.rep_stop],
    }
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()}
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return BlockResult(
        task.index,
        buf.getvalue(),
        n,
        time.perf_counter() - t0,
        f"{socket.gethostname()}:{os.getpid()}",
    )


def worker_version() -> str:
    """Run on a Dask worker to check it has the same redline as the client."""
    from .. import __version__

    return __version__


__all__ = ["BlockTask", "BlockResult", "run_block", "worker_version"]
