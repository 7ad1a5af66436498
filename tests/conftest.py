import numpy as np
import pytest

from model import load_scenario, simulate

# Settings under which Seoul wants lethal aid often, so the rules that stop it are
# exercised rather than idle.
EAGER = {
    "seoul.threat_weight": 12.0,
    "seoul.domestic_cost_weight": 0.0,
    "seoul.retaliation_weight": 0.0,
    "seoul.change_cost": 0.5,
    "seoul.alliance_weight": 6.0,
}


@pytest.fixture(scope="session")
def nov():
    return load_scenario("november-2024")


def run(name="november-2024", reps=400, seed=3, **overrides):
    return simulate(load_scenario(name, overrides=overrides or None), reps=reps, seed=seed)


def first_month(mask: np.ndarray) -> np.ndarray:
    """First month index (0-based) where mask (months x reps) is true; large if never."""
    return np.where(mask.any(0), mask.argmax(0), 10**6)
