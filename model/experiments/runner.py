"""Run a design: plan its blocks, hand out the unfinished ones, stream results to disk.

The coordinator holds the design points and the block plan, never outcomes:
each finished block goes straight to its own Parquet file, and the summary is
built afterwards by streaming over those files. That is what keeps memory flat
from a thousand replications to ten million, and what lets `--resume` pick up
after Ctrl-C, kill -9 or a power cut with no block lost and none run twice.
"""

from __future__ import annotations

import io
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..outputs import provenance
from ..parameters import SPECS
from .design import Block, Design, block_seed
from .executors import Serial, make_executor
from .store import DESIGN, MANIFEST, PLAN, SAMPLE, SUMMARY, SweepDir
from .summary import build_summary
from .worker import BlockTask

FORMAT = 1


class SweepInterrupted(Exception):
    """Ctrl-C: finished blocks are on disk, the rest run on --resume."""

    def __init__(self, out: Path, done: int, total: int):
        self.out, self.done, self.total = out, done, total
        super().__init__(f"interrupted after {done} of {total} blocks")


@dataclass
class SweepReport:
    out: Path
    blocks: int
    blocks_run: int
    blocks_skipped: int
    replications: int
    replications_run: int
    seconds: float
    executor: dict
    resumed: bool = False
    warnings: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.replications_run / self.seconds if self.seconds > 0 else float("nan")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _plan_frame(design: Design) -> pd.DataFrame:
    blocks = design.blocks()
    return pd.DataFrame(
        {
            "block": [b.index for b in blocks],
            "point_start": [b.point_start for b in blocks],
            "point_stop": [b.point_stop for b in blocks],
            "rep_start": [b.rep_start for b in blocks],
            "rep_stop": [b.rep_stop for b in blocks],
            "seed": [str(block_seed(design.spec.seed, b.index)) for b in blocks],
        }
    )


def new_manifest(design: Design) -> dict:
    s = design.spec
    prov = provenance()
    return {
        "kind": "redline sweep",
        "format": FORMAT,
        "status": "running",
        "design": design.to_manifest(),
        "fingerprint": design.fingerprint(),
        "scenario": design.scenario.to_yaml_dict(),
        "parameters": design.scenario.flat_parameters(),
        "parameter_defaults": {name: spec.default for name, spec in SPECS.items()},
        "factors": design.names,
        "outcomes": design.outcomes,
        "points": design.n_points,
        "replications_per_point": s.replications,
        "replications": design.total_replications,
        "blocks": len(design.blocks()),
        "block_replications": s.block_replications,
        "seeds": {
            "design": s.seed,
            "sampler": f"numpy SeedSequence({s.seed}, spawn_key=(0x5A3,))",
            "blocks": "block b runs the model with seed SeedSequence([design seed, b])"
            ".generate_state(1, uint64)[0] >> 1 (listed in plan.parquet)",
        },
        **{k: prov[k] for k in ("package_version", "git_commit", "python", "mesa", "numpy")},
        "host": socket.gethostname(),
        "started": _now(),
        "finished": None,
        "sessions": [],
        "files": {
            "design": DESIGN,
            "sample": SAMPLE if design.spec.sampler in ("lhs", "sobol", "morris") else None,
            "plan": PLAN,
            "blocks": "blocks/block-NNNNNN.parquet",
            "summary": SUMMARY,
        },
    }


def _prepare(design: Design, out: SweepDir, resume: bool) -> tuple[dict, list]:
    """Check the directory against --resume; returns (manifest, warnings)."""
    warnings = []
    if not out.is_empty() and not resume:
        raise InputError(
            "output directory is not empty",
            file=str(out.path),
            field="--out",
            allowed="a new or empty directory, or --resume to continue the sweep already in it",
        )
    if resume and not out.is_empty():
        manifest = out.read_manifest()
        if manifest.get("kind") != "redline sweep":
            raise InputError(
                "not a redline sweep directory",
                file=str(out.path / MANIFEST),
                allowed="a directory written by `redline sweep`",
            )
        if manifest.get("fingerprint") != design.fingerprint():
            was = manifest.get("design", {}).get("file", "?")
            raise InputError(
                f"this directory holds a sweep of a different design (it was run from {was}; "
                "the design, its scenario or its --calibrated draw has changed since)",
                file=design.origin,
                field="DESIGN",
                allowed="the same design and scenario as the interrupted sweep, "
                "or a new --out directory",
            )
        prov = provenance()
        for key in ("package_version", "git_commit"):
            if manifest.get(key) != prov[key]:
                warnings.append(
                    f"{key} was {manifest.get(key)} when this sweep started and is "
                    f"{prov[key]} now; results are identical only if the model code "
                    "is unchanged"
                )
        return manifest, warnings
    return new_manifest(design), warnings


def run_sweep(
    design: Design,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
    echo: Callable[[str], None] | None = None,
) -> SweepReport:
    """Run (or continue) a sweep into `out`. Raises SweepInterrupted on Ctrl-C."""
    sweep = SweepDir(out)
    manifest, warnings = _prepare(design, sweep, resume)
    for w in warnings:
        (echo or print)(f"warning: {w}")
    with sweep.lock(), _term_as_interrupt():
        return _run_locked(design, sweep, manifest, workers, dask, resume, progress, warnings)


@contextmanager
def _term_as_interrupt():
    """SIGTERM (a batch scheduler's stop, `kill`) stops as cleanly as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _run_locked(design, sweep, manifest, workers, dask, resume, progress, warnings):
    t0 = time.perf_counter()
    plan = design.blocks()
    fingerprint = design.fingerprint()
    points, unit = design.points()
    if not sweep.has_manifest():
        sweep.write_manifest(manifest)
    for name, frame in ((DESIGN, points), (SAMPLE, unit), (PLAN, _plan_frame(design))):
        if frame is not None and not sweep.file(name).is_file():
            sweep.write_durable(
                sweep.file(name), lambda tmp, f=frame: f.to_parquet(tmp, index=False)
            )
    stored = pd.read_parquet(sweep.file(DESIGN))
    if not stored.equals(points):
        raise InputError(
            "design.parquet no longer matches the points this design samples "
            "(a library upgrade may have changed the sampler)",
            file=str(sweep.file(DESIGN)),
            field="DESIGN",
            allowed="resume with the same software, or start a new --out directory",
        )

    already_complete = manifest.get("status") == "complete" and sweep.file(SUMMARY).is_file()
    done = sweep.finished_blocks(plan, fingerprint)
    todo = [b for b in plan if b.index not in done]
    for earlier in manifest["sessions"]:
        if "status" not in earlier:  # killed with no chance to say so (kill -9, power loss)
            earlier["status"] = "ended without a clean stop"
    session = {"started": _now(), "blocks_before": len(done), "host": socket.gethostname()}
    executor = make_executor(workers, dask) if todo else None
    session.update(executor.describe() if executor else {"executor": None})
    manifest["sessions"].append(session)
    manifest["status"] = "running"
    sweep.write_manifest(manifest)

    run_reps = 0
    t_ready = time.perf_counter()  # executor up: what follows is the work itself
    bar = _bar(design.total_replications, sum(plan[i].replications for i in done), progress)
    try:
        if executor is not None:
            for result in executor.run(block_tasks(design, points, todo)):
                sweep.write_block(result.index, result.payload)
                done.add(result.index)
                run_reps += result.rows
                if bar is not None:
                    bar.update(result.rows)
            session["run_seconds"] = round(time.perf_counter() - t_ready, 3)
            executor.close()
            executor = None
        if bar is not None:
            bar.close()
            bar = None
        missing = [b.index for b in plan if not sweep.block_path(b.index).is_file()]
        if missing:  # cannot happen unless files vanish under us; never summarise a partial sweep
            raise RuntimeError(f"blocks {missing[:5]} are missing after the run")
        if todo or not already_complete:
            build_summary(
                design, points, sweep.block_path, sweep.file(SUMMARY), sweep.write_durable
            )
    except KeyboardInterrupt:
        if executor is not None:
            try:  # blocks already running finish in a moment: keep them
                for result in executor.drain():
                    sweep.write_block(result.index, result.payload)
                    done.add(result.index)
            except KeyboardInterrupt:  # asked twice: stop now, they rerun on resume
                pass
        _stop(executor, bar)
        # a block can land on disk between the signal and its bookkeeping: count the files
        done |= sweep.finished_blocks(plan, fingerprint)
        _end(sweep, manifest, session, "interrupted", len(done))
        raise SweepInterrupted(sweep.path, len(done), len(plan)) from None
    except BaseException as exc:
        _stop(executor, bar)
        _end(sweep, manifest, session, "failed", len(done), error=f"{type(exc).__name__}: {exc}")
        raise
    _end(sweep, manifest, session, "complete", len(done))
    manifest["finished"] = session["finished"]
    sweep.write_manifest(manifest)
    seconds = time.perf_counter() - t0
    return SweepReport(
        sweep.path,
        len(plan),
        len(todo),
        len(plan) - len(todo),
        design.total_replications,
        run_reps,
        seconds,
        session,
        resume and bool(session["blocks_before"]),
        warnings,
    )


def block_tasks(
    design: Design, points: pd.DataFrame, blocks: Iterable[Block]
) -> Iterator[BlockTask]:
    """The work of each block as every executor takes it (its points' values and its seed)."""
    names = design.names
    columns = {n: points[n].to_numpy() for n in names}
    fingerprint = design.fingerprint()
    for b in blocks:
        yield BlockTask(
            b.index,
            block_seed(design.spec.seed, b.index),
            design.scenario,
            {n: columns[n][b.point_start : b.point_stop] for n in names},
            b.point_start,
            b.rep_start,
            b.rep_stop,
            design.columns,
            fingerprint,
            design.calibrated,
        )


def run_in_memory(
    design: Design, progress: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """Run a small design in this process and return its summary (summary.parquet's rows).

    The same blocks, seeds and summary as `run_sweep`, so the numbers are identical,
    but nothing is written: no directory, manifest or resume. Meant for seconds-long
    sweeps (the dashboard's Sweep page); the block files are held in memory until the
    summary is built. `progress(replications done, replications in all)` after each block.
    """
    points, _ = design.points()
    blocks = design.blocks()
    payloads: dict[int, bytes] = {}
    done, total = 0, design.total_replications
    for result in Serial().run(block_tasks(design, points, blocks)):
        payloads[result.index] = result.payload
        done += result.rows
        if progress:
            progress(done, total)
    out = io.BytesIO()
    build_summary(
        design,
        points,
        lambda index: io.BytesIO(payloads[index]),
        out,
        lambda target, write: write(target),
    )
    out.seek(0)
    return pd.read_parquet(out)


def _stop(executor, bar) -> None:
    if bar is not None:
        bar.close()
    if executor is not None:
        try:
            executor.close(abort=True)
        except Exception:  # noqa: BLE001 - already on the way out; the block files are safe
            pass


def _end(
    sweep: SweepDir, manifest: dict, session: dict, status: str, done: int, error: str | None = None
) -> None:
    session.update({"finished": _now(), "blocks_after": done, "status": status})
    if error:
        session["error"] = error
    manifest["status"] = status
    sweep.write_manifest(manifest)


def _bar(total: int, initial: int, progress: bool | None):
    """A tqdm bar with rate and ETA on a terminal; nothing when output is piped or logged."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="rep",
        unit_scale=True,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
        desc="sweep",
    )


__all__ = [
    "SweepInterrupted",
    "SweepReport",
    "block_tasks",
    "new_manifest",
    "run_in_memory",
    "run_sweep",
]
