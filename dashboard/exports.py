"""Serialisers for the downloads: scenario YAML, tables as CSV/Parquet, charts as PNG/SVG.

Pure functions returning bytes or text, so each can be tested directly (a
Streamlit download button's bytes cannot be read back in a test).
"""

from __future__ import annotations

import io
import re
import shlex

import pandas as pd

from model import Scenario
from model.scenario import dump_yaml

from .state import UPLOAD_PREFIX, Settings, format_value

PNG_SCALE = 2  # twice the on-screen size: sharp on a projector and in slides


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "parquet":
        return parquet_bytes(frame)
    raise ValueError(f"unknown table format {fmt!r}")


MIME = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "png": "image/png",
    "svg": "image/svg+xml",
    "yaml": "application/x-yaml",
}


def chart_bytes(spec: dict, fmt: str) -> bytes:
    """A chart (Vega-Lite spec from dashboard.charts) as PNG or SVG, via vl-convert."""
    import vl_convert as vlc

    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=PNG_SCALE)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    raise ValueError(f"unknown chart format {fmt!r}")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "scenario"


def scenario_filename(settings: Settings) -> str:
    name = settings.scenario.removeprefix(UPLOAD_PREFIX)
    return f"{slug(name)}{'-custom' if settings.overrides else ''}.yaml"


def run_command(settings: Settings, filename: str | None = None) -> str:
    """The `redline run` command that gives the same numbers as the dashboard."""
    filename = filename or scenario_filename(settings)
    return f"redline run {shlex.quote(filename)} --reps {settings.reps} --seed {settings.seed}"


def set_command(settings: Settings) -> str | None:
    """The same run as `--set` overrides of a shipped scenario (None for an upload)."""
    if settings.scenario.startswith(UPLOAD_PREFIX):
        return None
    sets = " ".join(f"--set {shlex.quote(f'{n}={format_value(v)}')}" for n, v in settings.overrides)
    return " ".join(
        p
        for p in (
            f"redline run {settings.scenario}",
            sets,
            f"--reps {settings.reps} --seed {settings.seed}",
        )
        if p
    )


def scenario_yaml(scenario: Scenario, settings: Settings) -> str:
    """The scenario as a file `redline run` reads back unchanged, with a comment saying
    where it came from and how to run it (comments do not change the scenario)."""
    changed = ", ".join(f"{n}={format_value(v)}" for n, v in settings.overrides) or "none"
    header = [
        "# Exported from the redline dashboard.",
        f"# Based on: {settings.scenario}; changed: {changed}",
        f"# Same numbers as the dashboard: {run_command(settings)}",
    ]
    return "\n".join(header) + "\n" + dump_yaml(scenario)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The cards as a table (for CSV): outcome, probability, interval, count, median months."""
    cols = [
        "outcome",
        "title",
        "probability",
        "ci_low",
        "ci_high",
        "count",
        "reps",
        "median_months",
    ]
    return summary[cols].copy()
