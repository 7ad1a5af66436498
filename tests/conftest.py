import numpy as np
import pytest

from model import load_scenario, simulate
from model.scenario import Scenario, check

# Settings under which Seoul wants lethal aid often, so the rules that stop it are
# exercised rather than idle.
EAGER = {
    "seoul.threat_weight": 12.0,
    "seoul.domestic_cost_weight": 0.0,
    "seoul.retaliation_weight": 0.0,
    "seoul.change_cost": 0.5,
    "seoul.alliance_weight": 6.0,
}


def eager(**extra):
    """EAGER with more dotted overrides on top."""
    return {**EAGER, **extra}


@pytest.fixture(scope="session")
def nov():
    return load_scenario("november-2024")


def scenario(name="november-2024", injects=(), **overrides) -> Scenario:
    """A shipped scenario with dotted overrides and extra injects (dicts as in YAML),
    validated as a file would be."""
    data = load_scenario(name, overrides=overrides or None).to_yaml_dict()
    data["injects"] = [*data["injects"], *injects]
    return check(data, "test scenario")


def run(name="november-2024", reps=400, seed=3, injects=(), **overrides):
    return simulate(scenario(name, injects, **overrides), reps=reps, seed=seed)


def first_month(mask: np.ndarray) -> np.ndarray:
    """First month index (0-based) where mask (months x reps) is true; large if never."""
    return np.where(mask.any(0), mask.argmax(0), 10**6)


def with_start(series: np.ndarray, start) -> np.ndarray:
    """A (months x reps) series with the value at the start stacked on top (row 0)."""
    head = np.broadcast_to(np.asarray(start, dtype=series.dtype), series.shape[1:])
    return np.vstack([head[None], series])
