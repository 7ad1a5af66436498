"""Refinement by ABC-SMC (pyabc) inside the region history matching left standing.

History matching says which parameter sets are not implausible; it does not say which
of them fit better. `refine` takes a finished calibration directory and runs pyabc's
ABC-SMC over it, so that the sets that meet the targets more closely carry more weight:

- **Prior**: uniform on each free parameter's surviving range (the survivors' smallest
  and largest value, within the register's range). A parameter all survivors share is
  held at that value.
- **Model**: the waves' own ensemble estimate of every fit target: the parameter set run
  `replications` times in each scenario the fit targets read, through the engine's blocks
  (`BlockTask`, `run_block`, its executors) and reduced by `estimates.estimate`, with
  common random numbers across the scenarios. Held-out targets take no part.
- **Distance**: the largest implausibility over the fit targets, |E - z| / sqrt(V +
  tolerance^2 + discrepancy^2): the measure the waves rule sets out by, so an epsilon is
  read on the same scale as the cut-off.
- **Epsilon**: population 0 accepts at the cut-off (the waves' own criterion, within the
  surviving box); each later one at the weighted median of the previous population's
  distances (pyabc's QuantileEpsilon), but never below `min_epsilon`. It stops after
  `populations` populations, after the first at `min_epsilon`, or when a population
  would need more than 1 / MIN_ACCEPTANCE model runs per particle (that one is not kept).
- **Sampler**: pyabc's SingleCoreSampler: particles are proposed one after another, so
  the posterior does not depend on the worker count (workers only share out the blocks
  of one particle). Before population t numpy's global stream, which pyabc samples
  from, is seeded with SeedSequence([seed, SEED_TAG, t]), and each population is run by
  a fresh ABCSMC loaded from the history: population t depends on the seed and the
  populations before it only, so a resumed refinement equals an uninterrupted one.

pyabc keeps its history in SQLite inside the calibration directory, under a temporary
name (abc-history.partial.db) that becomes abc-history.db once posterior.parquet, the
report and the manifest are written. Each population is stored whole or not at all, so
after Ctrl-C, kill -9 or a power cut `--resume` continues from the last stored one.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..experiments.design import block_seed, plan_blocks
from ..experiments.executors import ExecutorOnDemand
from ..experiments.store import SweepDir
from ..experiments.worker import BlockTask
from ..outputs import provenance, write_json
from ..parameters import SPECS, coerce_column
from ..resources import shipped
from .engine import resumed
from .estimates import estimate
from .targets import Targets, load_targets

HISTORY = "abc-history.db"
PARTIAL = "abc-history.partial.db"
POSTERIOR = "posterior.parquet"
REPORT_PNG = "report-abc.png"
FORMAT = 1
SEED_TAG = 0xABC5  # population t's stream: apart from the waves', the blocks' and the draws'
QUANTILE = 0.5  # each epsilon is this weighted quantile of the last population's distances
MIN_ACCEPTANCE = 0.02  # a population needing more than 50 model runs a particle is given up
INSTALL = "pip install 'redline[abc]'"

DEFAULTS = {"populations": 5, "size": 200, "replications": None, "seed": None, "min_epsilon": 1.0}
LIMITS = {
    "populations": (1, 50, "an integer from 1 to 50"),
    "size": (5, 100_000, "an integer from 5 to 100,000"),
    "replications": (2, 100_000, "an integer from 2 to 100,000"),
    "seed": (0, 2**63 - 1, "an integer from 0 to 2**63-1"),
}
FLAGS = {"replications": "--reps", "min_epsilon": "--min-epsilon"}


def flag(name: str) -> str:
    return FLAGS.get(name, f"--{name}")


def pyabc_version() -> str | None:
    """pyabc's version if it is installed (without importing it: that takes seconds)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("pyabc")
    except importlib.metadata.PackageNotFoundError:
        return None


def require_pyabc() -> None:
    """One line naming the extra to install, when pyabc cannot be imported."""
    import importlib.util

    if importlib.util.find_spec("pyabc") is None:
        raise InputError(f"redline calibrate-abc needs the abc extra: {INSTALL}")


@dataclass(frozen=True)
class AbcSettings:
    populations: int
    size: int
    replications: int
    seed: int
    min_epsilon: float

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in DEFAULTS}


def settings_for(given: dict, calibration: dict, before: dict | None, cutoff: float) -> AbcSettings:
    """Given values, else those of the refinement being resumed, else the defaults (the
    replications and seed default to the calibration's own)."""
    earlier = (before or {}).get("settings", {})
    values = {}
    for name, default in DEFAULTS.items():
        fallback = calibration.get(name) if default is None else default
        value = resumed(name, given, earlier, fallback, "refinement", flag)
        if name == "min_epsilon":
            ok = (
                not isinstance(value, bool)
                and isinstance(value, (int, float))
                and 0 <= value <= cutoff
            )
            if not ok:
                raise InputError(
                    f"{value!r}",
                    field=flag(name),
                    allowed=f"a number from 0 to the calibration's cut-off ({cutoff:g})",
                )
            values[name] = float(value)
            continue
        lo, hi, allowed = LIMITS[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value != int(value)
            or not lo <= value <= hi
        ):
            raise InputError(f"{value!r}", field=flag(name), allowed=allowed)
        values[name] = int(value)
    return AbcSettings(**values)


@dataclass(frozen=True)
class Range:
    """One free parameter's prior: uniform on its surviving range, or held at one value."""

    name: str
    kind: type
    low: float  # the surviving range, within the register's
    high: float
    searched: tuple  # the range the waves searched (the targets file's)

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def width(self) -> float:
        """The prior's width: an integer's last value gets a whole unit, like the others."""
        return self.high - self.low + (1 if self.kind is int else 0)

    def value(self, x: float):
        """The model's value for pyabc's number (integers: equal shares per integer)."""
        if self.kind is int:
            return int(min(math.floor(x), self.high))
        return float(x)


def prior_ranges(targets: Targets, survivors: pd.DataFrame) -> list[Range]:
    out = []
    for f in targets.free:
        spec = SPECS[f.name]
        values = survivors[f.name].to_numpy()
        low = max(float(values.min()), float(spec.lo), float(f.low))
        high = min(float(values.max()), float(spec.hi), float(f.high))
        if f.kind is int:
            low, high = int(low), int(high)
        out.append(Range(f.name, f.kind, low, high, (f.low, f.high)))
    return out


class AbcInterrupted(Exception):
    """Ctrl-C: the populations stored so far are kept; --resume continues from them."""

    def __init__(self, out: Path, population: int, accepted: int, size: int, runs: int):
        self.out, self.population = out, population
        self.accepted, self.size, self.runs = accepted, size, runs
        super().__init__(f"interrupted in population {population}")


class NoPopulation(InputError):
    """Population 0 needed more model runs than allowed: nothing to refine with."""


@dataclass
class AbcReport:
    out: Path
    settings: AbcSettings
    populations: list[dict]
    stopped: str
    posterior: int
    seconds: float
    model_runs: int  # this session's
    resumed: bool = False
    warnings: list = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- finding the calibration ----------------------------------------------------------------


def writable_calibration(directory: str | os.PathLike) -> Path:
    """The calibration directory to refine: a path, never the shipped one."""
    path = Path(directory)
    root = shipped("calibration")
    if not path.is_dir():
        named = root / str(directory)
        hint = (
            f" (the shipped calibration is read-only: copy {named} and refine the copy)"
            if os.sep not in str(directory) and (named / "manifest.json").is_file()
            else ""
        )
        raise InputError(
            "no such calibration directory" + hint,
            file=str(directory),
            field="DIR",
            allowed="a directory written by `redline calibrate`",
        )
    if path.resolve().is_relative_to(Path(root).resolve()):
        raise InputError(
            "the shipped calibration is read-only",
            file=str(path),
            field="DIR",
            allowed="a copy of it (cp -r) or a directory written by `redline calibrate`",
        )
    return path


def targets_for(path: Path, manifest: dict, given: str | None) -> Targets:
    """The targets file the calibration was made against: the one given, else the one its
    manifest names (by path, else by name among the shipped ones)."""
    if given is not None:
        return load_targets(given)
    t = manifest.get("targets", {})
    for candidate in (t.get("file"), t.get("name")):
        if not candidate:
            continue
        try:
            return load_targets(candidate)
        except InputError:
            continue
    raise InputError(
        f"the targets file this calibration was made against ({t.get('file')}) is not found",
        file=str(path / "manifest.json"),
        field="targets.file",
        allowed="--targets naming that file",
    )


# --- the model pyabc calls ----------------------------------------------------------------


class Ensemble:
    """One particle: its parameter set run `replications` times in every fit scenario.

    The blocks are the engine's (one point, `plan_blocks`), seeded from a particle seed
    drawn from numpy's global stream (which pyabc samples from and `refine` seeds), so
    replication j meets the same random numbers in every scenario (common random
    numbers) and the estimates are the waves' estimates (`estimates.estimate`, reading
    the block payloads as the waves read block files).
    """

    __name__ = "redline ensemble"  # pyabc names a model after its function

    def __init__(self, targets: Targets, ranges, replications, get_executor, fingerprint):
        self.targets, self.ranges = targets, list(ranges)
        self.runs = targets.runs_for(targets.fit)
        self.local = plan_blocks(1, replications, targets.spec.block_replications)
        self.run_index = {r.key: k for k, r in enumerate(self.runs)}
        self.get_executor, self.fingerprint = get_executor, fingerprint
        self.on_run: Callable[[], None] | None = None

    def values(self, parameter) -> dict:
        return {
            r.name: r.low if r.fixed else r.value(float(parameter[r.name])) for r in self.ranges
        }

    def __call__(self, parameter) -> dict:
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        values = {n: coerce_column(n, np.array([v])) for n, v in self.values(parameter).items()}
        n = len(self.local)
        tasks = [
            BlockTask(
                k * n + b.index,
                block_seed(seed, b.index),
                run.scenario,
                values,
                0,
                b.rep_start,
                b.rep_stop,
                list(run.columns),
                self.fingerprint,
            )
            for k, run in enumerate(self.runs)
            for b in self.local
        ]
        payloads = {r.index: r.payload for r in self.get_executor().run(tasks)}
        est = estimate(
            self.targets.fit, self.run_index, self.local, 1, lambda i: io.BytesIO(payloads[i])
        )
        if self.on_run:
            self.on_run()
        return {c: float(est[c].iloc[0]) for c in est.columns}


def floored(quantile_epsilon: type, floor: float) -> type:
    """pyabc's QuantileEpsilon, never below `floor`: the last population then runs at the
    minimum epsilon itself rather than wherever the quantile happened to fall below it."""

    class Floored(quantile_epsilon):
        def _update(self, t, weighted_distances):
            super()._update(t, weighted_distances)
            self._look_up[t] = max(self._look_up[t], floor)

    return Floored


class LargestImplausibility:
    """pyabc's distance: the largest implausibility over the fit targets."""

    __name__ = "largest implausibility over the fit targets"

    def __init__(self, targets: Targets):
        self.fit = targets.fit
        self.on_distance: Callable[[float], None] | None = None

    def of(self, x: dict) -> float:
        return max(
            float(
                t.implausibility(
                    np.float64(x[f"estimate: {t.name}"]), np.float64(x[f"variance: {t.name}"])
                )
            )
            for t in self.fit
        )

    def __call__(self, x: dict, x_0: dict) -> float:
        d = self.of(x)
        if self.on_distance:
            self.on_distance(d)
        return d


# --- the refinement ---------------------------------------------------------------------------


def _fingerprint(manifest: dict, survivors_sha: str, settings: AbcSettings) -> str:
    text = json.dumps(
        {
            "format": FORMAT,
            "calibration": manifest.get("fingerprint"),
            "survivors": survivors_sha,
            "settings": settings.to_dict(),
            "quantile": QUANTILE,
            "min_acceptance": MIN_ACCEPTANCE,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def refine(
    directory: str | os.PathLike,
    targets: str | None = None,
    given: dict | None = None,
    *,
    workers: int | None = None,
    dask: str | None = None,
    resume: bool = False,
    progress: Callable[[str, int, int, int], None] | None = None,
    echo: Callable[[str], None] | None = None,
    announce: Callable[[AbcSettings, list[Range], Targets], None] | None = None,
) -> AbcReport:
    """Refine the finished calibration in `directory` by ABC-SMC; returns what it did.

    `given`: populations, size, replications, seed, min_epsilon (left out: the values of
    the refinement being resumed, else the defaults). `progress(label, accepted, size,
    model runs)` after each particle. Raises InputError (before writing anything) on a
    directory it cannot refine or continue, AbcInterrupted on Ctrl-C.
    """
    from .calibrated import load_calibration
    from .engine import _fingerprint as calibration_fingerprint
    from .engine import settings_for as calibration_settings

    require_pyabc()
    path = writable_calibration(directory)
    first = load_calibration(path)  # finished, this redline, known parameters
    t = targets_for(path, first.manifest, targets)
    cal = load_calibration(path, targets=t)
    manifest = cal.manifest
    hm = calibration_settings({}, manifest)
    if manifest.get("fingerprint") != calibration_fingerprint(t, hm):
        raise InputError(
            "a scenario the targets read has changed since this calibration was made",
            file=t.origin,
            field="targets (scenarios)",
            allowed="the scenarios the calibration was made with (run `redline calibrate` again)",
        )
    before = manifest.get("abc")
    partial, final, post = path / PARTIAL, path / HISTORY, path / POSTERIOR
    where = str(path / "manifest.json")
    if final.is_file() and before:
        if not resume:
            raise InputError(
                "this calibration has been refined already (abc-history.db, posterior.parquet)",
                file=str(path),
                field="DIR",
                allowed="--resume to rewrite its outputs, or a copy of the calibration "
                "directory without those files to refine again with other settings",
            )
        db = final
    elif partial.is_file():
        if not resume:
            raise InputError(
                "an interrupted refinement is in this directory",
                file=str(partial),
                field="--resume",
                allowed="--resume to continue it, or delete the file to start again",
            )
        if not before:
            raise InputError(
                "cannot resume: the manifest has no record of the refinement in "
                "abc-history.partial.db",
                file=where,
                field="abc",
                allowed="delete abc-history.partial.db to start again",
            )
        db = partial
    else:
        for p in (post, final):
            if p.exists():
                raise InputError(
                    f"{p.name} is in the way (no finished refinement of this calibration wrote it)",
                    file=str(p),
                    field="DIR",
                    allowed="move it away; it is never overwritten",
                )
        if resume and echo:
            echo(f"nothing to resume in {path}: the refinement starts at population 0")
        before, db = None, partial
    settings = settings_for(given or {}, hm.to_dict(), before, hm.cutoff)
    survivors = pd.read_parquet(path / "survivors.parquet")
    fingerprint = _fingerprint(manifest, _sha256(path / "survivors.parquet"), settings)
    warnings = []
    commit = provenance()["git_commit"]
    if before and before.get("git_commit") != commit:
        warnings.append(
            f"git_commit was {before.get('git_commit')} when this refinement started and is "
            f"{commit} now; results are identical only if the model code is unchanged"
        )
    if before:
        if before.get("fingerprint") != fingerprint:
            raise InputError(
                "cannot resume: the survivors or the calibration have changed since this "
                "refinement started",
                file=where,
                field="abc.fingerprint",
                allowed=f"delete {db.name} to start again",
            )
        if before.get("pyabc") != pyabc_version():
            raise InputError(
                f"cannot resume: this refinement was started with pyabc {before.get('pyabc')} "
                f"and this is pyabc {pyabc_version()} (its sampling may differ)",
                file=where,
                field="abc.pyabc",
                allowed=f"pyabc {before.get('pyabc')}, or delete {db.name} to start again",
            )
    ranges = prior_ranges(t, survivors)
    if all(r.fixed for r in ranges):
        raise InputError(
            "every free parameter has a single surviving value: there is nothing to refine",
            file=str(path / "survivors.parquet"),
            allowed="a calibration whose survivors differ in at least one parameter",
        )
    for w in warnings:
        (echo or print)(f"warning: {w}")
    if announce:
        announce(settings, ranges, t)
    with ExitStack() as stack:
        try:
            stack.enter_context(SweepDir(path).lock())
        except InputError:
            raise InputError(
                "another calibration or refinement is running in this directory",
                file=str(path),
                field="DIR",
                allowed="wait for it to finish",
            ) from None
        job = _Refinement(path, t, manifest, settings, ranges, survivors, db, fingerprint)
        job.workers, job.dask, job.progress, job.echo = workers, dask, progress, echo
        report = job.run(before)
    report.warnings = warnings
    return report


class _Refinement(ExecutorOnDemand):
    def __init__(self, path, targets, manifest, settings, ranges, survivors, db, fp):
        self.path, self.targets, self.manifest = path, targets, manifest
        self.settings, self.ranges, self.survivors = settings, ranges, survivors
        self.db, self.fingerprint = db, fp
        self.cutoff = float(manifest["settings"]["cutoff"])
        self.executor = None
        self.model_runs = 0
        self.workers = self.dask = self.progress = self.echo = None
        self.where = (0, 0, settings.size, 0)  # population, accepted, size, model runs

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db.resolve()}"

    # --- the manifest's entry ------------------------------------------------------------------
    def entry(self, before: dict | None) -> dict:
        s = self.settings
        return before or {
            "format": FORMAT,
            "status": "running",
            "pyabc": pyabc_version(),
            "git_commit": provenance()["git_commit"],
            "fingerprint": self.fingerprint,
            "settings": s.to_dict(),
            "prior": {
                r.name: {"low": r.low, "high": r.high}
                if not r.fixed
                else {"held at": r.low, "why": "every survivor has this value"}
                for r in self.ranges
            },
            "method": {
                "prior": "uniform on each free parameter's surviving range (the survivors' "
                "smallest to largest value, within the register's range); an integer "
                "parameter takes equal shares per integer",
                "model": f"each particle's ensemble: {s.replications} replications of each "
                "scenario the fit targets read, the waves' blocks and estimates; held-out "
                "targets take no part",
                "distance": "the largest implausibility over the fit targets, "
                "|E - z| / sqrt(V + tolerance^2 + discrepancy^2)",
                "epsilon": f"population 0 at the cut-off ({self.cutoff:g}); later ones at the "
                f"weighted {QUANTILE:g} quantile of the previous population's distances "
                f"(pyabc QuantileEpsilon), never below the minimum {s.min_epsilon:g}",
                "stopping": f"after {s.populations} populations, after the first at the "
                f"minimum epsilon {s.min_epsilon:g}, or when a population would need more "
                f"than {1 / MIN_ACCEPTANCE:g} model runs per particle (not kept)",
                "sampler": "pyabc SingleCoreSampler (particles one after another; the "
                "posterior does not depend on the worker count)",
            },
            "seeds": {
                "populations": f"numpy's global stream is seeded with SeedSequence([seed, "
                f"{SEED_TAG:#x}, t]).generate_state(8) before population t",
                "particles": "each particle draws its seed from that stream; its block b "
                "runs the model with SeedSequence([particle seed, b]) in every scenario",
            },
            "files": {"history": HISTORY, "posterior": POSTERIOR, "report": REPORT_PNG},
            "started": _now(),
            "finished": None,
            "sessions": [],
            "populations": [],
        }

    def write_manifest(self) -> None:
        write_json(self.manifest, self.path / "manifest.json")

    # --- the whole run -------------------------------------------------------------------------
    def run(self, before: dict | None) -> AbcReport:
        t0 = time.perf_counter()
        m = self.manifest
        abc = m["abc"] = self.entry(before)
        for earlier in abc["sessions"]:
            if "status" not in earlier:
                earlier["status"] = "ended without a clean stop"
        session = {"started": _now(), "host": socket.gethostname()}
        abc["sessions"].append(session)
        if abc["status"] != "complete":
            abc["status"] = "running"
        self.write_manifest()
        quiet, previous = logging.getLogger("ABC"), None
        try:
            import pyabc  # noqa: F401 - its import sets its logger's level: quieten it after

            previous = quiet.level
            quiet.setLevel(logging.WARNING)  # the command line prints a line per population
            stopped = self.populations(abc)
            populations = self.stored()
            if not populations:
                raise NoPopulation(
                    f"population 0 needed more than {1 / MIN_ACCEPTANCE:g} model runs per "
                    f"particle at epsilon {self.cutoff:g}: too few sets in the surviving box "
                    "meet the targets for ABC-SMC to start",
                    file=str(self.path),
                    field="DIR",
                    allowed="more --reps (less Monte Carlo noise), or the survivors as they are",
                )
            session["executor"] = self.executor.describe() if self.executor else None
            self.close()
            self.finish(abc, populations, stopped)
        except KeyboardInterrupt:
            self.close(abort=True)
            self.end(abc, session, "interrupted")
            raise AbcInterrupted(self.path, *self.where) from None
        except BaseException as exc:
            self.close(abort=True)
            self.end(abc, session, "failed", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if previous is not None:
                quiet.setLevel(previous)
        abc["status"] = "complete"
        abc["finished"] = _now()
        self.end(abc, session, "complete")
        if self.db != self.path / HISTORY:
            os.replace(self.db, self.path / HISTORY)
        return AbcReport(
            self.path,
            self.settings,
            abc["populations"],
            stopped,
            abc["posterior"]["particles"],
            time.perf_counter() - t0,
            self.model_runs,
            before is not None,
        )

    def end(self, abc: dict, session: dict, status: str, error: str | None = None) -> None:
        session.update({"finished": _now(), "status": status, "model_runs": self.model_runs})
        if error:
            session["error"] = error
        if status != "complete" or abc["status"] != "complete":
            abc["status"] = status
        self.write_manifest()

    # --- populations ---------------------------------------------------------------------------
    def stored(self) -> list[dict]:
        """The populations in the history: epsilon, particles, model runs, ESS."""
        if not self.db.is_file():
            return []
        import pyabc
        from pyabc.weighted_statistics import effective_sample_size

        history = pyabc.History(self.url, _id=1)
        if history.n_populations == 0:
            return []
        table = history.get_all_populations()
        table = table[table["t"] >= 0].sort_values("t")
        out = []
        for row in table.itertuples():
            _, w = history.get_distribution(m=0, t=int(row.t))
            out.append(
                {
                    "population": int(row.t),
                    "epsilon": float(row.epsilon),
                    "particles": int(row.particles),
                    "model_runs": int(row.samples),
                    "acceptance_rate": float(row.particles / row.samples),
                    "effective_sample_size": float(effective_sample_size(w)),
                }
            )
        return out

    def stop_reason(self, populations: list[dict], abc: dict) -> str | None:
        s = self.settings
        if abc.get("given_up") is not None:
            return (
                f"population {abc['given_up']} would have needed more than "
                f"{1 / MIN_ACCEPTANCE:g} model runs per particle (acceptance below "
                f"{MIN_ACCEPTANCE:.0%}); it is not kept"
            )
        if not populations:
            return None
        last = populations[-1]
        if last["epsilon"] <= s.min_epsilon:
            return f"epsilon reached the minimum, {s.min_epsilon:g} (--min-epsilon)"
        if len(populations) >= s.populations:
            return f"{s.populations} populations done (--populations)"
        return None

    def populations(self, abc: dict) -> str:
        seconds = {p["population"]: p.get("seconds") for p in abc["populations"]}
        while True:
            stored = self.stored()
            for p in stored:
                p["seconds"] = seconds.get(p["population"])
            abc["populations"] = stored
            self.write_manifest()
            reason = self.stop_reason(stored, abc)
            if reason:
                return reason
            n = len(stored)
            t0 = time.perf_counter()
            if not self.population(n):
                abc["given_up"] = n
                continue
            seconds[n] = round(time.perf_counter() - t0, 3)
            if self.echo:
                p = self.stored()[-1]
                self.echo(
                    f"population {n}: epsilon {p['epsilon']:.3g}, {p['particles']:,} accepted "
                    f"of {p['model_runs']:,} model runs ({p['acceptance_rate']:.0%}), "
                    f"{seconds[n]:,.1f} s"
                )

    def population(self, t: int) -> bool:
        """Run population t with a fresh ABCSMC on the history; False if it was given up."""
        import pyabc
        from pyabc.epsilon import QuantileEpsilon
        from pyabc.sampler import SingleCoreSampler

        s = self.settings
        np.random.seed(np.random.SeedSequence([s.seed, SEED_TAG, t]).generate_state(8))
        prior = pyabc.Distribution(
            **{r.name: pyabc.RV("uniform", r.low, r.width()) for r in self.ranges if not r.fixed}
        )
        model = Ensemble(
            self.targets, self.ranges, s.replications, self.get_executor, self.fingerprint
        )
        distance = LargestImplausibility(self.targets)
        eps = floored(QuantileEpsilon, s.min_epsilon)(
            initial_epsilon=self.cutoff if t == 0 else "from_sample", alpha=QUANTILE
        )
        smc = pyabc.ABCSMC(
            model,
            prior,
            distance,
            population_size=s.size,
            eps=eps,
            sampler=SingleCoreSampler(check_max_eval=True),
        )
        if t == 0:
            self.db.unlink(missing_ok=True)  # no population stored yet: nothing to keep
            smc.new(self.url, {})
        else:
            smc.load(self.url, 1)
        self.track(model, distance, smc, t)
        smc.run(
            minimum_epsilon=s.min_epsilon,
            max_nr_populations=1,
            min_acceptance_rate=MIN_ACCEPTANCE,
        )
        return pyabc.History(self.url, _id=1).max_t == t

    def track(self, model: Ensemble, distance: LargestImplausibility, smc, t: int) -> None:
        """Count model runs and acceptances for the progress bar and an interruption."""
        state = {"runs": 0, "accepted": 0, "pending": False, "eps": None}
        label = f"population {t}"
        self.where = (t, 0, self.settings.size, 0)

        def on_run():
            state["runs"] += 1
            state["pending"] = True
            self.model_runs += 1

        def on_distance(d: float):
            if not state["pending"]:  # pyabc re-measuring the last population
                return
            state["pending"] = False
            if state["eps"] is None:
                state["eps"] = smc.eps(t)
            state["accepted"] += d <= state["eps"]
            self.where = (t, state["accepted"], self.settings.size, state["runs"])
            if self.progress:
                self.progress(label, state["accepted"], self.settings.size, state["runs"])

        model.on_run, distance.on_distance = on_run, on_distance
        if self.progress:
            self.progress(label, 0, self.settings.size, 0)

    # --- executor and outputs --------------------------------------------------------------------
    def posterior(self) -> pd.DataFrame:
        """The last population: each particle's parameters, weight and fit targets' figures."""
        import pyabc

        history = pyabc.History(self.url, _id=1)
        t = history.max_t
        population = history.get_population(t=t)
        fit = self.targets.fit
        rows = []
        for p in population.particles:
            row = {"population": t}
            for r in self.ranges:
                row[r.name] = r.low if r.fixed else r.value(float(p.parameter[r.name]))
            row["weight"] = float(p.weight)
            row["largest implausibility"] = LargestImplausibility(self.targets).of(p.sum_stat)
            for tg in fit:
                e = float(p.sum_stat[f"estimate: {tg.name}"])
                v = float(p.sum_stat[f"variance: {tg.name}"])
                row[f"estimate: {tg.name}"] = e
                row[f"variance: {tg.name}"] = v
                row[f"implausibility: {tg.name}"] = float(tg.implausibility(e, v))
            rows.append(row)
        frame = pd.DataFrame(rows)
        for r in self.ranges:
            frame[r.name] = coerce_column(r.name, frame[r.name].to_numpy())
        frame["weight"] = frame["weight"] / frame["weight"].sum()
        return frame

    def finish(self, abc: dict, populations: list[dict], stopped: str) -> None:
        from ..outputs import write_parquet
        from .report import write_abc_outputs

        frame = self.posterior()
        write_parquet(frame, self.path / POSTERIOR)
        abc["stopped"] = stopped
        abc["posterior"] = {
            "particles": int(len(frame)),
            "population": int(frame["population"].iloc[0]),
            "effective_sample_size": populations[-1]["effective_sample_size"],
            "sha256": _sha256(self.path / POSTERIOR),
        }
        abc["model_runs"] = int(sum(p["model_runs"] for p in populations))
        self.manifest.setdefault("files", {})["posterior"] = POSTERIOR
        write_abc_outputs(self.path, self.targets, self.manifest, self.survivors, frame)


__all__ = [
    "AbcInterrupted",
    "AbcReport",
    "AbcSettings",
    "DEFAULTS",
    "Ensemble",
    "HISTORY",
    "LargestImplausibility",
    "NoPopulation",
    "PARTIAL",
    "POSTERIOR",
    "Range",
    "prior_ranges",
    "refine",
    "require_pyabc",
    "settings_for",
]
