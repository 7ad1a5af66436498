"""Design files: what a sweep varies, how its points are sampled, how its work is cut.

A design is validated like a scenario (pydantic, unknown keys refused, every
error naming file, field and what is allowed) because a sweep that runs for an
hour on a typo is worse than one that refuses to start.

Every sampler first draws points in the unit cube and only then maps each
coordinate to a parameter value. Keeping the unit coordinates lets Morris
analysis see exactly which factor moved (rounding an integer parameter could
hide a step) and lets every sampler share one mapping: uniform over [low, high]
for numbers, uniform over the integers for integer parameters, equal shares for
explicit levels.

Work is cut into blocks of design points x replications whose boundaries and
seeds depend only on the design, never on how many workers run it: block b
runs the model with a seed drawn from SeedSequence([seed, b]), so a sweep gives
the same numbers on one core, on twenty, on a Dask cluster and after a resume.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)

from ..errors import InputError
from ..outcomes import MONTHS_COLUMNS, OUTCOME_COLUMNS, OUTCOMES
from ..parameters import HORIZON, MAX_REPS, MAX_SEED, SPECS
from ..resources import shipped
from ..scenario import Scenario, check_name, load_scenario, read_yaml, resolve_named

DESIGN_DIR = shipped("designs")  # or REDLINE_DESIGNS; a path a user gives is read as is
SAMPLERS = ("grid", "list", "lhs", "sobol", "morris")
NEEDS_SAMPLES = {
    "lhs": "the number of points",
    "sobol": "the base sample size N, a power of two",
    "morris": "the number of trajectories (at least 2)",
}
DEFAULT_BLOCK = 8192
MAX_POINTS = 2_000_000
MAX_REPLICATIONS = 100_000_000
MAX_TOTAL = 10**11  # replications in one sweep: a guard against a typo, not a limit of the runner
# Outcomes a design can keep: the events (each brings its months_to_* column) and the numbers.
KEEPABLE = [c for c in OUTCOME_COLUMNS if c != "replication" and c not in MONTHS_COLUMNS.values()]
NUMERIC = [c for c in KEEPABLE if c not in OUTCOMES]
# The sampler's own random stream is kept apart from the blocks' streams.
_SAMPLER_KEY = (0x5A3,)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

Value = StrictBool | StrictInt | StrictFloat


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: Value | None = None
    high: Value | None = None
    levels: list[Value] | None = Field(None, min_length=1, max_length=10_000)


class DesignSpec(BaseModel):
    """The file as written. Semantics that span fields are checked in `_check`."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=80)
    description: str = ""
    scenario: str = Field("november-2024", min_length=1)
    fixed: dict[str, Value] = Field(default_factory=dict)
    sampler: Literal[SAMPLERS]  # type: ignore[valid-type]
    factors: dict[str, Factor] = Field(default_factory=dict)
    points: list[dict[str, Value]] | None = Field(None, min_length=1, max_length=MAX_POINTS)
    samples: StrictInt | None = Field(None, ge=1, le=MAX_POINTS)
    replications: StrictInt = Field(ge=1, le=MAX_REPLICATIONS)
    seed: StrictInt = Field(ge=0, le=MAX_SEED)
    outcomes: list[str] | None = Field(None, min_length=1)
    second_order: StrictBool = True
    morris_levels: StrictInt = Field(4, ge=2, le=64)
    block_replications: StrictInt = Field(DEFAULT_BLOCK, ge=1, le=MAX_REPS)


_ALLOWED = {
    "sampler": ", ".join(SAMPLERS),
    "samples": "a positive integer",
    "replications": f"an integer from 1 to {MAX_REPLICATIONS:,}",
    "seed": f"an integer from 0 to {MAX_SEED:,}",
    "second_order": "true or false",
    "morris_levels": "an even integer from 2 to 64",
    "block_replications": f"an integer from 1 to {MAX_REPS:,}",
    "outcomes": "a list of: " + ", ".join(KEEPABLE),
    "scenario": "a scenario name from scenarios/ or a path to a scenario YAML file",
    "points": "a list of mappings, parameter name -> value",
    "factors": "parameter name -> {low, high} or {levels: [...]}",
    "fixed": "parameter name -> value",
}


@dataclass(frozen=True)
class FactorDef:
    """One varied parameter: its range or levels, and how a unit coordinate maps to it."""

    name: str
    kind: type
    low: Any = None
    high: Any = None
    levels: tuple | None = None

    def values(self, u: np.ndarray) -> np.ndarray:
        """Map unit coordinates in [0, 1] to parameter values (equal shares per level/integer)."""
        u = np.asarray(u, dtype=np.float64)
        if self.levels is not None:
            n = len(self.levels)
            idx = np.minimum((u * n).astype(np.int64), n - 1)
            return _typed(self.kind, np.asarray(self.levels, dtype=object)[idx])
        if self.kind is int:
            span = self.high - self.low
            return self.low + np.minimum(np.floor(u * (span + 1)).astype(np.int64), span)
        return self.low + u * (self.high - self.low)

    def grid(self, steps: int | None) -> list:
        if self.levels is not None:
            return list(self.levels)
        if self.kind is int:
            return sorted({int(v) for v in np.rint(np.linspace(self.low, self.high, steps))})
        return [float(v) for v in np.linspace(self.low, self.high, steps)]

    def describe(self) -> dict:
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"low": self.low, "high": self.high}


def _typed(kind: type, values) -> np.ndarray:
    dtype = {bool: np.bool_, int: np.int64, float: np.float64}[kind]
    return np.asarray(values).astype(dtype)


@dataclass(frozen=True)
class Block:
    """Design points [point_start, point_stop) x replications [rep_start, rep_stop) of each."""

    index: int
    point_start: int
    point_stop: int
    rep_start: int
    rep_stop: int

    @property
    def points(self) -> int:
        return self.point_stop - self.point_start

    @property
    def reps_per_point(self) -> int:
        return self.rep_stop - self.rep_start

    @property
    def replications(self) -> int:
        return self.points * self.reps_per_point


def block_seed(seed: int, index: int) -> int:
    """The model seed of block `index`: 63 bits of SeedSequence([seed, index])."""
    state = np.random.SeedSequence([seed, index]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def plan_blocks(n_points: int, replications: int, block_replications: int) -> list[Block]:
    """Cut the work into blocks. Depends on the design only (never on workers).

    A block holds whole design points when they fit (many points per model call,
    which is where the vectorised model is fast); a point with more replications
    than a block holds is split into near-equal chunks of its replications.
    """
    if replications <= block_replications:
        per = block_replications // replications
        return [
            Block(i, start, min(start + per, n_points), 0, replications)
            for i, start in enumerate(range(0, n_points, per))
        ]
    chunks = math.ceil(replications / block_replications)
    edges = [replications * c // chunks for c in range(chunks + 1)]
    blocks, i = [], 0
    for p in range(n_points):
        for c in range(chunks):
            blocks.append(Block(i, p, p + 1, edges[c], edges[c + 1]))
            i += 1
    return blocks


@dataclass
class Design:
    """A validated design: the spec, the scenario it runs, and its factors."""

    spec: DesignSpec
    origin: str
    scenario: Scenario
    factors: list[FactorDef]
    # `redline sweep --calibrated`: the other weights drawn per replication from a
    # calibration's surviving sets (model.calibration.calibrated.ParameterDraw)
    calibrated: Any = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def outcomes(self) -> list[str]:
        return list(self.spec.outcomes or KEEPABLE)

    @property
    def columns(self) -> list[str]:
        """Outcome columns kept per replication: each kept event brings its months column."""
        keep = set(self.outcomes)
        return [
            c
            for c in OUTCOME_COLUMNS
            if c in keep or any(c == m and e in keep for e, m in MONTHS_COLUMNS.items())
        ]

    @property
    def problem(self) -> dict:
        """The SALib problem: the names in design order, every factor on the unit interval."""
        return {
            "num_vars": len(self.factors),
            "names": self.names,
            "bounds": [[0.0, 1.0]] * len(self.factors),
        }

    def unit_sample(self) -> np.ndarray | None:
        """Points in the unit cube (lhs, sobol, morris); None for grid and list."""
        s, d = self.spec, len(self.factors)
        rng = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=_SAMPLER_KEY))
        if s.sampler == "lhs":
            from scipy.stats import qmc

            return qmc.LatinHypercube(d=d, rng=rng).random(s.samples)
        if s.sampler == "sobol":
            from SALib.sample import sobol

            return sobol.sample(
                self.problem, s.samples, calc_second_order=s.second_order, scramble=True, seed=rng
            )
        if s.sampler == "morris":
            from SALib.sample import morris

            return morris.sample(self.problem, s.samples, num_levels=s.morris_levels, seed=rng)
        return None

    @cached_property
    def n_points(self) -> int:
        s, d = self.spec, len(self.factors)
        if s.sampler == "lhs":
            return s.samples
        if s.sampler == "sobol":
            return s.samples * (2 * d + 2 if s.second_order else d + 2)
        if s.sampler == "morris":
            return s.samples * (d + 1)
        if s.sampler == "list":
            return len(s.points)
        return math.prod(len(f.grid(s.samples)) for f in self.factors)

    def points(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """(points as run, unit coordinates or None): one row per design point, in order."""
        s = self.spec
        unit = self.unit_sample()
        if unit is not None:
            frame = pd.DataFrame({f.name: f.values(unit[:, j]) for j, f in enumerate(self.factors)})
            return _with_point(frame), _with_point(pd.DataFrame(unit, columns=self.names))
        if s.sampler == "list":
            rows = {f.name: _typed(f.kind, [p[f.name] for p in s.points]) for f in self.factors}
            return _with_point(pd.DataFrame(rows)), None
        axes = [f.grid(s.samples) for f in self.factors]
        combos = list(zip(*itertools.product(*axes))) if axes else []
        rows = {f.name: _typed(f.kind, list(col)) for f, col in zip(self.factors, combos)}
        return _with_point(pd.DataFrame(rows)), None

    def blocks(self) -> list[Block]:
        return plan_blocks(self.n_points, self.spec.replications, self.spec.block_replications)

    @property
    def total_replications(self) -> int:
        return self.n_points * self.spec.replications

    def fingerprint(self) -> str:
        """What must match for a resume: everything that changes results."""
        spec = self.spec.model_dump(mode="json", exclude={"description"})
        data = {"format": 1, "design": spec, "scenario": self.scenario.to_yaml_dict()}
        if self.calibrated is not None:
            data["calibrated"] = self.calibrated.fingerprint()
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_manifest(self) -> dict:
        return {
            "file": self.origin,
            **self.spec.model_dump(mode="json"),
            "factors": {f.name: f.describe() for f in self.factors},
            "points_total": self.n_points,
            **({"calibrated": self.calibrated.describe()} if self.calibrated is not None else {}),
        }


def _with_point(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    return frame


# --- loading and checking ---------------------------------------------------------------


def design_names() -> list[str]:
    return sorted(p.stem for p in DESIGN_DIR.glob("*.yaml"))


def resolve_design(name_or_path: str | os.PathLike) -> Path:
    return resolve_named(name_or_path, DESIGN_DIR, "design")


def load_design(name_or_path: str | os.PathLike) -> Design:
    path = resolve_design(name_or_path)
    return parse_design(path.read_bytes(), str(path), base=path.parent, stem=path.stem)


def parse_design(
    text: str | bytes, origin: str, base: Path | None = None, stem: str = "design"
) -> Design:
    data = read_yaml(text, origin)
    if not isinstance(data, dict):
        raise InputError(
            "a design must be a mapping of keys (scenario, sampler, factors, ...)",
            file=origin,
            allowed=", ".join(DesignSpec.model_fields),
        )
    try:
        spec = DesignSpec.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, origin) from None
    if not spec.name:
        spec = spec.model_copy(update={"name": stem})
    if not _NAME.match(spec.name):
        # the name becomes a directory (runs/sweeps/<name>): keep it to one plain path part
        raise InputError(
            f"'{spec.name}' cannot name a sweep",
            file=origin,
            field="name",
            allowed="letters, digits, '.', '-' and '_', starting with a letter or "
            "digit (set `name:` when the file name has other characters)",
        )
    design = _check(spec, origin, base or Path.cwd())
    _check_consistent(design, origin)
    return design


def _check_consistent(design: Design, origin: str) -> None:
    """Design points must be scenarios that load: opposition plus support at most 1.

    Checked on the factors' extremes (or every listed point), the only pair of
    parameters whose ranges can pass one by one and fail together in a sweep."""
    base = design.scenario.parameters.seoul
    frame, _ = design.points() if design.spec.sampler == "list" else (None, None)

    def values(name: str, default: float) -> np.ndarray:
        if frame is not None and name in frame:
            return frame[name].to_numpy(dtype=float)
        for f in design.factors:
            if f.name == name:
                return np.array([max(f.levels) if f.levels else f.high], dtype=float)
        return np.array([default])

    opposition = values("seoul.public_opposition", base.public_opposition)
    support = values("seoul.public_support", base.public_support)
    total = opposition + support
    if (total > 1 + 1e-9).any():
        worst = int(np.argmax(total))
        o, p = (
            float(opposition[min(worst, len(opposition) - 1)]),
            float(support[min(worst, len(support) - 1)]),
        )
        raise InputError(
            f"public opposition up to {o:g} with support {p:g} is over 100% of the public",
            file=origin,
            field="seoul.public_opposition",
            allowed=f"opposition plus support at most 1: with support {p:g}, opposition up to "
            f"{1 - p:.3g} (or vary seoul.public_support too, keeping the sum at most 1)",
        )


def _explain(exc: ValidationError, origin: str) -> InputError:
    err = exc.errors()[0]
    raw = [str(p) for p in err["loc"]]
    # pydantic lists each member of a union; the member name is noise to a reader
    tags = {"bool", "int", "float", "str", "list[union[bool,int,float]]"}
    loc = [p for p in raw if p not in tags]
    field = ".".join(loc) or None
    if len(loc) < len(raw) and err["type"] != "extra_forbidden":
        return InputError(
            f"{err.get('input')!r} is not a value",
            file=origin,
            field=field,
            allowed="a number, or true/false for a switch",
        )
    if err["type"] == "extra_forbidden":
        known = (
            Factor.model_fields
            if len(loc) == 3 and loc[0] == "factors"
            else DesignSpec.model_fields
        )
        return InputError("unknown key", file=origin, field=field, allowed=", ".join(known))
    if err["type"] == "missing":
        return InputError(
            "required key is missing", file=origin, field=field, allowed=_ALLOWED.get(loc[0])
        )
    msg = err["msg"].removeprefix("Value error, ")
    allowed = _ALLOWED.get(loc[0]) if loc else None
    if loc and loc[0] == "factors":
        allowed = "low and high (numbers), or levels: a list of values"
    return InputError(msg, file=origin, field=field, allowed=allowed)


def _check_value(name: str, value, origin: str, field: str):
    """A single value for parameter `name`, type- and range-checked."""
    spec = SPECS[name]
    ok_type = (
        isinstance(value, bool)
        if spec.kind is bool
        else isinstance(value, int) and not isinstance(value, bool)
        if spec.kind is int
        else isinstance(value, (int, float)) and not isinstance(value, bool)
    )
    if not ok_type or (spec.kind is not bool and not spec.lo <= value <= spec.hi):
        raise InputError(
            f"{value!r} is not allowed for {name}", file=origin, field=field, allowed=spec.allowed()
        )
    return spec.kind(value)


def _check_name(name: str, origin: str, field: str) -> None:
    try:
        check_name(name, origin)
    except InputError as exc:
        raise InputError(exc.detail, file=origin, field=field, allowed=exc.allowed) from None


def _factor(name: str, f: Factor, origin: str) -> FactorDef:
    where = f"factors.{name}"
    _check_name(name, origin, where)
    spec = SPECS[name]
    if name == HORIZON:
        raise InputError(
            "the horizon cannot vary within a sweep (one model run holds many "
            "design points and they share their months)",
            file=origin,
            field=where,
            allowed=f"set {HORIZON} in `fixed` or in the scenario, and run one sweep per horizon",
        )
    if f.levels is not None:
        if f.low is not None or f.high is not None:
            raise InputError(
                "give either low and high, or levels, not both",
                file=origin,
                field=where,
                allowed="{low: ..., high: ...} or {levels: [...]}",
            )
        levels = [
            _check_value(name, v, origin, f"{where}.levels.{i}") for i, v in enumerate(f.levels)
        ]
        if len(set(levels)) != len(levels):
            raise InputError(
                "levels repeat a value",
                file=origin,
                field=f"{where}.levels",
                allowed="distinct values",
            )
        return FactorDef(name, spec.kind, levels=tuple(levels))
    if spec.kind is bool:
        raise InputError(
            "a true/false parameter is varied by its levels",
            file=origin,
            field=where,
            allowed="a levels list holding false and true",
        )
    if f.low is None or f.high is None:
        missing = "low" if f.low is None else "high"
        raise InputError(
            "needs both low and high (or levels)",
            file=origin,
            field=f"{where}.{missing}",
            allowed=spec.allowed(),
        )
    low = _check_value(name, f.low, origin, f"{where}.low")
    high = _check_value(name, f.high, origin, f"{where}.high")
    if not low < high:
        raise InputError(
            f"low ({low}) must be below high ({high})",
            file=origin,
            field=f"{where}.low",
            allowed=f"low < high within {spec.lo} to {spec.hi}; to hold a parameter "
            "at one value put it under `fixed`",
        )
    return FactorDef(name, spec.kind, low=low, high=high)


def _scenario(spec: DesignSpec, origin: str, base: Path) -> Scenario:
    ref = spec.scenario
    candidate = base / ref
    if (
        (ref.endswith((".yaml", ".yml")) or os.sep in ref)
        and not Path(ref).exists()
        and candidate.is_file()
    ):
        ref = str(candidate)
    try:
        scenario = load_scenario(ref)
    except InputError as exc:
        raise InputError(
            f"{exc.detail} ({exc.render()})" if exc.file else exc.detail,
            file=origin,
            field="scenario",
            allowed=exc.allowed,
        ) from None
    fixed = {}
    for name, value in spec.fixed.items():
        _check_name(name, origin, f"fixed.{name}")
        fixed[name] = _check_value(name, value, origin, f"fixed.{name}")
    try:
        return scenario.with_overrides(fixed, origin)
    except InputError as exc:
        raise InputError(
            exc.detail,
            file=origin,
            field=f"fixed ({exc.field})" if exc.field else "fixed",
            allowed=exc.allowed,
        ) from None


def _check(spec: DesignSpec, origin: str, base: Path) -> Design:
    s = spec
    given = s.model_fields_set
    if s.sampler in NEEDS_SAMPLES and s.samples is None:
        raise InputError(
            f"sampler {s.sampler} needs samples",
            file=origin,
            field="samples",
            allowed=NEEDS_SAMPLES[s.sampler],
        )
    if s.sampler == "list":
        if s.points is None:
            raise InputError(
                "sampler list needs points", file=origin, field="points", allowed=_ALLOWED["points"]
            )
        for key in ("factors", "samples"):
            if key in given:
                raise InputError(
                    "not used by sampler list (its points name the parameters)",
                    file=origin,
                    field=key,
                    allowed="remove it, or use another sampler",
                )
    elif s.points is not None:
        raise InputError(
            f"points are only read by sampler list, not {s.sampler}",
            file=origin,
            field="points",
            allowed="remove points, or set sampler: list",
        )
    if "second_order" in given and s.sampler != "sobol":
        raise InputError(
            "only used by sampler sobol", file=origin, field="second_order", allowed="remove it"
        )
    if "morris_levels" in given and s.sampler != "morris":
        raise InputError(
            "only used by sampler morris", file=origin, field="morris_levels", allowed="remove it"
        )
    if s.sampler == "morris":
        if s.morris_levels % 2:
            raise InputError(
                f"{s.morris_levels} levels",
                file=origin,
                field="morris_levels",
                allowed=_ALLOWED["morris_levels"],
            )
        if s.samples < 2:
            raise InputError(
                f"{s.samples} trajectory",
                file=origin,
                field="samples",
                allowed=NEEDS_SAMPLES["morris"],
            )
    if s.sampler == "sobol" and s.samples & (s.samples - 1):
        raise InputError(
            f"{s.samples} is not a power of two (Sobol' sequences keep their "
            "balance only at powers of two)",
            file=origin,
            field="samples",
            allowed="a power of two, e.g. 256, 512, 1024",
        )
    for i, name in enumerate(s.outcomes or []):
        if name not in KEEPABLE:
            raise InputError(
                f"unknown outcome '{name}'",
                file=origin,
                field=f"outcomes.{i}",
                allowed=", ".join(KEEPABLE),
            )

    if s.sampler == "list":
        names = list(s.points[0])
        if not names:
            raise InputError(
                "a point names no parameter",
                file=origin,
                field="points.0",
                allowed=_ALLOWED["points"],
            )
        for i, p in enumerate(s.points):
            if list(p) != names and set(p) != set(names):
                raise InputError(
                    f"names {sorted(p)}, the first point names {sorted(names)}",
                    file=origin,
                    field=f"points.{i}",
                    allowed="every point names the same parameters",
                )
            for name, value in p.items():
                _check_name(name, origin, f"points.{i}.{name}")
                if name == HORIZON:
                    raise InputError(
                        "the horizon cannot vary within a sweep",
                        file=origin,
                        field=f"points.{i}.{name}",
                        allowed=f"set {HORIZON} in `fixed` or the scenario",
                    )
                _check_value(name, value, origin, f"points.{i}.{name}")
        factors = [FactorDef(n, SPECS[n].kind) for n in names]
    else:
        if not s.factors:
            raise InputError(
                f"sampler {s.sampler} needs at least one factor",
                file=origin,
                field="factors",
                allowed=_ALLOWED["factors"],
            )
        factors = [_factor(name, f, origin) for name, f in s.factors.items()]
        if s.sampler == "grid" and s.samples is None and any(f.levels is None for f in factors):
            name = next(f.name for f in factors if f.levels is None)
            raise InputError(
                f"sampler grid needs samples (values per axis) for factor {name}, "
                "which is given as low and high",
                file=origin,
                field="samples",
                allowed="a positive integer, or give every factor its levels",
            )
        if s.sampler == "sobol" and s.second_order and len(factors) < 2:
            raise InputError(
                "second-order Sobol' indices need at least two factors",
                file=origin,
                field="second_order",
                allowed="false, or add a factor",
            )
    overlap = sorted(set(s.fixed) & {f.name for f in factors})
    if overlap:
        raise InputError(
            f"{overlap[0]} is both fixed and varied",
            file=origin,
            field=f"fixed.{overlap[0]}",
            allowed="one or the other",
        )
    design = Design(s, origin, _scenario(s, origin, base), factors)
    if design.n_points > MAX_POINTS:
        raise InputError(
            f"{design.n_points:,} design points",
            file=origin,
            field="samples",
            allowed=f"at most {MAX_POINTS:,} points in one design",
        )
    if design.total_replications > MAX_TOTAL:
        raise InputError(
            f"{design.total_replications:,} replications in all",
            file=origin,
            field="replications",
            allowed=f"at most {MAX_TOTAL:,} in one sweep",
        )
    return design


__all__ = [
    "Block",
    "Design",
    "DesignSpec",
    "FactorDef",
    "KEEPABLE",
    "NUMERIC",
    "SAMPLERS",
    "block_seed",
    "design_names",
    "load_design",
    "parse_design",
    "plan_blocks",
    "resolve_design",
]
