"""Calibration against the record: history matching in waves over the free parameters.

A targets file (calibration/*.yaml; `model.calibration.targets`) names the free parameters
and the observations the model is held to; `run_calibration` (`model.calibration.engine`)
samples each wave (`waves`), runs every parameter set through the sweep engine's blocks
and executors, rules out the implausible ones (`estimates`) and writes the survivors and
a report (`report`). `redline calibrate` (`commands`) is the command line over it.
`calibrated` reads a finished calibration and draws each world's weights from its
survivors (`redline run --calibrated`, `redline sweep --calibrated`, the dashboard's
switch); `scoreboard` scores the model's and the analysts' forecasts against the record
(`redline scoreboard`, the Evidence page).

    from model.calibration import load_targets, run_calibration
    report = run_calibration(load_targets("targets"), "runs/calibration", {"points": 200})
"""

from .engine import CalibrationInterrupted, CalibrationReport, NoSurvivors, run_calibration
from .targets import Targets, load_targets, parse_targets

__all__ = [
    "CalibrationInterrupted",
    "CalibrationReport",
    "NoSurvivors",
    "Targets",
    "load_targets",
    "parse_targets",
    "run_calibration",
]
