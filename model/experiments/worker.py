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


def run_block(task: BlockTask) -> BlockResult:
    """Simulate every replication of the block's points in one model instance.

    Replication j of point p is row p * r + j, so `varying` repeats each point's
    values r times; the model's generator is seeded by the block alone.
    """
    t0 = time.perf_counter()
    r = task.rep_stop - task.rep_start
    n = task.points * r
    varying = {name: coerce_column(name, np.repeat(vals, r)) for name, vals in task.values.items()}
    df = simulate_outcomes(task.scenario, n, task.seed, varying=varying)[task.columns]
    df.insert(0, "replication", np.tile(np.arange(task.rep_start, task.rep_stop, dtype=np.int64),
                                        task.points))
    df.insert(0, "point", np.repeat(np.arange(task.point_start, task.point_start + task.points,
                                              dtype=np.int64), r))
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {"index": task.index, "seed": task.seed, "fingerprint": task.fingerprint,
            "points": [task.point_start, task.point_start + task.points],
            "replications": [task.rep_start, task.rep_stop]}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META_KEY: json.dumps(meta).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return BlockResult(task.index, buf.getvalue(), n, time.perf_counter() - t0,
                       f"{socket.gethostname()}:{os.getpid()}")


def worker_version() -> str:
    """Run on a Dask worker to check it has the same redline as the client."""
    from .. import __version__
    return __version__


__all__ = ["BlockTask", "BlockResult", "run_block", "worker_version"]
