"""Sensitivity for the Sensitivity page, on top of the sweeps package (model.experiments).

Two ways in, one result:

* Run here: the page writes a small Sobol' or Morris design (the same YAML
  `redline sweep` reads), runs it with `run_sweep` in this process into a cache
  directory named by the design's fingerprint, and analyses it with the
  package's own `sobol_indices` / `morris_indices` / `discover`. The design can be
  downloaded: `redline sweep design.yaml --out DIR && redline analyze DIR --method
  sobol` gives the same indices, because blocks and seeds depend on the design only.
* Load: a sweep directory. The indices are read from what `redline analyze`
  wrote (DIR/analysis/sobol.csv or morris.csv; discovered boxes from
  DIR/analysis/discover-<outcome>.csv and -boxes.csv). When the analysis CSV is
  missing but the sweep is complete, the indices are computed from the sweep.

Expected CSV columns (model/experiments/sensitivity.py, discovery.py):
sobol.csv: outcome, parameter, S1, S1_conf, ST, ST_conf;
morris.csv: outcome, parameter, mu, mu_star, mu_star_conf, sigma;
discover-<outcome>.csv: box, parameter, low, high, design_low, design_high, unit, quasi_p;
discover-<outcome>-boxes.csv: box, points, coverage, density, mass, probability, ...
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from model import SPECS, InputError
from model.outcomes import OUTCOMES
from model.parameters import HORIZON, MAX_REPS

from .state import DASHBOARD_MAX_SWEEP_REPS, highest

METHODS = ("sobol", "morris")
INDEX_COLUMNS = {
    "sobol": ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["outcome", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"],
}
LIMIT_COLUMNS = ["box", "parameter", "low", "high", "design_low", "design_high"]
# A starting set: the judgement calls that weigh Seoul's and Moscow's escalation choices,
# plus the one sourced number the room argues about most.
DEFAULT_FACTORS = [
    "seoul.public_opposition",
    "seoul.domestic_cost_weight",
    "seoul.threat_weight",
    "seoul.change_cost",
    "moscow.red_line_weight",
    "moscow.tech_transfer_propensity",
    "nato.pressure",
    "war.ceasefire_hazard",
]
RANGE_RULES = {"half": "half to double the current value", "full": "the whole allowed range"}
CACHE = Path(tempfile.gettempdir()) / "redline-dashboard" / "sweeps"


def factor_choices() -> list[str]:
    """Parameters a sensitivity run can vary: numbers (not switches, not the horizon)."""
    return [n for n, s in SPECS.items() if s.kind is not bool and n != HORIZON]


def factor_range(name: str, value, rule: str = "half", values: Mapping | None = None) -> tuple:
    """The range a factor is varied over: half to double `value` (clipped to the allowed
    range), or the whole allowed range (also when `value` is 0 and halving means nothing).
    With the scenario's `values`, a share of the public ends where it and the other
    share held reach the whole public (state.highest)."""
    spec = SPECS[name]
    top = spec.hi if values is None else highest(name, values)
    lo, hi = spec.lo, top
    if rule == "half" and value:
        lo, hi = max(spec.lo, min(value / 2, value * 2)), min(top, max(value / 2, value * 2))
    if spec.kind is int:
        lo, hi = int(round(lo)), int(round(hi))
        if lo == hi:
            lo, hi = spec.lo, spec.hi
        return int(lo), int(hi)
    if lo == hi:
        lo, hi = spec.lo, spec.hi
    return float(lo), float(hi)


def design_yaml(
    scenario: str,
    fixed: Mapping,
    method: str,
    factors: Mapping[str, tuple],
    samples: int,
    replications: int,
    seed: int,
    name: str = "dashboard",
) -> str:
    """A design file for `redline sweep`: the dashboard runs exactly this."""
    if method not in METHODS:
        raise InputError(f"'{method}'", field="method", allowed=", ".join(METHODS))
    points = samples * (len(factors) + 2) if method == "sobol" else samples * (len(factors) + 1)
    blocks = 20  # a progress bar that moves; part of the design, so the CLI cuts it the same
    per_block = max(replications, -(-points // blocks) * replications)
    spec = {
        "name": name,
        "description": "Written by the redline dashboard's Sensitivity page.",
        "scenario": scenario,
        "fixed": dict(fixed),
        "sampler": method,
        "samples": int(samples),
        "replications": int(replications),
        "seed": int(seed),
        "outcomes": list(OUTCOMES),
        "block_replications": int(min(per_block, MAX_REPS)),
        "factors": {n: {"low": lo, "high": hi} for n, (lo, hi) in factors.items()},
    }
    if method == "sobol":
        spec["second_order"] = False
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)


def parse(text: str, base: Path | None = None):
    from model.experiments.design import parse_design

    design = parse_design(text, "dashboard design", base=base)
    if design.total_replications > DASHBOARD_MAX_SWEEP_REPS:
        raise InputError(
            f"{design.n_points:,} points x {design.spec.replications:,} replications",
            field="samples",
            allowed=f"at most {DASHBOARD_MAX_SWEEP_REPS:,} replications "
            "here; run bigger designs with `redline sweep`",
        )
    return design


def run(design, progress: Callable[[int, int], None] | None = None, root: Path = CACHE):
    """Run (or reuse) the design's sweep in root/<fingerprint>; returns the opened Sweep."""
    from model.experiments.analysis import open_sweep
    from model.experiments.runner import run_sweep
    from model.experiments.store import SweepDir

    out = Path(root) / design.fingerprint()[:20]
    sweep_dir = SweepDir(out)
    if sweep_dir.has_manifest() and sweep_dir.read_manifest().get("status") == "complete":
        return open_sweep(out)
    total = len(design.blocks())
    failure: list[BaseException] = []

    def work():
        try:
            run_sweep(
                design,
                out,
                workers=1,
                resume=not sweep_dir.is_empty(),
                progress=False,
                echo=lambda _m: None,
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="redline-sensitivity", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.25)
        if progress:
            done = (
                len(list(sweep_dir.blocks.glob("block-*.parquet")))
                if sweep_dir.blocks.is_dir()
                else 0
            )
            progress(min(done, total), total)
    if failure:
        raise failure[0]
    return open_sweep(out)


@dataclass
class Analysis:
    """Indices (in the sweeps package's table format) and whatever discovery is at hand."""

    method: str
    table: pd.DataFrame
    source: str
    sweep: object | None = None  # model.experiments.analysis.Sweep when its data is here
    discoveries: dict = field(default_factory=dict)  # outcome -> (boxes, limits)
    skipped: dict = field(default_factory=dict)

    @property
    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(self.table["outcome"]))


def analyse(sweep, outcomes: Sequence[str] | None = None) -> Analysis:
    """Indices of a sweep sampled for Sobol' or Morris, by the package's own functions."""
    from model.experiments.sensitivity import morris_indices, sobol_indices

    method = sweep.sampler
    if method not in METHODS:
        raise InputError(
            f"this sweep was sampled with {method}",
            file=str(sweep.path),
            field="sampler",
            allowed="a sobol or morris sweep (see designs/)",
        )
    wanted = [o for o in (outcomes or sweep.outcomes) if o in OUTCOMES and o in sweep.outcomes]
    idx = (sobol_indices if method == "sobol" else morris_indices)(sweep, wanted)
    return Analysis(method, idx.table, str(sweep.path), sweep, skipped=dict(idx.skipped))


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            f"cannot read it ({type(exc).__name__})",
            file=str(path),
            allowed="a CSV written by `redline analyze`",
        ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"columns {', '.join(missing)} are missing",
            file=str(path),
            allowed="a CSV written by `redline analyze`: " + ", ".join(columns),
        )
    return frame


def load(directory: str | Path) -> Analysis:
    """The analysis in a sweep directory (see the module docstring for the files read)."""
    path = Path(str(directory).strip()).expanduser()
    if not path.is_dir():
        raise InputError(
            "no such directory", file=str(path), allowed="a directory written by `redline sweep`"
        )
    analysis_dir = path / "analysis"
    sweep = None
    try:
        from model.experiments.analysis import open_sweep

        sweep = open_sweep(path)
    except InputError:
        sweep = None
    found = [m for m in METHODS if (analysis_dir / f"{m}.csv").is_file()]
    if sweep is not None and sweep.sampler in found:
        found = [sweep.sampler]
    if found:
        method = found[0]
        table = _read_csv(analysis_dir / f"{method}.csv", INDEX_COLUMNS[method])
        result = Analysis(method, table, str(analysis_dir / f"{method}.csv"), sweep)
    elif sweep is not None:
        result = analyse(sweep)
        result.source = f"{path} (indices computed here; `redline analyze` had not written them)"
    else:
        raise InputError(
            "no sobol.csv or morris.csv in analysis/, and no finished sweep to compute them from",
            file=str(path),
            allowed="a sweep directory after `redline analyze DIR --method sobol` (or morris)",
        )
    for limits_file in sorted(analysis_dir.glob("discover-*.csv")):
        if limits_file.name.endswith("-boxes.csv"):
            continue
        outcome = limits_file.stem.removeprefix("discover-")
        boxes_file = analysis_dir / f"discover-{outcome}-boxes.csv"
        limits = _read_csv(limits_file, LIMIT_COLUMNS)
        boxes = pd.read_csv(boxes_file) if boxes_file.is_file() else pd.DataFrame()
        result.discoveries[outcome] = (boxes, limits)
    return result


def find_sweeps(roots: Sequence[Path]) -> list[Path]:
    """Sweep directories (those with a manifest) under the given folders, newest first."""
    found = []
    for root in roots:
        if Path(root).is_dir():
            found += [p.parent for p in Path(root).glob("*/manifest.json")]
    return sorted(set(found), key=lambda p: p.stat().st_mtime, reverse=True)


def discover(
    analysis: Analysis,
    outcome: str,
    threshold: float,
    algorithm: str = "prim",
    min_density: float = 0.8,
    max_boxes: int = 3,
):
    """Boxes where `outcome` is likely, by the package's `discover` (needs the sweep)."""
    if analysis.sweep is None:
        raise InputError(
            "the sweep's data is not here",
            field="discover",
            allowed="a finished sweep directory, or the discover-<outcome>.csv "
            "files `redline analyze --method discover` writes",
        )
    from model.experiments.discovery import discover as find

    disc = find(
        analysis.sweep,
        outcome,
        threshold=threshold,
        algorithm=algorithm,
        max_boxes=max_boxes,
        min_density=min_density,
    )
    return disc.boxes, disc.limits


def index_frame(analysis: Analysis, outcome: str) -> pd.DataFrame:
    """One outcome's indices, long: parameter, index, value, conf (for the bar chart)."""
    t = analysis.table[analysis.table["outcome"] == outcome]
    if analysis.method == "sobol":
        pairs = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
    else:
        pairs = [("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma")]
    rows = []
    for value, conf, label in pairs:
        rows.append(
            pd.DataFrame(
                {
                    "parameter": t["parameter"],
                    "index": label,
                    "value": t[value].astype(float),
                    "conf": t[conf].astype(float) if conf else 0.0,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def box_frame(limits: pd.DataFrame, box: int) -> pd.DataFrame:
    return limits[limits["box"] == box].reset_index(drop=True)
