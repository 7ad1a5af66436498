"""Running a calibration: waves of parameter sets through the sweep engine, resumable.

Each wave is a set of design points (parameter sets). Every point is an ensemble of
replications of each scenario the fit targets read, cut into blocks by the sweep
engine's plan (`plan_blocks`), seeded by its rule (`block_seed`), run by its executors
(this process, local processes or Dask) and written by its store (`SweepDir`: temporary
name, fsync, rename). The block files are the record of finished work, so after Ctrl-C,
kill -9 or a power cut `--resume` runs only the missing blocks; waves already reduced to
their estimates are read back. Results are identical for any worker count and after a
resume, because blocks and seeds depend only on the targets file and the settings.

One executor serves every wave and scenario (starting worker processes costs seconds, a
block a fraction of one). After the waves, the held-out targets are evaluated once, on
the surviving parameter sets only: they never take part in ruling a point out.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..experiments.design import Block, block_seed, plan_blocks
from ..experiments.executors import ExecutorOnDemand
from ..experiments.store import SweepDir
from ..experiments.worker import BlockTask
from ..outputs import provenance, write_json
from .estimates import estimate, implausibility, worst
from .targets import Run, Target, Targets
from .waves import first_wave, next_wave

KIND = "redline calibration"
FORMAT = 1
MANIFEST = "manifest.json"
WAVES = "waves.parquet"
SURVIVORS = "survivors.parquet"
REPORT_MD = "report.md"
REPORT_PNG = "report.png"
PHASES = "waves"  # one folder per wave (and one for the held-out check) with its blocks
DESIGN = "design.parquet"
PLAN = "plan.parquet"
ESTIMATES = "estimates.parquet"
HELD_OUT = "held-out"

DEFAULTS = {"waves": 3, "points": 1000, "replications": 200, "seed": 1, "cutoff": 3.0}
LIMITS = {
    "waves": (1, 20, "an integer from 1 to 20"),
    "points": (2, 100_000, "an integer from 2 to 100,000"),
    "replications": (2, 100_000, "an integer from 2 to 100,000"),
    "seed": (0, 2**63 - 1, "an integer from 0 to 2**63-1"),
    "cutoff": (1e-6, 100.0, "a number above 0 (3 is the usual choice)"),
}
FLAGS = {"replications": "--reps"}


@dataclass(frozen=True)
class Settings:
    waves: int
    points: int
    replications: int
    seed: int
    cutoff: float

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in DEFAULTS}


def flag(name: str) -> str:
    return FLAGS.get(name, f"--{name}")


def resumed(name: str, given: dict, earlier: dict, fallback, what="calibration", named=None):
    """A setting of a run that may be resuming: the value given, which must be the one the
    run started with; else that one; else `fallback`. `named` spells its option."""
    option = (named or flag)(name)
    value = given.get(name)
    if value is not None and name in earlier and value != earlier[name]:
        raise InputError(
            f"{option} {value} differs from the {earlier[name]} this {what} started with",
            field=option,
            allowed="the same value, or leave the option out when resuming",
        )
    return earlier.get(name, fallback) if value is None else value


def settings_for(given: dict, manifest: dict | None = None) -> Settings:
    """Given values, else those the calibration being resumed started with, else defaults."""
    before = (manifest or {}).get("settings", {})
    values = {}
    for name, default in DEFAULTS.items():
        value = resumed(name, given, before, default)
        lo, hi, allowed = LIMITS[name]
        kind = float if name == "cutoff" else int
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise InputError(f"{value!r}", field=flag(name), allowed=allowed)
        if kind is int and value != int(value):
            raise InputError(f"{value!r}", field=flag(name), allowed=allowed)
        values[name] = kind(value)
    return Settings(**values)


class NoSurvivors(InputError):
    """A wave ruled out every point: there is nothing left to sample the next one from."""


class CalibrationInterrupted(Exception):
    """Ctrl-C: finished blocks are on disk, the rest run on --resume."""

    def __init__(self, out: Path, phase: str, done: int, total: int):
        self.out, self.phase, self.done, self.total = out, phase, done, total
        super().__init__(f"interrupted in {phase} after {done} of {total} blocks")


@dataclass
class CalibrationReport:
    out: Path
    settings: Settings
    waves: list[dict]
    survivors: int
    seconds: float
    replications_run: int
    rep_months_run: int
    executor: dict
    resumed: bool = False
    warnings: list = field(default_factory=list)

    @property
    def rep_months_per_second(self) -> float:
        return self.rep_months_run / self.seconds if self.seconds > 0 else float("nan")


@dataclass(frozen=True)
class Phase:
    label: str  # what a person reads: "wave 2", "held-out check"
    folder: str  # waves/<folder>
    number: int  # its seed stream: wave w is w, the held-out check waves + 1
    runs: list[Run]
    targets: list[Target]
    fit: bool


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fingerprint(targets: Targets, settings: Settings) -> str:
    text = json.dumps(
        {"format": FORMAT, "targets": targets.fingerprint, "settings": settings.to_dict()},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def new_manifest(targets: Targets, settings: Settings) -> dict:
    prov = provenance()
    return {
        "kind": KIND,
        "format": FORMAT,
        "status": "running",
        "targets": targets.to_manifest(),
        "fingerprint": _fingerprint(targets, settings),
        "settings": settings.to_dict(),
        "block_replications": targets.spec.block_replications,
        "method": {
            "implausibility": "|E - z| / sqrt(V + tolerance^2 + discrepancy^2) per target "
            "(one-sided for at-least and at-most); a point is ruled out when the largest "
            "over the fit targets exceeds the cut-off",
            "wave 1": "Latin hypercube over the free ranges (scipy.stats.qmc)",
            "later waves": "Latin hypercube in the survivors' bounding box widened by the "
            "previous design's spacing; candidates kept within that spacing of a survivor",
            "held-out": "evaluated once, on the last wave's survivors",
        },
        "seeds": {
            "calibration": settings.seed,
            "waves": "wave w (the held-out check is wave W+1) has the seed "
            "SeedSequence([seed, w]).generate_state(1, uint64)[0] >> 1",
            "blocks": "block b of every scenario of a wave runs the model with "
            "SeedSequence([wave seed, b]).generate_state(1, uint64)[0] >> 1 (common random "
            "numbers across scenarios; listed in each wave's plan.parquet)",
            "sampler": "wave w draws its points from SeedSequence([seed, w], spawn_key=(0x5A3,))",
        },
        **{k: prov[k] for k in ("package_version", "git_commit", "python", "mesa", "numpy")},
        "host": socket.gethostname(),
        "started": _now(),
        "finished": None,
        "sessions": [],
        "waves": {},
        "files": {
            "waves": WAVES,
            "survivors": SURVIVORS,
            "report": [REPORT_MD, REPORT_PNG],
            "blocks": f"{PHASES}/<wave>/blocks/block-NNNNNN.parquet",
        },
    }


def _check_resume(targets: Targets, settings: Settings, manifest: dict, path: Path) -> list:
    """Refuse a directory this calibration did not write; returns warnings."""
    where = str(path / MANIFEST)
    if manifest.get("kind") != KIND:
        raise InputError(
            "not a redline calibration directory",
            file=where,
            field="kind",
            allowed="a directory written by `redline calibrate`",
        )
    if manifest.get("format") != FORMAT:
        raise InputError(
            f"calibration format {manifest.get('format')}",
            file=where,
            field="format",
            allowed=f"format {FORMAT}, or a new --out directory",
        )
    prov = provenance()
    if manifest.get("package_version") != prov["package_version"]:
        raise InputError(
            f"this calibration was started by redline {manifest.get('package_version')}, and "
            f"this is redline {prov['package_version']}",
            file=where,
            field="package_version",
            allowed="the same redline version, or a new --out directory",
        )
    before = manifest.get("targets", {})
    if before.get("sha256") != targets.sha256:
        raise InputError(
            f"this directory holds a calibration against a different targets file (it was "
            f"{before.get('file', '?')}; the file has changed since or is another one)",
            file=targets.origin,
            field="TARGETS",
            allowed="the same targets file as the interrupted calibration, or a new --out",
        )
    if manifest.get("fingerprint") != _fingerprint(targets, settings):
        raise InputError(
            "a scenario the targets read has changed since this calibration started",
            file=targets.origin,
            field="targets (scenarios)",
            allowed="the same scenarios as before, or a new --out directory",
        )
    if manifest.get("git_commit") != prov["git_commit"]:
        return [
            f"git_commit was {manifest.get('git_commit')} when this calibration started and is "
            f"{prov['git_commit']} now; results are identical only if the model code is unchanged"
        ]
    return []


def read_manifest(out: Path) -> dict | None:
    path = Path(out) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest.json is not valid JSON ({exc})", file=str(path)) from None


@contextmanager
def _locked(out: Path):
    """One calibration per directory at a time (the sweep store's lock, in this one's words)."""
    with ExitStack() as stack:
        try:
            stack.enter_context(SweepDir(out).lock())
        except InputError:
            raise InputError(
                "another calibration is running in this directory",
                file=str(out),
                field="--out",
                allowed="wait for it, or choose another --out",
            ) from None
        yield


def run_calibration(
    targets: Targets,
    out: str | Path,
    given: dict | None = None,
    *,
    workers: int | None = None,
    dask: str | None = None,
    resume: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    echo: Callable[[str], None] | None = None,
    announce: Callable[[Settings], None] | None = None,
) -> CalibrationReport:
    """Run (or continue) a calibration into `out`.

    `given`: settings (waves, points, replications, seed, cutoff); those left out take the
    values of the calibration being resumed, or the defaults. `progress(phase, replications
    done, replications in the phase)` after each block; `announce(settings)` once the
    directory is known to be usable, before any work. Raises CalibrationInterrupted on
    Ctrl-C, and InputError (before writing anything) on a directory it cannot continue.
    """
    out = Path(out)
    store = SweepDir(out)
    manifest = read_manifest(out) if resume else None
    if not store.is_empty() and not resume:
        raise InputError(
            "output directory is not empty",
            file=str(out),
            field="--out",
            allowed="a new or empty directory, or --resume to continue the calibration in it",
        )
    if resume and not store.is_empty() and manifest is None:
        raise InputError(
            "not a redline calibration directory (no manifest.json)",
            file=str(out),
            field="--out",
            allowed="a directory written by `redline calibrate`",
        )
    settings = settings_for(given or {}, manifest)
    warnings = _check_resume(targets, settings, manifest, out) if manifest else []
    for w in warnings:
        (echo or print)(f"warning: {w}")
    if announce:
        announce(settings)
    with _locked(out):
        job = _Calibration(targets, settings, out, manifest, workers, dask, progress)
        report = job.run()
    report.warnings = warnings
    return report


class _Calibration(ExecutorOnDemand):
    def __init__(self, targets, settings, out, manifest, workers, dask, progress):
        self.targets, self.settings, self.out = targets, settings, out
        self.resumed = manifest is not None
        self.manifest = manifest or new_manifest(targets, settings)
        self.workers, self.dask, self.progress = workers, dask, progress
        self.executor = None
        self.fingerprint = _fingerprint(targets, settings)
        self.replications_run = 0
        self.rep_months_run = 0
        self.current = "wave 1"  # the phase running, for an interruption's message

    # --- the whole run ----------------------------------------------------------------------
    def run(self) -> CalibrationReport:
        t0 = time.perf_counter()
        m = self.manifest
        for earlier in m["sessions"]:
            if "status" not in earlier:  # killed with no chance to say so (kill -9, power loss)
                earlier["status"] = "ended without a clean stop"
        session = {"started": _now(), "host": socket.gethostname()}
        m["sessions"].append(session)
        was_complete = m.get("status") == "complete"
        m["status"] = "running"
        self.write_manifest()
        try:
            tables, survivors = self.waves()
            held = self.held_out(survivors) if self.targets.held_out else None
            session["executor"] = self.executor.describe() if self.executor else None
            self.close()
            files = [self.out / n for n in (WAVES, SURVIVORS, REPORT_MD, REPORT_PNG)]
            if not was_complete or self.replications_run or not all(f.is_file() for f in files):
                self.finish(tables, survivors, held)
        except CalibrationInterrupted:
            self.end(session, "interrupted")
            raise
        except KeyboardInterrupt:  # between blocks (sampling, estimates, the report)
            self.close(abort=True)
            self.end(session, "interrupted")
            raise CalibrationInterrupted(self.out, self.current, 0, 0) from None
        except BaseException as exc:
            self.close(abort=True)
            status = "no survivors" if isinstance(exc, NoSurvivors) else "failed"
            self.end(session, status, error=f"{type(exc).__name__}: {exc}")
            raise
        self.end(session, "complete")
        m["finished"] = session["finished"]
        self.write_manifest()
        return CalibrationReport(
            self.out,
            self.settings,
            [m["waves"][f"wave {w}"] for w in range(1, self.settings.waves + 1)],
            len(survivors),
            time.perf_counter() - t0,
            self.replications_run,
            self.rep_months_run,
            session.get("executor") or {"executor": None},
            self.resumed,
        )

    def waves(self) -> tuple[list[pd.DataFrame], pd.DataFrame]:
        s, t = self.settings, self.targets
        fit_runs = t.runs_for(t.fit)
        tables = []
        unit = first_wave(len(t.free), s.points, s.seed)
        refocus, ruled_out = None, np.zeros(len(unit), dtype=bool)
        for w in range(1, s.waves + 1):
            if w > 1:
                unit, refocus = next_wave(unit, ~ruled_out, s.points, s.seed, w)
            phase = Phase(f"wave {w}", f"wave-{w}", w, fit_runs, t.fit, True)
            t_wave = time.perf_counter()
            table = self.phase(phase, unit)
            ruled_out = table["ruled out"].to_numpy()
            tables.append(table.assign(wave=w))
            info = self.manifest["waves"].get(phase.label) or {
                "points": int(len(table)),
                "ruled_out": int(ruled_out.sum()),
                "survivors": int((~ruled_out).sum()),
                "smallest_implausibility": float(table["implausibility"].min()),
                "ruled_out_by": {
                    str(k): int(v)
                    for k, v in table.loc[ruled_out, "ruled out by"].value_counts().items()
                },
                "seconds": round(time.perf_counter() - t_wave, 3),
                "sampling": "Latin hypercube over the free ranges"
                if refocus is None
                else {"refocused on the survivors of the wave before": refocus.describe()},
            }
            self.manifest["waves"][phase.label] = info
            self.write_manifest()
            if not (~ruled_out).any():
                from .report import write_waves

                write_waves(tables, self.out / WAVES)
                worst_target = max(info["ruled_out_by"], key=info["ruled_out_by"].get)
                raise NoSurvivors(
                    f"wave {w}: all {info['points']:,} points are ruled out (smallest "
                    f"implausibility {info['smallest_implausibility']:.2f} against the cut-off "
                    f"{s.cutoff:g}; target {worst_target} rules out "
                    f"{info['ruled_out_by'][worst_target]:,} of them), so nothing is left to "
                    f"sample from; the wave's figures are in {self.out / WAVES}",
                    file=t.origin,
                    field="targets",
                    allowed="wider tolerances or discrepancies, wider free ranges, or a higher "
                    "--cutoff",
                )
        self.last_unit = unit
        last = tables[-1]
        return tables, last[~last["ruled out"]].reset_index(drop=True)

    def held_out(self, survivors: pd.DataFrame) -> pd.DataFrame:
        t = self.targets
        phase = Phase(
            "held-out check",
            HELD_OUT,
            self.settings.waves + 1,
            t.runs_for(t.held_out),
            t.held_out,
            False,
        )
        unit = self.last_unit[survivors["point"].to_numpy()]
        return self.phase(phase, unit)

    # --- one wave ----------------------------------------------------------------------------
    def phase(self, phase: Phase, unit: np.ndarray) -> pd.DataFrame:
        s, t = self.settings, self.targets
        self.current = phase.label
        folder = SweepDir(self.out / PHASES / phase.folder)
        n_points = len(unit)
        design = pd.DataFrame({"point": np.arange(n_points, dtype=np.int64)})
        for j, f in enumerate(t.free):
            design[f.name] = f.values(unit[:, j])
        for j, f in enumerate(t.free):
            design[f"unit: {f.name}"] = unit[:, j]
        self.stored(folder, DESIGN, design)
        done_file = folder.file(ESTIMATES)
        if done_file.is_file():
            return pd.read_parquet(done_file)

        seed = block_seed(s.seed, phase.number)
        local = plan_blocks(n_points, s.replications, t.spec.block_replications)
        plan = [
            Block(k * len(local) + b.index, b.point_start, b.point_stop, b.rep_start, b.rep_stop)
            for k in range(len(phase.runs))
            for b in local
        ]
        self.stored(
            folder,
            PLAN,
            pd.DataFrame(
                {
                    "block": [b.index for b in plan],
                    "scenario": [r.key for r in phase.runs for _ in local],
                    "local_block": [b.index for _ in phase.runs for b in local],
                    "point_start": [b.point_start for b in plan],
                    "point_stop": [b.point_stop for b in plan],
                    "rep_start": [b.rep_start for b in plan],
                    "rep_stop": [b.rep_stop for b in plan],
                    "seed": [str(block_seed(seed, b.index)) for _ in phase.runs for b in local],
                }
            ),
        )
        fingerprint = hashlib.sha256(f"{self.fingerprint}:{phase.folder}".encode()).hexdigest()
        done = folder.finished_blocks(plan, fingerprint)
        todo = [b for b in plan if b.index not in done]
        total = sum(b.replications for b in plan)
        finished = sum(plan[i].replications for i in done)
        if self.progress:
            self.progress(phase.label, finished, total)
        if todo:
            values = {f.name: design[f.name].to_numpy() for f in t.free}

            def tasks():
                for b in todo:
                    k, lb = divmod(b.index, len(local))
                    run = phase.runs[k]
                    yield BlockTask(
                        b.index,
                        block_seed(seed, lb),
                        run.scenario,
                        {n: v[b.point_start : b.point_stop] for n, v in values.items()},
                        b.point_start,
                        b.rep_start,
                        b.rep_stop,
                        list(run.columns),
                        fingerprint,
                    )

            executor = self.get_executor()
            try:
                for result in executor.run(tasks()):
                    folder.write_block(result.index, result.payload)
                    done.add(result.index)
                    months = phase.runs[result.index // len(local)].months
                    self.replications_run += result.rows
                    self.rep_months_run += result.rows * months
                    finished += result.rows
                    if self.progress:
                        self.progress(phase.label, finished, total)
            except KeyboardInterrupt:
                try:  # blocks already running finish in a moment: keep them
                    for result in executor.drain():
                        folder.write_block(result.index, result.payload)
                except KeyboardInterrupt:  # asked twice: stop now, they rerun on resume
                    pass
                self.close(abort=True)
                done = folder.finished_blocks(plan, fingerprint)
                raise CalibrationInterrupted(self.out, phase.label, len(done), len(plan)) from None
        run_index = {r.key: k for k, r in enumerate(phase.runs)}
        est = estimate(phase.targets, run_index, local, n_points, folder.block_path)
        table = pd.concat(
            [design[["point", *t.names]], est, implausibility(phase.targets, est)], axis=1
        )
        if phase.fit:
            top, which = worst(t, table)
            table["implausibility"] = top
            table["ruled out"] = top > s.cutoff
            table["ruled out by"] = np.where(top > s.cutoff, which, "")
        folder.write_durable(done_file, lambda tmp: table.to_parquet(tmp, index=False))
        return table

    def stored(self, folder: SweepDir, name: str, frame: pd.DataFrame) -> None:
        """Write a wave's design or plan once; on resume it must be what is sampled again."""
        path = folder.file(name)
        if not path.is_file():
            folder.write_durable(path, lambda tmp: frame.to_parquet(tmp, index=False))
            return
        if not pd.read_parquet(path).equals(frame):
            raise InputError(
                f"{name} no longer matches what this calibration samples (a library upgrade "
                "may have changed the sampler)",
                file=str(path),
                field="--resume",
                allowed="resume with the same software, or start a new --out directory",
            )

    # --- executor, manifest, outputs -----------------------------------------------------
    def write_manifest(self) -> None:
        write_json(self.manifest, self.out / MANIFEST)

    def end(self, session: dict, status: str, error: str | None = None) -> None:
        session.update({"finished": _now(), "status": status})
        session["replications_run"] = self.replications_run
        if error:
            session["error"] = error
        self.manifest["status"] = status
        self.write_manifest()

    def finish(self, tables, survivors, held) -> None:
        from .report import write_outputs

        write_outputs(self.out, self.targets, self.settings, self.manifest, tables, survivors, held)


__all__ = [
    "CalibrationInterrupted",
    "CalibrationReport",
    "DEFAULTS",
    "NoSurvivors",
    "Settings",
    "run_calibration",
    "settings_for",
]
