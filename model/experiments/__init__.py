"""Sweeps: experiment designs, resumable parallel runs, and their analysis.

The framework (design, executors, runner, store, summary) knows nothing of
sensitivity or discovery; the analysis (analysis, sensitivity, discovery, plots)
reads only what a finished sweep wrote to disk. Neither changes the model.

    from model.experiments import load_design, run_sweep
    report = run_sweep(load_design("designs/lhs.yaml"), "runs/lhs", workers=2)
"""

from .design import Design, load_design, parse_design
from .runner import SweepInterrupted, SweepReport, run_sweep

__all__ = ["Design", "SweepInterrupted", "SweepReport", "load_design", "parse_design", "run_sweep"]
