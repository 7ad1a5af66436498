"""Where the shipped scenarios, evidence register and sweep designs are, however redline is
installed.

They sit at the top of the checkout (scenarios/, seeds/, designs/) and pyproject.toml
installs them as the data packages model.scenarios, model.seeds and model.designs, so
importlib.resources finds them in an installed wheel and in the editable checkout `make`
sets up alike, whatever the current folder. REDLINE_SCENARIOS, REDLINE_SEEDS and
REDLINE_DESIGNS point any of them at another folder; a file a user names by path never
goes through here.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

# kind -> (data package, environment variable that replaces it)
SHIPPED = {
    "scenarios": ("model.scenarios", "REDLINE_SCENARIOS"),
    "seeds": ("model.seeds", "REDLINE_SEEDS"),
    "designs": ("model.designs", "REDLINE_DESIGNS"),
    "calibration": ("model.targets", "REDLINE_TARGETS"),  # calibration targets files
}


def shipped(kind: str) -> Path:
    """The folder of shipped `kind` files ("scenarios", "seeds", "designs" or "calibration").

    pip unpacks wheels, so the data packages are real folders and the result is a plain
    path that can be globbed and shown to a person.
    """
    package, variable = SHIPPED[kind]
    override = os.environ.get(variable)
    if override:
        return Path(override)
    return Path(str(files(package)))
