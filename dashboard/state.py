"""What the facilitator has set, as one value shared by the widgets, the URL and the exports.

`Settings` is a scenario (a shipped name or an uploaded file), the parameter
values changed from that scenario (by their dotted SPECS names), replications
and seed. Everything here is plain Python so it can be tested without Streamlit:

    settings, messages = from_query({"scenario": "red-line", "seoul.public_opposition": "0.6"})
    scenario = build_scenario(settings, uploads={})
    to_query(settings)  # -> the same mapping, for st.query_params
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from model import SPECS, InputError, Scenario, load_scenario, scenario_names
from model.game.engine import MAX_GAME_BYTES
from model.parameters import HORIZON, ParamSpec
from model.scenario import MAX_FILE_BYTES, SCENARIO_DIR, check_name, parse_scenario
from model.words import GROUP_NAMES

from . import labels

DEFAULT_SCENARIO = "november-2024"
DEFAULT_REPS = 1000
DEFAULT_SEED = 1
MIN_REPS = 10
# The dashboard's own limits (the model's are in model.parameters: MAX_REPS, MAX_SEED ...).
DASHBOARD_MAX_REPS = 20_000  # replications in one run here; `redline run` goes higher
DASHBOARD_MAX_SWEEP_REPS = 400_000  # in one Sweep or Sensitivity run: 10-20 s on one core
# the largest integer a browser's number box holds exactly (the model takes up to MAX_SEED)
DASHBOARD_MAX_SEED = 2**53 - 1
# Uploads: the browser refuses a file over its box's limit (in MB) before sending it,
# with nothing but a red icon; a smaller file reaches its reader, whose message in the
# page names the exact limit. So every box takes up to the server's cap (the largest
# reader's limit, the game file's), and a scenario file of 1-20 MB gets the reader's
# words; the box's caption says both limits.
GAME_UPLOAD_MB = math.ceil(MAX_GAME_BYTES / 2**20)
SCENARIO_UPLOAD_MB = GAME_UPLOAD_MB
SCENARIO_FILE_MB = MAX_FILE_BYTES / 1e6  # what the reader takes (1 MB)
UPLOAD_PREFIX = "upload:"
RUN_KEYS = ("scenario", "reps", "seed")
# Streamlit's own query parameters and the Game page's link (room, seat, token); not
# settings, so not judged here.
FOREIGN_KEYS = frozenset({"embed", "embed_options", "room", "seat", "token"})

# Actor groups in the order the controls show them (the first part of a dotted name).
GROUPS: dict[str, str] = GROUP_NAMES


@dataclass(frozen=True)
class Settings:
    """A scenario key, the parameters changed from it, replications and seed."""

    scenario: str = DEFAULT_SCENARIO
    overrides: tuple[tuple[str, Any], ...] = field(default=())
    reps: int = DEFAULT_REPS
    seed: int = DEFAULT_SEED

    @property
    def changes(self) -> dict[str, Any]:
        return dict(self.overrides)

    def with_changes(self, changes: Mapping[str, Any]) -> Settings:
        return replace(self, overrides=ordered(changes))

    def label(self) -> str:
        name = self.scenario.removeprefix(UPLOAD_PREFIX)
        kind = "uploaded " if self.scenario.startswith(UPLOAD_PREFIX) else ""
        n = len(self.overrides)
        changed = f", {n} change{'s' if n != 1 else ''}" if n else ""
        return f"{kind}{name}{changed}"


def ordered(changes: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Overrides in registry order, so equal settings compare (and cache) equal."""
    return tuple((name, changes[name]) for name in SPECS if name in changes)


# ---------------------------------------------------------------- scenarios


def scenario_keys(uploads: Mapping[str, Scenario]) -> list[str]:
    """Every scenario the facilitator can pick: shipped ones, then this session's uploads."""
    return scenario_names() + [UPLOAD_PREFIX + name for name in uploads]


@lru_cache(maxsize=64)
def _shipped(name: str, mtime: float) -> Scenario:
    return load_scenario(name)


def shipped_scenario(name: str) -> Scenario:
    path = SCENARIO_DIR / f"{name}.yaml"
    if name not in scenario_names():
        raise InputError(
            f"unknown scenario '{name}'", field="scenario", allowed=", ".join(scenario_names())
        )
    return _shipped(name, path.stat().st_mtime)


def base_scenario(key: str, uploads: Mapping[str, Scenario]) -> Scenario:
    """The scenario as its file has it (no dashboard changes)."""
    if key.startswith(UPLOAD_PREFIX):
        name = key.removeprefix(UPLOAD_PREFIX)
        if name not in uploads:
            raise InputError(
                f"uploaded scenario '{name}' is not in this session",
                field="scenario",
                allowed="upload its file again (links cannot carry uploaded files), "
                "or one of: " + ", ".join(scenario_names()),
            )
        return uploads[name]
    return shipped_scenario(key)


def build_scenario(settings: Settings, uploads: Mapping[str, Scenario]) -> Scenario:
    """The validated scenario the settings describe (raises InputError)."""
    return base_scenario(settings.scenario, uploads).with_overrides(
        settings.changes, origin="dashboard"
    )


def changes_against(base: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the base scenario's, after rounding to their controls."""
    flat = base.flat_parameters()
    out = {}
    for name, value in values.items():
        value = tidy(name, value, flat[name])
        if value != flat[name]:
            out[name] = value
    return out


# ---------------------------------------------------------------- controls


def decimals(x: float) -> int:
    """Decimal places a number is written with (at most 6)."""
    if isinstance(x, bool) or float(x).is_integer():
        return 0
    text = f"{float(x):.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def step_for(spec: ParamSpec) -> float | int:
    """A slider step: about a hundredth of the range, rounded down to a power of ten."""
    if spec.kind is int:
        return 1
    exponent = math.floor(math.log10((spec.hi - spec.lo) / 100))
    return 10.0**exponent if exponent < 0 else float(10**exponent)


def precision(spec: ParamSpec, *values: Any) -> int:
    """Decimals a control shows and keeps for this parameter."""
    if spec.kind is not float:
        return 0
    return min(
        6,
        max(
            [decimals(step_for(spec)), decimals(spec.default)]
            + [decimals(v) for v in values if v is not None]
        ),
    )


def tidy(name: str, value: Any, *reference: Any) -> Any:
    """A widget's value typed as the parameter and rounded to its control's precision."""
    spec = SPECS[name]
    if spec.kind is bool:
        return bool(value)
    if spec.kind is int:
        return int(round(value))
    return round(float(value), precision(spec, value, *reference))


def number_format(spec: ParamSpec, *values: Any) -> str:
    return f"%.{precision(spec, *values)}f" if spec.kind is float else "%d"


def help_text(spec: ParamSpec, register) -> str:
    """Unit, range and the evidence for a parameter, for a widget's help tooltip."""
    if spec.kind is bool:
        head = f"`{spec.name}` · {spec.unit} (true or false)"
    else:
        head = f"`{spec.name}` · {spec.unit} · from {spec.lo:g} to {spec.hi:g}"
    if spec.is_assumption:
        body = f"**Assumption:** {spec.why}"
    else:
        quotes = [
            f"**{i}:** “{register.excerpt(i).text}” — {register.cite(i)}" for i in spec.excerpt_ids
        ]
        body = "\n\n".join(quotes)
        if spec.note:
            body += f"\n\n*Note:* {spec.note}"
    return f"{head}\n\n{body}"


# Shares of the public the model caps together (model.scenario: opposition plus support
# at most 1): a range for one, with the other held, ends where their sum reaches 1.
SHARES_OF_ONE = {
    "seoul.public_opposition": "seoul.public_support",
    "seoul.public_support": "seoul.public_opposition",
}


def highest(name: str, values: Mapping[str, Any]) -> float:
    """The highest value `name` can take with the other `values` held (its range's top,
    or less where it shares the public with another parameter)."""
    spec = SPECS[name]
    other = SHARES_OF_ONE.get(name)
    if other is None:
        return spec.hi
    return min(spec.hi, round(1 - float(values[other]), 6))


def grouped(names=None, advanced: bool | None = None) -> dict[str, list[str]]:
    """Dotted names by actor group, in registry order (horizon_months is a run setting).
    `advanced` False keeps the documented constraints and scenario facts, True the model
    weights (SPECS[name].tier), None both."""
    names = list(SPECS) if names is None else list(names)
    if advanced is not None:
        names = [n for n in names if SPECS[n].advanced == advanced]
    return {g: [n for n in names if n.split(".")[0] == g] for g in GROUPS}


# ---------------------------------------------------------------- URL


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def parse_value(name: str, text: str) -> Any:
    """A URL value read as the parameter's type (raises InputError)."""
    spec = SPECS[name]
    raw = str(text).strip()
    if spec.kind is bool:
        low = raw.lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
    else:
        try:
            number = float(raw)
        except ValueError:
            number = None
        if number is not None and math.isfinite(number):
            if spec.kind is float:
                return number
            if number.is_integer():
                return int(number)
    raise InputError(
        f"'{raw}' is not a valid value", file="URL", field=name, allowed=spec.allowed()
    )


def _int_setting(
    params: Mapping[str, Any], key: str, default: int, lo: int, hi: int, messages: list[str]
) -> int:
    if key not in params:
        return default
    raw = _last(params[key])
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        messages.append(
            labels.error_text(
                InputError(
                    f"'{raw}' is not valid; using {default}",
                    file="URL",
                    field=key,
                    allowed=f"an integer from {lo:,} to {hi:,}",
                )
            )
        )
        return default
    return value


def _last(value: Any) -> str:
    return value[-1] if isinstance(value, (list, tuple)) else value


def from_query(
    params: Mapping[str, Any], uploads: Mapping[str, Scenario] | None = None
) -> tuple[Settings, list[str]]:
    """Settings from URL query parameters, and a message for each value that was refused.

    A refused value falls back to its default; the rest of the link still applies.
    """
    uploads = uploads or {}
    messages: list[str] = []
    key = str(_last(params.get("scenario", DEFAULT_SCENARIO))).strip()
    try:
        base = base_scenario(key, uploads)
    except InputError as exc:
        messages.append(
            labels.error_text(
                InputError(
                    exc.detail + f"; using {DEFAULT_SCENARIO}",
                    file="URL",
                    field="scenario",
                    allowed=exc.allowed,
                )
            )
        )
        key, base = DEFAULT_SCENARIO, shipped_scenario(DEFAULT_SCENARIO)
    reps = _int_setting(params, "reps", DEFAULT_REPS, MIN_REPS, DASHBOARD_MAX_REPS, messages)
    seed = _int_setting(params, "seed", DEFAULT_SEED, 0, DASHBOARD_MAX_SEED, messages)
    changes: dict[str, Any] = {}
    for name, raw in params.items():
        if name in RUN_KEYS or name in FOREIGN_KEYS:
            continue
        try:
            check_name(name, "URL")
            value = parse_value(name, _last(raw))
            base.with_overrides({name: value}, origin="URL")
        except InputError as exc:
            messages.append(labels.error_text(exc) + "; using the scenario's value")
            continue
        changes[name] = value
    try:
        base.with_overrides(changes, origin="URL")
    except InputError as exc:  # values valid alone but not together (horizon vs injects)
        messages.append(labels.error_text(exc) + "; using the scenario's values")
        changes = {}
    return Settings(key, (), reps, seed).with_changes(changes_against(base, changes)), messages


def to_query(settings: Settings) -> dict[str, str]:
    """The URL form of the settings: scenario, the changed parameters, reps and seed."""
    query = {"scenario": settings.scenario}
    query.update({name: format_value(value) for name, value in settings.overrides})
    query["reps"] = str(settings.reps)
    query["seed"] = str(settings.seed)
    return query


# ---------------------------------------------------------------- uploads


def read_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file; any problem is an InputError naming the file."""
    try:
        return parse_scenario(data, filename)
    except InputError:
        raise
    except RecursionError:
        raise InputError(
            "the file nests too deeply to be a scenario",
            file=filename,
            allowed="a scenario YAML like those in scenarios/",
        ) from None
    except (ValueError, TypeError, UnicodeError) as exc:
        raise InputError(
            f"could not read the file ({type(exc).__name__})",
            file=filename,
            allowed="a scenario YAML like those in scenarios/",
        ) from None


def upload_key(scenario: Scenario) -> str:
    return UPLOAD_PREFIX + scenario.name


__all__ = [
    "Settings",
    "GROUPS",
    "from_query",
    "to_query",
    "build_scenario",
    "base_scenario",
    "read_upload",
    "changes_against",
    "tidy",
    "step_for",
    "help_text",
    "HORIZON",
]
