"""The model as a plain function of keyword parameters, for other toolkits (EMA Workbench, ...).

    from model.interop import run_model
    run_model(reps=200, seed=1, scenario="november-2024", **{"seoul.public_opposition": 0.7})
    run_model(reps=200, seed=1, seoul__public_opposition=0.7)   # the same call

Parameters are the dotted names of `redline sources`. Toolkits that need Python
identifiers (EMA Workbench refuses any other name) can write the dot as a
double underscore: `seoul__public_opposition` is `seoul.public_opposition`, and
`identifier()` / `dotted()` convert either way. `horizon_months` is both.

The result is a flat dict of numbers: each event's probability under its own
name (`lethal_aid`, `relations_collapsed`, ...), `median_months_to_<event>`
(NaN when the event never happens), and the mean of each numeric outcome
(`shells_transferred`, `assembly_votes`, ...). Every call with the same `seed`
uses the same random numbers (common random numbers), so differences between
two calls come from the parameters, not from noise.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import InputError
from .outcomes import OUTCOMES
from .parameters import SPECS
from .scenario import Scenario, check_name, load_scenario
from .simulation import check_size, simulate_outcomes, summarize

SEPARATOR = "__"
NUMERIC = [
    "seoul_max_rung",
    "assembly_votes",
    "assembly_approvals",
    "min_stockpile_days",
    "shells_transferred",
    "final_public_opposition",
    "final_seoul_rung",
    "final_moscow_reward_rung",
    "moscow_max_reward_rung",
    "final_moscow_posture",
]


def identifier(name: str) -> str:
    """`seoul.public_opposition` -> `seoul__public_opposition` (a valid Python identifier)."""
    return name.replace(".", SEPARATOR)


def dotted(name: str) -> str:
    """`seoul__public_opposition` -> `seoul.public_opposition`; dotted names pass unchanged."""
    return name.replace(SEPARATOR, ".")


def outcome_names() -> list[str]:
    """The keys `run_model` returns, in order (all valid identifiers)."""
    return [*OUTCOMES, *(f"median_months_to_{e}" for e in OUTCOMES), *NUMERIC]


def _plain(value: Any) -> Any:
    """numpy scalars (as toolkits pass them) -> the Python value pydantic validates."""
    return value.item() if hasattr(value, "item") else value


def run_model(
    reps: int = 1000, seed: int = 0, scenario: str | Scenario = "november-2024", **parameters: Any
) -> dict[str, float]:
    """Run `reps` replications with the given parameter values; outcomes as plain numbers."""
    overrides = {}
    for key, value in parameters.items():
        name = dotted(key)
        check_name(name, "run_model")
        if name in overrides:
            raise InputError(
                "given twice (dotted and double-underscore forms)",
                file="run_model",
                field=name,
                allowed="each parameter once",
            )
        overrides[name] = _plain(value)
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sc = base.with_overrides(overrides, "run_model")
    check_size(reps, sc.horizon_months)
    outcomes = simulate_outcomes(sc, int(reps), int(seed))
    table = summarize(outcomes).set_index("outcome")
    result: dict[str, float] = {e: float(table.loc[e, "probability"]) for e in OUTCOMES}
    for e in OUTCOMES:
        m = table.loc[e, "median_months"]
        result[f"median_months_to_{e}"] = float(m) if m is not None and m == m else math.nan
    for c in NUMERIC:
        result[c] = float(outcomes[c].mean())
    return result


def parameter_names(identifiers: bool = False, assumptions_only: bool = False) -> list[str]:
    names = [n for n, s in SPECS.items() if s.is_assumption or not assumptions_only]
    return [identifier(n) for n in names] if identifiers else names


__all__ = ["dotted", "identifier", "outcome_names", "parameter_names", "run_model"]
