"""Writing results: every file goes to a temporary name first, then is renamed.

A crash or Ctrl-C therefore never leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .parameters import flatten


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside `target`; rename it onto `target` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False)


def write_json(data, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def write_text(text: str, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def git_commit() -> str | None:
    """The commit of the checkout this code runs from, or None when it is not one.

    An installed wheel has no commit, and a git repository that merely holds the
    environment (site-packages inside a user's project) is not redline's, so a commit
    is recorded only when the folder above this package is itself a git work tree's top.
    """
    checkout = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != checkout:
        return None
    return lines[1]


def provenance() -> dict:
    import mesa
    import numpy

    from . import __version__

    return {
        "package_version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "host": socket.gethostname(),
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_manifest(scenario, reps: int, seed: int, overrides: dict) -> dict:
    return {
        "kind": "redline run",
        "scenario": scenario.to_yaml_dict(),
        "parameters": {"horizon_months": scenario.horizon_months, **flatten(scenario.parameters)},
        "overrides": overrides,
        "reps": reps,
        "seed": seed,
        **provenance(),
    }


def write_run(
    result,
    out: Path,
    overrides: dict,
    *,
    summary: pd.DataFrame | None = None,
    extra: dict | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """outcomes.parquet, timeseries.parquet, summary.json, then manifest.json last.

    A calibrated run (model.calibration.calibrated) passes its `summary` (with the
    interval from parameters), `extra` keys for summary.json and manifest.json, and
    `tables`: more Parquet files (name -> frame), written before the two JSON files.
    """
    out = Path(out)
    tables = tables or {}
    files = [
        out / "outcomes.parquet",
        out / "timeseries.parquet",
        *(out / name for name in tables),
        out / "summary.json",
        out / "manifest.json",
    ]
    write_parquet(result.outcomes, files[0])
    write_parquet(result.timeseries, files[1])
    for name, frame in tables.items():
        write_parquet(frame, out / name)
    summary = result.summary() if summary is None else summary
    write_json(
        {
            "scenario": result.scenario.name,
            "reps": result.reps,
            "seed": result.seed,
            "outcomes": summary.to_dict(orient="records"),
            **(extra or {}),
        },
        files[-2],
    )
    manifest = run_manifest(result.scenario, result.reps, result.seed, overrides)
    write_json({**manifest, **(extra or {})}, files[-1])
    return files
