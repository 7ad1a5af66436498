"""Targets files: what the model is held to, and the parameters it may move to get there.

A targets file names the free parameters (dotted names, each with a range inside the
register's) and the targets: named observations, each a measure of one scenario (or the
difference between two, for a response), the value observed, how far off a modeller
would still accept (tolerance), how far the model may be wrong in structure
(discrepancy), the excerpts it rests on, and whether it is used to rule out parameter
sets (`fit`) or kept back to test the ones that survive (`held-out`). A target has one
role, so a held-out target can never be fitted to.

Files are read with the scenarios' safe YAML loader and validated like design files:
unknown keys are refused and every error names the file, the field and what is allowed,
before anything is run or written.

Each scenario is run only up to the last month its targets read (`by`): injects after
that month cannot change what is measured (the model has no foresight of them), and
the months saved are most of a calibration's cost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from ..agents import MOSCOW_POSTURES, SEOUL_RUNGS
from ..errors import InputError
from ..evidence import load_register
from ..experiments.design import DEFAULT_BLOCK, FactorDef
from ..outcomes import MEASURES, OUTCOMES
from ..parameters import HORIZON, MAX_REPS, SPECS
from ..resources import shipped
from ..scenario import (
    Scenario,
    check,
    check_name,
    load_scenario,
    month_index,
    read_yaml,
    resolve_named,
)

TARGETS_DIR = shipped("calibration")  # or REDLINE_TARGETS; a path a user gives is read as is
ROLES = ("fit", "held-out")
COMPARISONS = ("about", "at-least", "at-most")
MAX_FREE = 64
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

Number = StrictInt | StrictFloat


@dataclass(frozen=True)
class Feature:
    """A yes/no question about a world's whole path, built from its outcome columns."""

    label: Callable[[int | None], str]  # plain words, given the feature's value
    column: str
    holds: Callable[[np.ndarray, int | None], np.ndarray]
    values: tuple[int, int] | None = None  # the allowed range of `value`, None: takes none


FEATURES: dict[str, Feature] = {
    "seoul_max_rung_at_most": Feature(
        lambda v: f"Seoul's assistance never goes beyond {SEOUL_RUNGS[v]}",
        "seoul_max_rung",
        lambda x, v: x <= v,
        (0, len(SEOUL_RUNGS) - 1),
    ),
    "moscow_posture_at_most": Feature(
        lambda v: f"Moscow's posture toward Seoul is never harsher than {MOSCOW_POSTURES[v]}",
        "moscow_max_posture",
        lambda x, v: x <= v,
        (0, len(MOSCOW_POSTURES) - 1),
    ),
    "assembly_votes_zero": Feature(
        lambda v: "the National Assembly holds no vote on arms for Ukraine",
        "assembly_votes",
        lambda x, v: x == 0,
    ),
}


# --- the file as written -----------------------------------------------------------------


class FreeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: Number | None = None
    high: Number | None = None


class MeasureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str | None = None
    feature: str | None = None
    value: StrictInt | None = None
    by: str | None = None


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    baseline: str | None = Field(None, min_length=1)
    measure: MeasureSpec
    compare: Literal[COMPARISONS] = "about"  # type: ignore[valid-type]
    observed: Number
    tolerance: Number = Field(gt=0)
    discrepancy: Number = Field(0.0, ge=0)
    source: list[str] = Field(min_length=1)
    role: Literal[ROLES]  # type: ignore[valid-type]


class TargetsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=80)
    description: str = ""
    free: dict[str, FreeSpec | None] = Field(min_length=1, max_length=MAX_FREE)
    targets: list[TargetSpec] = Field(min_length=1, max_length=500)
    block_replications: StrictInt = Field(DEFAULT_BLOCK, ge=1, le=MAX_REPS)


_ALLOWED = {
    "free": "parameter name -> {low, high} inside its range in `redline sources`, or nothing "
    "for its whole range",
    "targets": "a list of targets (name, description, scenario, measure, observed, tolerance, "
    "source, role)",
    "name": "lower-case letters, digits and '-', starting with a letter or digit",
    "description": "what the target says, in plain words",
    "scenario": "a scenario name from scenarios/ or a path to a scenario YAML file",
    "baseline": "a scenario name or path: the target is then the difference scenario - baseline",
    "measure": "{outcome: NAME} or {feature: NAME, value: N}, with an optional by: 'YYYY-MM'",
    "compare": ", ".join(COMPARISONS),
    "observed": "a number",
    "tolerance": "a positive number, in the measure's units",
    "discrepancy": "a number of at least 0, in the measure's units",
    "source": "a list of excerpt ids from seeds/ (e.g. record-11, seok-7)",
    "role": "fit or held-out",
    "block_replications": f"an integer from 1 to {MAX_REPS:,}",
    "low": "a number inside the parameter's range",
    "high": "a number inside the parameter's range",
    "outcome": ", ".join([*OUTCOMES, *MEASURES]),
    "feature": ", ".join(FEATURES),
    "value": "an integer (the rung or posture of the feature)",
    "by": "a month written YYYY-MM in quotes, within the scenario's months",
}


# --- the validated file -------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What is read off each world: a 0/1 for events and features, a number for figures."""

    kind: Literal["event", "figure", "feature"]
    name: str
    value: int | None
    by: str  # the last month read

    @property
    def column(self) -> str:
        return FEATURES[self.name].column if self.kind == "feature" else self.name

    def label(self) -> str:
        when = f" by {_month_words(self.by)}"
        if self.kind == "event":
            return f"share of worlds in which {OUTCOMES[self.name].meaning}{when}"
        if self.kind == "feature":
            return f"share of worlds in which {FEATURES[self.name].label(self.value)}{when}"
        return f"mean of {MEASURES[self.name]}{when}"

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        x = frame[self.column].to_numpy()
        if self.kind == "feature":
            x = FEATURES[self.name].holds(x, self.value)
        return x.astype(np.float64)


def _month_words(month: str) -> str:
    y, m = month.split("-")
    names = "January February March April May June July August September October November"
    return f"{(names + ' December').split()[int(m) - 1]} {y}"


@dataclass(frozen=True)
class Run:
    """One scenario run up to one month: the unit the engine simulates for every point."""

    key: str  # "record-2024-11 to 2025-12"
    scenario: Scenario  # horizon cut at the last month read; later injects left out
    origin: str
    columns: tuple[str, ...]  # outcome columns the targets read

    @property
    def months(self) -> int:
        return self.scenario.horizon_months


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    run: str  # Run key
    baseline: str | None  # Run key of the baseline of a response
    scenario: str  # the scenarios' names, for people
    baseline_scenario: str | None
    measure: Measure
    compare: str
    observed: float
    tolerance: float
    discrepancy: float
    source: tuple[str, ...]
    role: str

    @property
    def fit(self) -> bool:
        return self.role == "fit"

    def distance(self, estimate: np.ndarray) -> np.ndarray:
        """How far the estimate is from what was observed, on the side that counts."""
        if self.compare == "at-least":
            return np.maximum(self.observed - estimate, 0.0)
        if self.compare == "at-most":
            return np.maximum(estimate - self.observed, 0.0)
        return np.abs(estimate - self.observed)

    def implausibility(self, estimate: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """|E - z| / sqrt(V_mc + tolerance^2 + discrepancy^2) (one-sided for at-least/at-most)."""
        scale = np.sqrt(variance + self.tolerance**2 + self.discrepancy**2)
        return self.distance(estimate) / scale

    def what(self) -> str:
        """The measure in words, as a difference for a response."""
        if self.baseline is None:
            return f"{self.measure.label()} in {self.scenario}"
        return f"{self.measure.label()}: {self.scenario} minus {self.baseline_scenario}"

    def observation(self) -> str:
        word = {"about": "", "at-least": "at least ", "at-most": "at most "}[self.compare]
        return f"{word}{self.observed:g}"

    @property
    def is_share(self) -> bool:
        """Whether the measure is a share of worlds (0 to 1) rather than a number or a difference."""
        return self.baseline is None and self.measure.kind != "figure"

    def band(self, cutoff: float) -> tuple[float, float]:
        """The estimates with which a point survives, ignoring Monte Carlo noise (which widens
        the band): (low, high), infinite on a side that cannot rule a point out."""
        reach = cutoff * float(np.hypot(self.tolerance, self.discrepancy))
        low = -np.inf if self.compare == "at-most" else self.observed - reach
        high = np.inf if self.compare == "at-least" else self.observed + reach
        if self.is_share:  # a share cannot leave 0 to 1
            low = -np.inf if low <= 0 else low
            high = np.inf if high >= 1 else high
        return low, high

    def rule_out_when(self, cutoff: float) -> str:
        low, high = self.band(cutoff)
        if np.isfinite(low) and np.isfinite(high):
            return f"outside {low:.3g} to {high:.3g}"
        if np.isfinite(low):
            return f"below {low:.3g}"
        if np.isfinite(high):
            return f"above {high:.3g}"
        return "never (the tolerance is wider than the measure's range)"


@dataclass
class Targets:
    spec: TargetsSpec
    origin: str
    sha256: str  # of the file's bytes: a resume must use the same file
    free: list[FactorDef]
    targets: list[Target]
    runs: dict[str, Run]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.free]

    @property
    def fit(self) -> list[Target]:
        return [t for t in self.targets if t.fit]

    @property
    def held_out(self) -> list[Target]:
        return [t for t in self.targets if not t.fit]

    def runs_for(self, targets: list[Target]) -> list[Run]:
        """The runs these targets read, in the file's order of first use."""
        keys = dict.fromkeys(k for t in targets for k in (t.run, t.baseline) if k is not None)
        return [self.runs[k] for k in keys]

    @cached_property
    def fingerprint(self) -> str:
        """Everything that changes results: the targets as read and every scenario as run."""
        text = json.dumps(
            {
                "format": 1,
                "targets": self.spec.model_dump(mode="json", exclude={"description"}),
                "runs": {k: r.scenario.to_yaml_dict() for k, r in self.runs.items()},
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def to_manifest(self) -> dict:
        return {
            "file": self.origin,
            "sha256": self.sha256,
            "name": self.name,
            "free": {f.name: f.describe() for f in self.free},
            "fit": [t.name for t in self.fit],
            "held_out": [t.name for t in self.held_out],
            "runs": {k: {"scenario": r.origin, "months": r.months} for k, r in self.runs.items()},
        }


# --- loading and checking -----------------------------------------------------------------


def targets_names() -> list[str]:
    return sorted(p.stem for p in TARGETS_DIR.glob("*.yaml"))


def resolve_targets(name_or_path: str | os.PathLike) -> Path:
    return resolve_named(name_or_path, TARGETS_DIR, "targets")


def load_targets(name_or_path: str | os.PathLike) -> Targets:
    path = resolve_targets(name_or_path)
    return parse_targets(path.read_bytes(), str(path), base=path.parent, stem=path.stem)


def parse_targets(
    text: str | bytes, origin: str, base: Path | None = None, stem: str = "targets"
) -> Targets:
    raw = text.encode() if isinstance(text, str) else text
    data = read_yaml(raw, origin)
    if not isinstance(data, dict):
        raise InputError(
            "a targets file must be a mapping of keys (free, targets, ...)",
            file=origin,
            allowed=", ".join(TargetsSpec.model_fields),
        )
    try:
        spec = TargetsSpec.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, origin) from None
    if not spec.name:
        spec = spec.model_copy(update={"name": stem})
    checker = _Checker(spec, origin, base or Path.cwd())
    return Targets(
        spec,
        origin,
        hashlib.sha256(raw).hexdigest(),
        checker.free(),
        *checker.targets(),
    )


def _explain(exc: ValidationError, origin: str) -> InputError:
    err = exc.errors()[0]
    raw = [str(p) for p in err["loc"]]
    loc = [p for p in raw if p not in {"int", "float", "FreeSpec"}]  # pydantic's union members
    field = ".".join(loc) or None
    key = next((p for p in reversed(loc) if not p.isdigit()), "")
    if err["type"] == "extra_forbidden":
        model = {"measure": MeasureSpec, "targets": TargetSpec, "free": FreeSpec}
        parent = next((p for p in reversed(loc[:-1]) if p in model), None)
        known = (model[parent] if parent else TargetsSpec).model_fields
        return InputError("unknown key", file=origin, field=field, allowed=", ".join(known))
    if err["type"] == "missing":
        return InputError(
            "required key is missing", file=origin, field=field, allowed=_ALLOWED.get(key)
        )
    if err["type"] in ("greater_than", "greater_than_equal") and key in (
        "tolerance",
        "discrepancy",
    ):
        return InputError(
            f"{err.get('input')!r} is not allowed", file=origin, field=field, allowed=_ALLOWED[key]
        )
    if len(loc) < len(raw) or err["type"] in ("literal_error", "string_type", "int_type"):
        return InputError(
            f"{err.get('input')!r} is not allowed",
            file=origin,
            field=field,
            allowed=_ALLOWED.get(key),
        )
    msg = err["msg"].removeprefix("Value error, ")
    return InputError(msg, file=origin, field=field, allowed=_ALLOWED.get(key))


class _Checker:
    """The checks that span fields: names against the register, scenarios, months, excerpts."""

    def __init__(self, spec: TargetsSpec, origin: str, base: Path):
        self.spec, self.origin, self.base = spec, origin, base
        self._scenarios: dict[str, tuple[Scenario, str]] = {}

    def error(self, message: str, field: str, allowed: str | None = None) -> InputError:
        return InputError(message, file=self.origin, field=field, allowed=allowed)

    def free(self) -> list[FactorDef]:
        out = []
        for name, rng in self.spec.free.items():
            where = f"free.{name}"
            try:
                check_name(name, self.origin)
            except InputError as exc:
                raise self.error(exc.detail, where, exc.allowed) from None
            spec = SPECS[name]
            if name == HORIZON:
                raise self.error(
                    "the horizon cannot be calibrated (each scenario runs to the month its "
                    "targets read)",
                    where,
                    "a model parameter from `redline sources`",
                )
            if spec.kind is bool:
                raise self.error(
                    "a switch cannot be a free parameter",
                    where,
                    "a number parameter; set a switch in the scenarios instead",
                )
            rng = rng or FreeSpec()
            low = spec.lo if rng.low is None else rng.low
            high = spec.hi if rng.high is None else rng.high
            for key, value in (("low", low), ("high", high)):
                if not spec.lo <= value <= spec.hi or (spec.kind is int and value != int(value)):
                    raise self.error(
                        f"{value!r} is outside the register's range for {name}",
                        f"{where}.{key}",
                        spec.allowed(),
                    )
            if not low < high:
                raise self.error(
                    f"low ({low}) must be below high ({high})",
                    f"{where}.low",
                    f"low < high within {spec.lo} to {spec.hi}",
                )
            out.append(FactorDef(name, spec.kind, low=spec.kind(low), high=spec.kind(high)))
        return out

    def scenario(self, ref: str, field: str) -> tuple[Scenario, str]:
        if ref not in self._scenarios:
            candidate = self.base / ref
            path = ref
            if (
                (ref.endswith((".yaml", ".yml")) or os.sep in ref)
                and not Path(ref).exists()
                and candidate.is_file()
            ):
                path = str(candidate)
            try:
                scenario = load_scenario(path)
            except InputError as exc:
                detail = f"{exc.detail} ({exc.render()})" if exc.file else exc.detail
                raise self.error(detail, field, exc.allowed or _ALLOWED["scenario"]) from None
            self._scenarios[ref] = (scenario, path)
        return self._scenarios[ref]

    def month(self, by: str | None, scenario: Scenario, field: str) -> str:
        months = scenario.months()
        if by is None:
            return months[-1]
        if not isinstance(by, str) or not _MONTH.match(by) or by not in months:
            raise self.error(
                f"month {by!r} is not one of {scenario.name}'s months",
                field,
                f"a month written YYYY-MM from {months[0]} to {months[-1]}",
            )
        return by

    def measure(self, m: MeasureSpec, field: str) -> Measure:
        if (m.outcome is None) == (m.feature is None):
            raise self.error(
                "a measure names either an outcome or a feature", field, _ALLOWED["measure"]
            )
        if m.outcome is not None:
            if m.outcome not in OUTCOMES and m.outcome not in MEASURES:
                raise self.error(
                    f"unknown outcome '{m.outcome}'", f"{field}.outcome", _ALLOWED["outcome"]
                )
            if m.value is not None:
                raise self.error(
                    "an outcome takes no value", f"{field}.value", "remove it, or use a feature"
                )
            kind = "event" if m.outcome in OUTCOMES else "figure"
            return Measure(kind, m.outcome, None, "")
        if m.feature not in FEATURES:
            raise self.error(
                f"unknown feature '{m.feature}'", f"{field}.feature", _ALLOWED["feature"]
            )
        span = FEATURES[m.feature].values
        if span is None and m.value is not None:
            raise self.error(f"{m.feature} takes no value", f"{field}.value", "remove it")
        if span is not None and (m.value is None or not span[0] <= m.value <= span[1]):
            raise self.error(
                f"{m.feature} needs a value" if m.value is None else f"value {m.value}",
                f"{field}.value",
                f"an integer from {span[0]} to {span[1]}",
            )
        return Measure("feature", m.feature, m.value, "")

    def run(self, runs: dict, ref: str, by: str, columns: set, field: str) -> str:
        scenario, path = self.scenario(ref, field)
        first = month_index(scenario.start)
        months = month_index(by) - first + 1
        key = f"{scenario.name} to {by}"
        if key in runs and runs[key][1] != path:
            raise self.error(
                f"two different scenario files are both named {scenario.name}",
                field,
                "scenario files with different names",
            )
        if key not in runs:
            data = scenario.to_yaml_dict()
            data[HORIZON] = months
            data["injects"] = [
                e for e in data["injects"] if month_index(e["month"]) - first < months
            ]
            runs[key] = [check(data, path), path, set()]
        runs[key][2] |= columns
        return key

    def targets(self) -> tuple[list[Target], dict[str, Run]]:
        register = load_register()
        runs: dict[str, list] = {}
        out: list[Target] = []
        seen: set[str] = set()
        for i, t in enumerate(self.spec.targets):
            where = f"targets.{i}"
            if not _NAME.match(t.name):
                raise self.error(
                    f"'{t.name}' cannot name a target", f"{where}.name", _ALLOWED["name"]
                )
            if t.name in seen:
                raise self.error(
                    f"two targets are named {t.name}",
                    f"{where}.name",
                    "one name per target (a target has one role: fit or held-out)",
                )
            seen.add(t.name)
            for j, excerpt in enumerate(t.source):
                if excerpt not in register.excerpts:
                    raise self.error(
                        f"unknown excerpt '{excerpt}'", f"{where}.source.{j}", _ALLOWED["source"]
                    )
            measure = self.measure(t.measure, f"{where}.measure")
            scenario, _ = self.scenario(t.scenario, f"{where}.scenario")
            by = self.month(t.measure.by, scenario, f"{where}.measure.by")
            base = None
            if t.baseline is not None:
                base, _ = self.scenario(t.baseline, f"{where}.baseline")
                by = self.month(by, base, f"{where}.measure.by")
            measure = Measure(measure.kind, measure.name, measure.value, by)
            cols = {measure.column}
            key = self.run(runs, t.scenario, by, cols, f"{where}.scenario")
            base_key = (
                None
                if t.baseline is None
                else self.run(runs, t.baseline, by, cols, f"{where}.baseline")
            )
            if base_key == key:
                raise self.error(
                    "a response compares two different scenarios",
                    f"{where}.baseline",
                    "a scenario other than the target's own",
                )
            out.append(
                Target(
                    t.name,
                    " ".join(t.description.split()),
                    key,
                    base_key,
                    scenario.name,
                    None if base is None else base.name,
                    measure,
                    t.compare,
                    float(t.observed),
                    float(t.tolerance),
                    float(t.discrepancy),
                    tuple(t.source),
                    t.role,
                )
            )
        if not any(t.fit for t in out):
            raise self.error(
                "no target has role fit: nothing would rule a parameter set out",
                "targets",
                "at least one target with role: fit",
            )
        free = set(self.spec.free)
        for scenario, _, _ in runs.values():
            for inj in scenario.injects:
                if inj.type == "set" and inj.parameter in free:
                    raise self.error(
                        f"scenario {scenario.name} sets {inj.parameter} in {inj.month}, which would "
                        "overwrite the calibrated value",
                        f"free.{inj.parameter}",
                        "parameters no inject of the targets' scenarios sets",
                    )
        order = [*OUTCOMES, *MEASURES]
        return out, {
            key: Run(key, sc, path, tuple(c for c in order if c in cols))
            for key, (sc, path, cols) in runs.items()
        }


__all__ = [
    "COMPARISONS",
    "FEATURES",
    "Measure",
    "ROLES",
    "Run",
    "TARGETS_DIR",
    "Target",
    "Targets",
    "load_targets",
    "parse_targets",
    "resolve_targets",
    "targets_names",
]
