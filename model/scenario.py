"""Scenario files: the validated input every run starts from.

A scenario is a start month, a horizon, parameter values and injects (happenings
scheduled for a month, the word wargames use). Files are YAML read with a safe loader
that also refuses aliases, so a hostile file can neither run code nor blow up memory
("billion laughs").
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError
from .parameters import HORIZON, MAX_HORIZON, SPECS, Parameters, flatten, nest
from .resources import shipped

MAX_FILE_BYTES = 1_000_000
SCENARIO_DIR = shipped("scenarios")  # or REDLINE_SCENARIOS; a path a user gives is read as is
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# Inject type -> (meaning, what `value` means or None when it takes none)
INJECT_TYPES: dict[str, tuple[str, str | None]] = {
    "troops_deployed": ("Pyongyang deploys troops to Russia's war (troop level at least 1)", None),
    "troops_reinforced": ("Pyongyang reinforces its deployment (troop level 2)", None),
    "treaty_ratified": ("the Russia-DPRK treaty enters into force", None),
    "provocation": ("Pyongyang stages a military provocation on the Peninsula", None),
    "technology_transfer": (
        "Moscow transfers technology to Pyongyang: value is the reward rung "
        "(2 conventional, 3 ballistic-missile, 4 nuclear; default 3)",
        "rung 2-4",
    ),
    "atrocity": (
        "an intolerable event: large-scale attacks on civilians (Yoon's April 2023 condition)",
        None,
    ),
    "ceasefire": ("a ceasefire in Ukraine", None),
    "assembly_majority_change": (
        "the Assembly's balance changes: value is the new number of opposition seats",
        "seats 0-300",
    ),
    "poll_shift": (
        "public opinion shifts: value is the change in opposition to lethal aid "
        "(negative means less opposition)",
        "share -0.5 to 0.5",
    ),
    "government_change": (
        "a new government takes office in Seoul: preference is global-pivotal (the Global "
        "Pivotal State, seok-20) or pragmatic (pragmatic diplomacy, seok-24); approval is its "
        "starting approval; it may review its predecessor's commitments",
        None,
    ),
    "government_paralysis": (
        "Seoul's government cannot change course (impeachment, an acting president): months "
        "is how long",
        None,
    ),
    "set": (
        "a parameter takes a new value from this month on (for example a shift in the US "
        "position): parameter is its dotted name, value the new value",
        "the parameter's own range",
    ),
}
# What `injects` was called before redline gave scheduled happenings and outcomes distinct
# words (issue 8); a scenario or game file that still uses it is refused with the new name.
OLD_INJECTS_KEY = "events"
PREFERENCES = ("global-pivotal", "pragmatic")
_VALUE_RANGE = {
    "technology_transfer": (2, 4),
    "assembly_majority_change": (0, 300),
    "poll_shift": (-0.5, 0.5),
}


class Inconsistent(ValueError):
    """Parameter values that cannot hold together; carries the field to name."""

    def __init__(self, field: str, message: str, allowed: str):
        super().__init__(message)
        self.field, self.allowed = field, allowed


def month_index(month: str) -> int:
    y, m = month.split("-")
    return int(y) * 12 + int(m) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Inject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(description="YYYY-MM, within the scenario's months")
    type: Literal[tuple(INJECT_TYPES)]  # type: ignore[valid-type]
    value: float | None = None
    parameter: str | None = None  # set
    preference: Literal[PREFERENCES] | None = None  # government_change  # type: ignore[valid-type]
    approval: float | None = Field(None, ge=0.0, le=1.0)  # government_change
    months: int | None = Field(None, ge=1, le=MAX_HORIZON)  # government_paralysis
    note: str = ""

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, v: Any) -> str:
        if not isinstance(v, str) or not _MONTH.match(v):
            raise ValueError("must be a month written YYYY-MM in quotes, e.g. '2025-03'")
        return v

    @model_validator(mode="after")
    def _value(self) -> Inject:
        own = {
            "set": {"parameter", "value"},
            "government_change": {"preference", "approval"},
            "government_paralysis": {"months"},
        }.get(self.type, set())
        for extra in ("parameter", "preference", "approval", "months"):
            if getattr(self, extra) is not None and extra not in own:
                raise ValueError(f"inject {self.type} takes no {extra}")
        if self.type == "set":
            if self.parameter is None or self.value is None:
                raise ValueError("inject set needs a parameter (its dotted name) and a value")
            if self.parameter not in SPECS:
                close = difflib.get_close_matches(self.parameter, list(SPECS), n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise ValueError(f"inject set names unknown parameter {self.parameter}{hint}")
            if self.parameter == HORIZON:
                raise ValueError("inject set cannot change horizon_months")
            spec = SPECS[self.parameter]
            value = self.value
            if spec.kind is not bool and not spec.lo <= value <= spec.hi:
                raise ValueError(f"value for {self.parameter} must be {spec.allowed()}")
            return self
        if self.type == "government_change" and self.preference is None:
            raise ValueError(
                "inject government_change needs a preference: global-pivotal or pragmatic"
            )
        if self.type == "government_paralysis" and self.months is None:
            raise ValueError(f"inject government_paralysis needs months (1 to {MAX_HORIZON})")
        wants = INJECT_TYPES[self.type][1]
        if self.type in ("assembly_majority_change", "poll_shift") and self.value is None:
            raise ValueError(f"inject {self.type} needs a value ({wants})")
        if wants is None and self.value is not None:
            raise ValueError(f"inject {self.type} takes no value")
        if self.value is not None:
            lo, hi = _VALUE_RANGE[self.type]
            if not lo <= self.value <= hi:
                raise ValueError(f"value for {self.type} must be within {lo} to {hi}")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    start: str = "2024-11"
    horizon_months: int = Field(24, ge=1, le=MAX_HORIZON)
    parameters: Parameters = Field(default_factory=Parameters)
    injects: list[Inject] = Field(default_factory=list, max_length=500)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: Any) -> str:
        return Inject._month(v)

    @model_validator(mode="after")
    def _injects_in_range(self) -> Scenario:
        first = month_index(self.start)
        for i, inj in enumerate(self.injects):
            k = month_index(inj.month) - first
            if not 0 <= k < self.horizon_months:
                raise ValueError(
                    f"injects.{i}.month {inj.month} is outside the scenario's months "
                    f"({self.start} to {month_label(first + self.horizon_months - 1)})"
                )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        """Parameter values that each pass their own range but cannot hold together."""
        p = self.parameters
        s, py, mo = p.seoul, p.pyongyang, p.moscow
        if s.public_opposition + s.public_support > 1 + 1e-9:
            raise Inconsistent(
                "seoul.public_support",
                f"opposition {s.public_opposition:g} plus support {s.public_support:g} is over 1",
                f"at most {1 - s.public_opposition:.3g} with this opposition",
            )
        if s.troops_excluded and s.initial_rung >= 5:
            raise Inconsistent(
                "seoul.initial_rung",
                "the world starts with troops sent while troops are excluded",
                "0 to 4, or seoul.troops_excluded false",
            )
        if py.shells_per_month > py.max_shells_per_month:
            raise Inconsistent(
                "pyongyang.shells_per_month",
                f"{py.shells_per_month:,.0f} shells a month is above the production capacity "
                f"pyongyang.max_shells_per_month {py.max_shells_per_month:,.0f}",
                f"at most {py.max_shells_per_month:,.0f}",
            )
        if mo.initial_posture >= 3:
            raise Inconsistent(
                "moscow.initial_posture",
                "the world starts with relations already collapsed: nothing is left to simulate",
                "0 to 2",
            )
        if s.stockpile_days < s.min_stockpile_days and s.initial_rung >= 3:
            raise Inconsistent(
                "seoul.initial_rung",
                "the world starts sending shells from a stockpile below the 60-day floor",
                "a stockpile at or above seoul.min_stockpile_days, or a rung below 3",
            )
        return self

    def months(self) -> list[str]:
        first = month_index(self.start)
        return [month_label(first + i) for i in range(self.horizon_months)]

    def flat_parameters(self) -> dict[str, Any]:
        return {HORIZON: self.horizon_months, **flatten(self.parameters)}

    def to_yaml_dict(self) -> dict[str, Any]:
        """The scenario as a plain mapping that `load_scenario` reads back unchanged."""
        data = self.model_dump(mode="json")
        for inj in data["injects"]:
            for key in ("value", "parameter", "preference", "approval", "months"):
                if inj[key] is None:
                    del inj[key]
            if not inj["note"]:
                del inj["note"]
        return data

    def with_overrides(self, overrides: dict[str, Any] | None, origin: str = "--set") -> Scenario:
        """A copy with dotted-name overrides applied and the whole result validated."""
        if not overrides:
            return self
        data = self.model_dump(mode="python")
        for name, value in overrides.items():
            check_name(name, origin)
            if name == HORIZON:
                data[HORIZON] = value
            else:
                group, field = name.split(".")
                data["parameters"][group][field] = value
        return check(data, origin)


def check_name(name: str, origin: str) -> None:
    if name not in SPECS:
        close = difflib.get_close_matches(name, list(SPECS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"unknown parameter{hint}",
            file=origin,
            field=name,
            allowed="see `redline sources` for every parameter name",
        )


def _allowed_for(loc: tuple) -> str | None:
    path = [str(p) for p in loc]
    if len(path) == 3 and path[0] == "parameters":
        spec = SPECS.get(f"{path[1]}.{path[2]}")
        return spec.allowed() if spec else None
    if path and path[-1] == HORIZON:
        return SPECS[HORIZON].allowed()
    if path and path[-1] == "type":
        return ", ".join(INJECT_TYPES)
    return None


def check(data: Any, origin: str) -> Scenario:
    """Check a scenario's data against the schema and the consistency rules (the word
    `validate` is kept for `redline validate`, the documents' claims)."""
    if not isinstance(data, dict):
        raise InputError(
            "a scenario must be a mapping of keys (name, start, parameters, ...)", file=origin
        )
    if OLD_INJECTS_KEY in data:  # a file saved before the rename: say what to do, not "unknown"
        raise InputError(
            "this key is now called injects (rename it; the entries are unchanged)",
            file=origin,
            field=OLD_INJECTS_KEY,
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or None
        if err["type"] == "extra_forbidden":
            allowed = _known_keys(loc[:-1])
            raise InputError("unknown key", file=origin, field=field, allowed=allowed) from None
        msg = err["msg"].removeprefix("Value error, ")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, Inconsistent):
            raise InputError(
                str(cause), file=origin, field=cause.field, allowed=cause.allowed
            ) from None
        if field and field.startswith("parameters."):
            field = field.removeprefix("parameters.")
        raise InputError(msg, file=origin, field=field, allowed=_allowed_for(loc)) from None


def _known_keys(loc: tuple) -> str:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            model = Inject
            continue
        ann = model.model_fields[part].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else Inject
    return ", ".join(model.model_fields)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors and aliases (no 'billion laughs')."""

    def compose_node(self, parent, index):  # noqa: D401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in redline files", event.start_mark
            )
        return super().compose_node(parent, index)


def read_yaml(text: str | bytes, origin: str) -> Any:
    if len(text) > MAX_FILE_BYTES:
        raise InputError(
            f"file is {len(text):,} bytes", file=origin, allowed=f"at most {MAX_FILE_BYTES:,} bytes"
        )
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
    except RecursionError:
        raise InputError(
            "the file nests too deeply", file=origin, allowed="plain YAML a few levels deep"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"not valid YAML: {problem}",
            file=origin,
            field=where,
            allowed="plain YAML mappings, lists and scalars; no tags or aliases",
        ) from None


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def resolve_named(name_or_path: str | os.PathLike, folder: Path, kind: str) -> Path:
    """A YAML file by path, or by name from `folder` (scenarios/, designs/)."""
    text = str(name_or_path)
    path = Path(text)
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    if path.suffix in (".yaml", ".yml") or os.sep in text or path.exists():
        if not path.is_file():
            raise InputError(
                f"no such {kind} file",
                file=text,
                allowed=f"a path to a {kind} YAML file, or one of: " + ", ".join(names),
            )
        return path
    candidate = folder / f"{text}.yaml"
    if not candidate.is_file():
        raise InputError(
            f"unknown {kind} '{text}'",
            field=kind.upper(),
            allowed=", ".join(names) + ", or a path to a YAML file",
        )
    return candidate


def resolve(name_or_path: str | os.PathLike) -> Path:
    return resolve_named(name_or_path, SCENARIO_DIR, "scenario")


def load_scenario(
    name_or_path: str | os.PathLike = "november-2024", overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load a scenario by name (from scenarios/) or path, then apply dotted overrides."""
    path = resolve(name_or_path)
    raw = path.read_bytes()
    scenario = parse_scenario(raw, str(path))
    return scenario.with_overrides(overrides)


def parse_scenario(text: str | bytes, origin: str) -> Scenario:
    """Validate scenario text (from a file or an upload)."""
    return check(read_yaml(text, origin), origin)


def parse_assignment(item: str) -> tuple[str, Any]:
    """`NAME=VALUE` from the command line; VALUE is read as a YAML scalar."""
    if "=" not in item:
        raise InputError(
            "expected NAME=VALUE",
            file="--set",
            field=item,
            allowed="a dotted parameter name, '=', and a value",
        )
    name, _, text = item.partition("=")
    name = name.strip()
    check_name(name, "--set")
    value = read_yaml(text, f"--set {name}")
    if isinstance(value, (dict, list)) or value is None:
        raise InputError(
            "expected a single value", file="--set", field=name, allowed=SPECS[name].allowed()
        )
    return name, value


def dump_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.to_yaml_dict(), sort_keys=False, allow_unicode=True)


__all__ = [
    "Inject",
    "Scenario",
    "INJECT_TYPES",
    "load_scenario",
    "parse_scenario",
    "nest",
    "parse_assignment",
    "scenario_names",
    "month_index",
    "month_label",
    "dump_yaml",
]
