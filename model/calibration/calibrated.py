"""Runs with calibrated parameters: each world draws its weights from the surviving sets.

A calibration directory (`redline calibrate`, or the shipped `calibration/record/`) holds
the parameter sets that fit the record (survivors.parquet) and a manifest saying which
redline made them and against which targets file. `load_calibration` reads it and refuses
(InputError, naming the file and field) one that is unfinished, from another redline
version or, when a targets file is given, from another targets file.

`ParameterDraw` gives replication j the survivor `index(j)`, drawn uniformly from a
stream of its own, `SeedSequence([seed, DRAW_TAG, j // CHUNK])`: a replication's draw
depends on the seed and its number only, never on how the work is cut into blocks or
workers, and it does not disturb the model's own random numbers (those come from the
seed alone). Over the ensemble the worlds then carry parameter uncertainty as well as
chance, and the share of worlds in which an event happens is its probability averaged
over the surviving sets; its Wilson interval is the Monte Carlo one.

A calibration refined by ABC-SMC (`redline calibrate-abc`, model.calibration.abc) also
holds posterior.parquet, weighted parameter sets; `load_calibration(..., posterior=True)`
reads those instead, and each replication then draws a particle with its weight's
probability from the same stream (the survivors stay the default).

The interval from parameters (`parameter_interval`) says how much that probability
depends on which surviving set is true: SETS sets drawn without replacement (stream
`SeedSequence([seed, SETS_TAG])`) each run with SET_REPS replications and the same seed,
so every set meets the same random numbers (common random numbers) and the spread of
their probabilities is the parameters' rather than chance's; the interval is its 2.5% to
97.5% range, placed around the run's own estimate (`spread`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outcomes import OUTCOMES
from ..parameters import SPECS, coerce_column
from ..resources import shipped
from ..scenario import Scenario
from ..simulation import Result, simulate, simulate_outcomes, summarize

MANIFEST = "manifest.json"
SURVIVORS = "survivors.parquet"
POSTERIOR = "posterior.parquet"
DRAW_TAG = 0xCA11B  # the draw's stream: apart from the model's, the sweeps' and the waves'
SETS_TAG = 0xCA11C  # the sets behind the interval from parameters
CHUNK = 1 << 16  # replications per draw stream (so a block draws only its own)
SETS = 100  # parameter sets behind the interval from parameters
SET_REPS = 200  # replications of each
QUANTILES = (0.025, 0.975)
SHIPPED_NAME = "record"  # the shipped calibration: calibration/record/


@dataclass(frozen=True)
class Calibration:
    """A finished calibration: the parameter sets worlds draw from and where they came from.

    `survivors` holds the surviving sets, or with `source` "posterior" the ABC-SMC
    posterior's particles, whose `weights` (summing to 1) say how likely each is drawn.
    """

    path: Path
    manifest: dict
    manifest_sha256: str
    survivors: pd.DataFrame  # one column per free parameter, one row per set
    weights: np.ndarray | None = None  # the posterior's; None: every survivor alike
    source: str = "survivors"  # or "posterior"

    @property
    def names(self) -> list[str]:
        return list(self.survivors.columns)

    @property
    def size(self) -> int:
        return len(self.survivors)

    def medians(self) -> dict[str, float]:
        if self.weights is None:
            return {n: float(self.survivors[n].median()) for n in self.names}
        return {
            n: float(
                np.quantile(
                    self.survivors[n].to_numpy(dtype=float),
                    0.5,
                    weights=self.weights,
                    method="inverted_cdf",
                )
            )
            for n in self.names
        }

    def describe(self) -> dict:
        m = self.manifest
        t = m.get("targets", {})
        return {
            "directory": str(self.path),
            "manifest_sha256": self.manifest_sha256,
            "survivors" if self.source == "survivors" else "posterior_particles": self.size,
            "drawn_from": SURVIVORS if self.source == "survivors" else POSTERIOR,
            "parameters": self.names,
            "targets_file": t.get("file"),
            "targets_sha256": t.get("sha256"),
            "package_version": m.get("package_version"),
            "git_commit": m.get("git_commit"),
            "settings": m.get("settings"),
        }

    def words(self) -> str:
        """One line for a person: what the worlds draw from."""
        commit = self.manifest.get("git_commit")
        made = f"redline {self.manifest.get('package_version')}" + (
            f", commit {commit[:10]}" if commit else ""
        )
        sets = f"{self.size:,} surviving sets of {len(self.names)} weights"
        if self.source == "posterior":
            sets = (
                f"the ABC-SMC posterior: {self.size:,} sets of {len(self.names)} weights, each "
                "drawn with its posterior probability"
            )
        return f"calibrated parameters from {self.path} ({sets}; made by {made})"


def calibration_names() -> list[str]:
    """The shipped calibrations (folders of calibration/ holding a manifest)."""
    root = shipped("calibration")
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def resolve_calibration(name_or_path: str | os.PathLike) -> Path:
    """A calibration directory by path, or a shipped one by name (`record`)."""
    text = str(name_or_path)
    path = Path(text)
    if path.is_dir():
        return path
    candidate = shipped("calibration") / text
    if os.sep not in text and (candidate / MANIFEST).is_file():
        return candidate
    shipped_names = calibration_names()
    raise InputError(
        "no such calibration directory",
        file=text,
        field="--calibrated",
        allowed="a directory written by `redline calibrate`"
        + (f", or a shipped one: {', '.join(shipped_names)}" if shipped_names else ""),
    )


def load_calibration(
    name_or_path: str | os.PathLike, targets=None, posterior: bool = False
) -> Calibration:
    """Read a finished calibration; refuse one this redline cannot use.

    `targets` (a model.calibration.Targets): the calibration must have been made against
    that very file (its sha256 is in the manifest). `posterior`: read the weighted sets of
    its ABC-SMC refinement (posterior.parquet) instead of the survivors.
    """
    from .. import __version__
    from .engine import FORMAT, KIND

    path = resolve_calibration(name_or_path)
    mpath = path / MANIFEST
    where = str(mpath)
    if not mpath.is_file():
        raise InputError(
            "not a calibration directory (no manifest.json)",
            file=str(path),
            field="--calibrated",
            allowed="a directory written by `redline calibrate`",
        )
    raw = mpath.read_bytes()
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(
            "manifest.json is not valid JSON",
            file=where,
            allowed="the file `redline calibrate` wrote",
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise InputError(
            "not a redline calibration manifest",
            file=where,
            field="kind",
            allowed=f"'{KIND}' (a directory written by `redline calibrate`)",
        )
    if manifest.get("format") != FORMAT:
        raise InputError(
            f"calibration format {manifest.get('format')!r}",
            file=where,
            field="format",
            allowed=f"format {FORMAT}",
        )
    if manifest.get("package_version") != __version__:
        raise InputError(
            f"this calibration was made by redline {manifest.get('package_version')} and this "
            f"is redline {__version__}: the model may differ",
            file=where,
            field="package_version",
            allowed=f"a calibration made by redline {__version__} (run `redline calibrate` again)",
        )
    if manifest.get("status") != "complete":
        raise InputError(
            f"the calibration is not finished (status {manifest.get('status')!r})",
            file=where,
            field="status",
            allowed="complete: finish it with `redline calibrate ... --resume`",
        )
    free = manifest.get("targets", {}).get("free")
    if not isinstance(free, dict) or not free:
        raise InputError(
            "the manifest names no free parameters",
            file=where,
            field="targets.free",
            allowed="the manifest `redline calibrate` wrote",
        )
    if targets is not None and manifest["targets"].get("sha256") != targets.sha256:
        raise InputError(
            f"this calibration was made against another targets file "
            f"({manifest['targets'].get('file')}) than {targets.origin}",
            file=where,
            field="targets.sha256",
            allowed=f"a calibration against {targets.origin} as it is now "
            "(run `redline calibrate` again)",
        )
    for name in free:
        if name not in SPECS:
            raise InputError(
                f"{name} is not a parameter of this redline",
                file=where,
                field=f"targets.free.{name}",
                allowed="parameter names from `redline sources`",
            )
    spath = path / SURVIVORS
    if posterior:
        spath = path / POSTERIOR
        if (manifest.get("abc") or {}).get("status") != "complete" or not spath.is_file():
            raise InputError(
                "this calibration has no finished ABC-SMC posterior (posterior.parquet)",
                file=str(path),
                field="--posterior",
                allowed="a calibration refined by `redline calibrate-abc DIR`, or leave "
                "--posterior out to draw from the survivors",
            )
    if not spath.is_file():
        raise InputError(
            "survivors.parquet is missing",
            file=str(path),
            field=SURVIVORS,
            allowed="a finished calibration",
        )
    try:
        table = pd.read_parquet(spath)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input here
        raise InputError(
            f"not a Parquet table ({type(exc).__name__})",
            file=str(spath),
            allowed=f"{spath.name} as written",
        ) from None
    missing = [n for n in free if n not in table.columns]
    if missing:
        raise InputError(
            f"no column for {missing[0]}",
            file=str(spath),
            field=missing[0],
            allowed="one column per free parameter of the manifest",
        )
    if table.empty:
        raise InputError("no surviving parameter set", file=str(spath), allowed="at least one row")
    columns = {}
    for name in free:
        try:
            columns[name] = coerce_column(name, table[name].to_numpy())
        except (InputError, TypeError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, InputError) else "values that are not numbers"
            raise InputError(
                detail, file=str(spath), field=name, allowed=SPECS[name].allowed()
            ) from None
    weights = None
    if posterior:
        w = table["weight"].to_numpy(dtype=float) if "weight" in table.columns else None
        if w is None or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise InputError(
                "the weights are missing, negative or not numbers",
                file=str(spath),
                field="weight",
                allowed="posterior.parquet as `redline calibrate-abc` wrote it",
            )
        weights = w / w.sum()
    return Calibration(
        path,
        manifest,
        hashlib.sha256(raw).hexdigest(),
        pd.DataFrame(columns),
        weights,
        "posterior" if posterior else "survivors",
    )


# --- drawing worlds' parameters -----------------------------------------------------------


@dataclass(frozen=True)
class ParameterDraw:
    """Which surviving set each replication takes, and the values that gives.

    Small and picklable: a sweep's block carries it to any worker, which draws its own
    replications' sets (`varying(rep_start, rep_stop, points)`). With `weights` (an
    ABC-SMC posterior) a set is drawn with its weight's probability.
    """

    values: dict  # parameter name -> the sets' values, in the file's order
    seed: int
    kept: tuple = ()  # calibrated parameters left as the scenario or design sets them
    weights: np.ndarray | None = None  # None: every set alike
    row: str = "survivor"  # what a set's number is called in the tables ("particle")

    @property
    def size(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0

    def indices(self, start: int, stop: int) -> np.ndarray:
        """The survivor (row of survivors.parquet) of each replication in [start, stop)."""
        out = np.empty(max(stop - start, 0), dtype=np.int64)
        j = start
        while j < stop:
            c = j // CHUNK
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, DRAW_TAG, c]))
            chunk = (
                rng.integers(0, self.size, CHUNK)
                if self.weights is None
                else rng.choice(self.size, CHUNK, p=self.weights)
            )
            upto = min(stop, (c + 1) * CHUNK)
            out[j - start : upto - start] = chunk[j - c * CHUNK : upto - c * CHUNK]
            j = upto
        return out

    def varying(self, start: int, stop: int, points: int = 1) -> dict[str, np.ndarray]:
        """Per-replication arrays for replications [start, stop), repeated for `points`
        design points (a sweep's block: rows point-major, replications in order)."""
        idx = self.indices(start, stop)
        return {n: np.tile(v[idx], points) for n, v in self.values.items()}

    def fingerprint(self) -> str:
        """Everything that changes the draws: the survivors' values, the seed, the rule."""
        h = hashlib.sha256(f"{DRAW_TAG}:{CHUNK}:{self.seed}:{sorted(self.kept)}".encode())
        for name, values in self.values.items():
            h.update(name.encode())
            h.update(np.ascontiguousarray(values).tobytes())
        if self.weights is not None:
            h.update(b"weights")
            h.update(np.ascontiguousarray(self.weights).tobytes())
        return h.hexdigest()

    def describe(self) -> dict:
        pick = (
            f"default_rng.integers(0, survivors, {CHUNK})"
            if self.weights is None
            else f"default_rng.choice(particles, {CHUNK}, p=weights)"
        )
        return {
            "parameters": list(self.values),
            "kept": list(self.kept),
            "seed": self.seed,
            "rule": f"replication j takes {self.row} SeedSequence([seed, {DRAW_TAG:#x}, j // "
            f"{CHUNK}]) -> {pick}[j % {CHUNK}]",
        }


def draw(calibration: Calibration, seed: int, keep=()) -> ParameterDraw:
    """The draw for a run or sweep with this seed; parameters in `keep` are not drawn."""
    keep = set(keep)
    values = {n: calibration.survivors[n].to_numpy() for n in calibration.names if n not in keep}
    kept = tuple(n for n in calibration.names if n in keep)
    if calibration.weights is None:
        return ParameterDraw(values, int(seed), kept)
    return ParameterDraw(values, int(seed), kept, calibration.weights, "particle")


def set_by_injects(scenario: Scenario) -> set[str]:
    """Parameters a scenario's `set` injects change mid-run: they keep the scenario's path."""
    return {e.parameter for e in scenario.injects if e.type == "set"}


# --- a run with calibrated parameters -----------------------------------------------------


@dataclass
class CalibratedRun:
    result: Result
    calibration: Calibration
    draw: ParameterDraw
    summary: pd.DataFrame  # summarize's columns and param_low, param_high
    sets: pd.DataFrame  # each set's survivor and its probability of every outcome
    set_reps: int
    notes: list = field(default_factory=list)

    def parameters_frame(self) -> pd.DataFrame:
        """replication -> survivor and the values it drew (parameters.parquet)."""
        r = self.result.reps
        frame = pd.DataFrame({"replication": np.arange(r), self.draw.row: self.draw.indices(0, r)})
        for name, values in self.draw.varying(0, r).items():
            frame[name] = values
        return frame

    def extra(self) -> dict:
        """What summary.json and manifest.json add about the calibration."""
        return {
            "calibration": {
                **self.calibration.describe(),
                "draw": self.draw.describe(),
                "parameter_interval": {
                    "sets": len(self.sets),
                    "replications_per_set": self.set_reps,
                    "quantiles": list(QUANTILES),
                    "rule": (
                        "sets drawn without replacement"
                        if self.draw.weights is None
                        else "particles drawn by weight, with replacement,"
                    )
                    + f" from SeedSequence([seed, {SETS_TAG:#x}]); each run with the run's seed (common random numbers); "
                    "the interval is their probabilities' 2.5% to 97.5% range less their "
                    "mean, around the run's probability, within 0 to 1 "
                    "(parameter_sets.parquet holds each set's probabilities)",
                },
            }
        }


def parameter_interval(
    scenario: Scenario, pdraw: ParameterDraw, seed: int, sets: int = SETS, reps: int = SET_REPS
) -> pd.DataFrame:
    """Each of `sets` surviving sets run with `reps` replications and the same seed: one
    row per set (its survivor number and each outcome's probability). From a posterior
    the sets are drawn by weight, with replacement."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SETS_TAG]))
    n = pdraw.size
    if pdraw.weights is None:
        chosen = rng.choice(n, size=sets, replace=sets > n)
    else:
        chosen = rng.choice(n, size=sets, replace=True, p=pdraw.weights)
    rows = []
    for k in chosen:
        varying = {
            name: coerce_column(name, np.full(reps, v[k])) for name, v in pdraw.values.items()
        }
        out = simulate_outcomes(scenario, reps, seed, varying=varying)
        rows.append({pdraw.row: int(k), **{o: float(out[o].mean()) for o in OUTCOMES}})
    return pd.DataFrame(rows)


def spread(per_set: pd.DataFrame, estimate: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The interval from parameters around each outcome's estimate.

    The sets share their random numbers, so their probabilities move together by the
    chance of that one stream (a shift the Monte Carlo interval already covers) and apart
    by their parameters. The interval is the sets' 2.5% to 97.5% range less their mean,
    added to the run's estimate and kept within 0 to 1: an outcome no parameter moves
    (the ceasefire, drawn from war.ceasefire_hazard alone) gets an interval of width 0.
    """
    values = per_set[list(estimate.index)]
    centre = values.mean()
    low = (estimate + values.quantile(QUANTILES[0]) - centre).clip(0.0, 1.0)
    high = (estimate + values.quantile(QUANTILES[1]) - centre).clip(0.0, 1.0)
    return low, high


def check_sets(sets: int) -> int:
    if isinstance(sets, bool) or not isinstance(sets, int) or not 2 <= sets <= 2000:
        raise InputError(
            f"{sets!r}", field="--parameter-sets", allowed="an integer from 2 to 2,000"
        )
    return sets


def run_calibrated(
    scenario: Scenario,
    reps: int,
    seed: int,
    calibration: Calibration,
    keep=(),
    sets: int = SETS,
    set_reps: int = SET_REPS,
    progress=None,
) -> CalibratedRun:
    """`reps` worlds, each with its own surviving set, and the interval from parameters.

    `keep`: calibrated parameters to leave as the scenario has them (the command line's
    --set); parameters the scenario's `set` injects change are kept too.
    """
    check_sets(sets)
    keep = set(keep) | (set_by_injects(scenario) & set(calibration.names))
    pdraw = draw(calibration, seed, keep)
    varying = {n: coerce_column(n, v) for n, v in pdraw.varying(0, reps).items()}
    result = simulate(scenario, reps=reps, seed=seed, varying=varying, progress=progress)
    per_set = parameter_interval(scenario, pdraw, seed, sets, set_reps)
    summary = summarize(result.outcomes)
    low, high = spread(per_set, summary.set_index("outcome")["probability"])
    summary["param_low"] = summary["outcome"].map(low)
    summary["param_high"] = summary["outcome"].map(high)
    notes = []
    if pdraw.kept:
        notes.append("kept as set, not drawn: " + ", ".join(pdraw.kept))
    return CalibratedRun(result, calibration, pdraw, summary, per_set, set_reps, notes)


__all__ = [
    "CHUNK",
    "Calibration",
    "CalibratedRun",
    "DRAW_TAG",
    "POSTERIOR",
    "ParameterDraw",
    "SETS",
    "SET_REPS",
    "SETS_TAG",
    "calibration_names",
    "draw",
    "load_calibration",
    "parameter_interval",
    "resolve_calibration",
    "run_calibrated",
    "set_by_injects",
]
