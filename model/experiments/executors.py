"""Where blocks run: this process, local worker processes, or a Dask cluster.

All three take whole blocks (never single replications: `import mesa` makes
multiprocessing spawn fresh interpreters, and a task must be worth far more
than the ~13 ms a model call costs) and keep only a bounded number in flight, so
the coordinator's memory does not grow with the size of the sweep. Results come
back in completion order; the coordinator writes each under its block index,
which is why the order never matters.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from itertools import islice

from ..errors import InputError
from .worker import BlockResult, BlockTask, run_block, worker_version

IN_FLIGHT_PER_WORKER = 2
_DASK = re.compile(r"^(?:local(?::(?P<n>\d+))?|(?P<addr>tcp://[^\s]+:\d+))$")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Serial:
    """Blocks run one after another in this process (`--workers 1`)."""

    workers = 1

    def describe(self) -> dict:
        return {"executor": "serial", "workers": 1}

    def run(self, tasks: Iterable[BlockTask]) -> Iterator[BlockResult]:
        for task in tasks:
            yield run_block(task)

    def drain(self) -> Iterator[BlockResult]:
        return iter(())  # an interrupted block here was this process's own: nothing runs on

    def close(self, abort: bool = False) -> None:
        pass


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _worker_init(parent: int) -> None:
    """Leave stopping to the coordinator, and exit when it dies.

    Ctrl-C and a group SIGTERM reach every process; a worker killed while it sends a
    result back can leave the pool's reader waiting forever on half a message, so
    workers ignore both and the coordinator drains them instead. The signals were
    blocked when this process was spawned (see LocalProcesses._submit), so none can
    land mid-import either. After a kill -9 of the coordinator an orphaned worker
    would wait on its task queue forever: a watcher thread ends it.
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="redline-parent-watch", daemon=True).start()


class LocalProcesses:
    """A pool of spawned worker processes on this machine (`--workers N`)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=mp.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        self._pending: set = set()

    def describe(self) -> dict:
        return {"executor": "processes", "workers": self.workers}

    def run(self, tasks: Iterable[BlockTask]) -> Iterator[BlockResult]:
        """Keep at most two blocks per worker in flight; refill as each finishes."""
        tasks = iter(tasks)
        for t in islice(tasks, IN_FLIGHT_PER_WORKER * self.workers):
            self._pending.add(self._submit(t))
        while self._pending:
            done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
            for fut in done:
                self._pending.discard(fut)
                nxt = next(tasks, None)
                if nxt is not None:
                    self._pending.add(self._submit(nxt))
                yield fut.result()

    def _submit(self, task: BlockTask):
        """Submit with the stop signals blocked: a submit may spawn a worker, which inherits
        the mask (see _worker_init); a signal that arrives meanwhile is delivered here, to
        the coordinator, right after."""
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            return self.pool.submit(run_block, task)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def drain(self) -> Iterator[BlockResult]:
        """After Ctrl-C: drop queued blocks, hand back those already running (a second or so)."""
        running = [f for f in self._pending if not f.cancel()]
        self._pending.clear()
        for fut in as_completed(running):
            if fut.exception() is None:
                yield fut.result()

    def close(self, abort: bool = False) -> None:
        # Never terminate workers: one killed while sending its result would leave the
        # pool's reader thread waiting forever. Without `abort` everything has finished;
        # with it, at most the blocks already running finish (workers ignore the signals).
        # Waiting also when aborting lets the pool's management thread close its pipes
        # itself; leaving it running made Python's exit hook write to a closed pipe and
        # print a traceback now and then. Running blocks finish in moments.
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        except KeyboardInterrupt:  # asked yet again: stop without waiting
            self.pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """A Dask cluster: `local[:N]` starts one on loopback, `tcp://HOST:PORT` joins one."""

    def __init__(self, spec: str):
        match = _DASK.match(spec.strip())
        if not match:
            raise InputError(
                f"'{spec}'",
                field="--dask",
                allowed="local, local:N (N workers on this machine) or "
                "tcp://HOST:PORT (a running `dask scheduler`)",
            )
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                "Dask is not installed",
                field="--dask",
                allowed="the dask extra: pip install dask distributed",
            ) from None
        self.spec, self.cluster, self._live = spec, None, set()
        if match.group("addr"):
            self.address = match.group("addr")
            try:
                self.client = Client(self.address, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach a Dask scheduler at {self.address} ({exc})",
                    field="--dask",
                    allowed="the address `dask scheduler` printed, e.g. tcp://10.0.0.5:8786",
                ) from None
        else:
            n = int(match.group("n") or cpu_count())
            if n < 1:
                raise InputError(f"{n} workers", field="--dask", allowed="local:N with N >= 1")
            import dask

            # Dask's nannies would set MALLOC_TRIM_THRESHOLD_ in the workers and, as a side
            # effect, in this process's environment (inherited by any later local pool);
            # see worker._keep_heap for what it costs a block.
            with dask.config.set(
                {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
            ):
                self.cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self.cluster)
            self.address = self.cluster.scheduler_address
        self._check_workers()

    def _check_workers(self) -> None:
        from .. import __version__

        try:
            self.client.wait_for_workers(1, timeout=60)
            versions = self.client.run(worker_version)
        except Exception as exc:  # noqa: BLE001 - any failure here means the workers can't run us
            self.close()
            raise InputError(
                f"the Dask workers cannot run redline ({type(exc).__name__}: {exc})",
                field="--dask",
                allowed="workers started in an environment where "
                "redline is installed (pip install -e .)",
            ) from None
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            self.close()
            raise InputError(
                f"workers run other redline versions: {wrong}",
                field="--dask",
                allowed=f"every worker on redline {__version__}",
            )

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def describe(self) -> dict:
        return {
            "executor": "dask",
            "workers": self.workers,
            "scheduler": self.address,
            "cluster": "local" if self.cluster else "remote",
        }

    def run(self, tasks: Iterable[BlockTask]) -> Iterator[BlockResult]:
        from dask.distributed import as_completed

        queue = as_completed()

        def submit(task):
            fut = self.client.submit(
                run_block,
                task,
                pure=False,
                key=f"redline-block-{task.index}-{task.fingerprint[:12]}",
            )
            self._live.add(fut)
            return fut

        tasks = iter(tasks)
        for t in islice(tasks, IN_FLIGHT_PER_WORKER * self.workers):
            queue.add(submit(t))
        for fut in queue:
            nxt = next(tasks, None)
            if nxt is not None:
                queue.add(submit(nxt))
            result = fut.result()
            self._live.discard(fut)
            fut.release()
            yield result

    def drain(self) -> Iterator[BlockResult]:
        return iter(())  # close(abort=True) cancels what is left; it reruns on resume

    def close(self, abort: bool = False) -> None:
        try:
            if abort and self._live:
                self.client.cancel(list(self._live))
            self._live.clear()
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def make_executor(workers: int | None = None, dask: str | None = None):
    if dask is not None:
        if workers is not None:
            raise InputError(
                "--workers and --dask both given",
                field="--workers",
                allowed="one of them: with Dask, say local:N or size the cluster",
            )
        return DaskExecutor(dask)
    n = cpu_count() if workers is None else workers
    if n < 1:
        raise InputError(f"{n} workers", field="--workers", allowed="an integer of at least 1")
    return Serial() if n == 1 else LocalProcesses(n)


class ExecutorOnDemand:
    """For a long run that starts its executor at the first block it needs and closes it
    once, on success or on the way out (calibration waves, ABC-SMC): the class sets
    `executor = None`, `workers` and `dask`."""

    executor = None
    workers: int | None = None
    dask: str | None = None

    def get_executor(self):
        if self.executor is None:
            self.executor = make_executor(self.workers, self.dask)
        return self.executor

    def close(self, abort: bool = False) -> None:
        if self.executor is not None:
            try:
                self.executor.close(abort=abort)
            except Exception:  # noqa: BLE001 - on the way out; finished work is on disk
                if not abort:
                    raise
            self.executor = None


__all__ = [
    "DaskExecutor",
    "ExecutorOnDemand",
    "LocalProcesses",
    "Serial",
    "cpu_count",
    "make_executor",
]
