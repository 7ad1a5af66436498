"""redline: will Seoul cross Moscow's red line, and what would push Moscow across Seoul's?

from model import load_scenario, simulate
sc = load_scenario("november-2024", overrides={"seoul.public_opposition": 0.78})
res = simulate(sc, reps=1000, seed=1)
res.outcomes, res.timeseries, res.summary()
"""

from .errors import InputError
from .model import RedlineModel, WorldState
from .outcomes import OUTCOMES
from .parameters import SPECS, Parameters
from .scenario import Scenario, load_scenario, parse_scenario, scenario_names
from .simulation import Result, simulate, summarize

__version__ = "0.1.0"
__all__ = [
    "InputError",
    "Parameters",
    "RedlineModel",
    "Result",
    "SPECS",
    "Scenario",
    "WorldState",
    "OUTCOMES",
    "load_scenario",
    "parse_scenario",
    "scenario_names",
    "simulate",
    "summarize",
    "__version__",
]
