"""Reading a finished sweep back for analysis, and the per-point summary tables.

Analysis reads only what `redline sweep` wrote (manifest, design points, unit
sample, summary), never the design file, which may have moved or changed since;
so a sweep directory copied off a cluster can be analysed anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outcomes import OUTCOMES
from ..outputs import write_text
from .store import DESIGN, SAMPLE, SUMMARY, SweepDir
from .summary import SUMMARY_COLUMNS

MAX_MARKDOWN_ROWS = 200


@dataclass
class Sweep:
    path: Path
    manifest: dict
    points: pd.DataFrame  # design points as run: point + one column per factor
    sample: pd.DataFrame | None  # unit-cube coordinates (lhs, sobol, morris)
    summary: pd.DataFrame  # long: point, outcome, probability, ... (SUMMARY_COLUMNS)

    @property
    def sampler(self) -> str:
        return self.manifest["design"]["sampler"]

    @property
    def factors(self) -> list[str]:
        return list(self.manifest["factors"])

    @property
    def outcomes(self) -> list[str]:
        return list(self.manifest["outcomes"])

    @property
    def seed(self) -> int:
        return int(self.manifest["design"]["seed"])

    @property
    def analysis_dir(self) -> Path:
        return self.path / "analysis"

    def values(self, outcome: str) -> np.ndarray:
        """The outcome's per-point mean (an event's probability), in design-point order."""
        rows = self.summary[self.summary["outcome"] == outcome].sort_values("point")
        return rows["mean"].to_numpy(dtype=np.float64)

    def rows(self, outcome: str) -> pd.DataFrame:
        return (
            self.summary[self.summary["outcome"] == outcome]
            .sort_values("point")
            .reset_index(drop=True)
        )

    def check_outcomes(self, wanted: list[str] | None, option: str = "--outcome") -> list[str]:
        if not wanted:
            return self.outcomes
        for name in wanted:
            if name not in self.outcomes:
                raise InputError(
                    f"'{name}' is not an outcome of this sweep",
                    field=option,
                    allowed=", ".join(self.outcomes),
                )
        return list(wanted)


def open_sweep(path: str | Path) -> Sweep:
    sweep_dir = SweepDir(path)
    if not sweep_dir.path.is_dir():
        raise InputError(
            "no such directory",
            file=str(path),
            field="DIR",
            allowed="a directory written by `redline sweep`",
        )
    manifest = sweep_dir.read_manifest()
    if manifest.get("kind") != "redline sweep":
        raise InputError(
            "not a sweep directory (its manifest is of another kind)",
            file=str(path),
            field="DIR",
            allowed="a directory written by `redline sweep`",
        )
    if manifest.get("status") != "complete" or not sweep_dir.file(SUMMARY).is_file():
        design = manifest.get("design", {}).get("file", "DESIGN")
        raise InputError(
            f"the sweep is not complete (status: {manifest.get('status')})",
            file=str(path),
            field="DIR",
            allowed=f"a finished sweep; finish this one with `redline sweep {design} "
            f"--out {path} --resume`",
        )
    sample = sweep_dir.file(SAMPLE)
    return Sweep(
        sweep_dir.path,
        manifest,
        pd.read_parquet(sweep_dir.file(DESIGN)),
        pd.read_parquet(sample) if sample.is_file() else None,
        # factor values are in design.parquet: leave out their copies on every row
        pd.read_parquet(sweep_dir.file(SUMMARY), columns=SUMMARY_COLUMNS),
    )


def wide_table(sweep: Sweep, outcomes: list[str] | None = None) -> pd.DataFrame:
    """One row per design point: its factor values, then each outcome's figures."""
    outcomes = outcomes or sweep.outcomes
    table = sweep.points.copy()
    for name in outcomes:
        rows = sweep.rows(name)
        if name in OUTCOMES:
            table[name] = rows["probability"].to_numpy()
            table[f"{name}_ci_low"] = rows["ci_low"].to_numpy()
            table[f"{name}_ci_high"] = rows["ci_high"].to_numpy()
            table[f"{name}_median_months"] = rows["median_months"].to_numpy()
        else:
            table[f"{name}_mean"] = rows["mean"].to_numpy()
    return table


def overview(sweep: Sweep, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Across design points: how far each outcome moves, and where it is highest."""
    from .summary import overview_of

    return overview_of(sweep.path / SUMMARY, outcomes or sweep.outcomes)


def _fmt_event(p, lo, hi) -> str:
    return f"{p:.1%} ({lo:.1%}-{hi:.1%})"


def _fmt_value(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


def readable_table(
    sweep: Sweep, outcomes: list[str] | None = None, limit: int | None = None
) -> pd.DataFrame:
    """The wide table with each event written 'p (low-high)': for Markdown and the terminal."""
    outcomes = outcomes or sweep.outcomes
    wide = wide_table(sweep, outcomes)
    if limit is not None:
        wide = wide.head(limit)
    out = pd.DataFrame({"point": wide["point"]})
    for f in sweep.factors:
        out[f] = [_fmt_value(v) for v in wide[f]]
    for name in outcomes:
        if name in OUTCOMES:
            out[name] = [
                _fmt_event(p, lo, hi)
                for p, lo, hi in zip(wide[name], wide[f"{name}_ci_low"], wide[f"{name}_ci_high"])
            ]
        else:
            out[name] = [f"{v:.4g}" for v in wide[f"{name}_mean"]]
    return out


def summary_report(sweep: Sweep, outcomes: list[str] | None = None) -> dict[str, Path]:
    """analysis/summary.csv (every point), summary.md (readable, first rows) and a plot."""
    from .plots import plot_summary

    outcomes = outcomes or sweep.outcomes
    out = sweep.analysis_dir
    files = {}
    wide = wide_table(sweep, outcomes)
    files["csv"] = out / "summary.csv"
    write_text(wide.to_csv(index=False), files["csv"])
    over = overview(sweep, outcomes)
    files["overview"] = out / "summary-overview.csv"
    write_text(over.to_csv(index=False), files["overview"])
    n = len(sweep.points)
    shown = readable_table(sweep, outcomes, limit=MAX_MARKDOWN_ROWS)
    m = sweep.manifest
    lines = [
        f"# Sweep summary: {m['design']['name']}",
        "",
        f"{m['points']:,} design points x {m['replications_per_point']:,} replications "
        f"({m['design']['sampler']} sampler, seed {m['design']['seed']}), scenario "
        f"{m['scenario']['name']}. Events: probability with its Wilson 95% interval; "
        "numbers: mean over replications.",
        "",
        "## Across design points",
        "",
        over.to_markdown(index=False, floatfmt=".4g"),
        "",
        "## Per design point",
        "",
        shown.to_markdown(index=False),
    ]
    if n > MAX_MARKDOWN_ROWS:
        lines += ["", f"... {n - MAX_MARKDOWN_ROWS:,} more points in summary.csv"]
    files["markdown"] = out / "summary.md"
    write_text("\n".join(lines) + "\n", files["markdown"])
    files["plot"] = plot_summary(sweep, [o for o in outcomes if o in OUTCOMES], out / "summary.png")
    return files


__all__ = ["Sweep", "open_sweep", "overview", "readable_table", "summary_report", "wide_table"]
