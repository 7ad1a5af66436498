"""Scenario discovery: the regions of parameter space where an event is likely.

A design point is "of interest" when the event's probability there reaches a
threshold (default one half). PRIM (from EMA Workbench) or a shallow decision
tree (scikit-learn) then looks for boxes, ranges on a few parameters, that hold
many points of interest (coverage) and few others (density).

Two readings are reported for each box. `coverage` and `density` are PRIM's,
counted in design points. `probability` and `share_of_events` are counted in
replications: the chance of the event for a replication drawn from the box, and
the share of all the sweep's events that happened inside it. Boolean factors
are given to the algorithms as 0/1 integers (EMA Workbench 2.5.3 with pandas 3
fails on categorical columns), and PRIM's interactive `inspect` is never used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outcomes import OUTCOMES
from ..outputs import write_text
from ..parameters import SPECS
from .analysis import Sweep

ALGORITHMS = ("prim", "tree")


@dataclass
class Discovery:
    outcome: str
    algorithm: str
    threshold: float
    min_density: float
    boxes: pd.DataFrame  # one row per box: its statistics
    limits: pd.DataFrame  # one row per box and restricted parameter
    ranges: dict  # parameter -> (min, max) over the design
    points_of_interest: int
    points: int


def _features(sweep: Sweep) -> pd.DataFrame:
    """Factor values as numbers (booleans 0/1); factors that never vary are left out."""
    x = sweep.points.drop(columns="point").copy()
    for c in x.columns:
        if x[c].dtype == bool:
            x[c] = x[c].astype(np.int64)
    return x[[c for c in x.columns if x[c].nunique() > 1]]


def discover(
    sweep: Sweep,
    outcome: str,
    threshold: float = 0.5,
    algorithm: str = "prim",
    max_boxes: int = 3,
    min_density: float = 0.8,
) -> Discovery:
    if outcome not in OUTCOMES:
        raise InputError(
            f"'{outcome}' is not an event",
            field="--outcome",
            allowed="one of the events: " + ", ".join(e for e in OUTCOMES if e in sweep.outcomes),
        )
    sweep.check_outcomes([outcome])
    if algorithm not in ALGORITHMS:
        raise InputError(f"'{algorithm}'", field="--algorithm", allowed=", ".join(ALGORITHMS))
    if not 0 < threshold <= 1:
        raise InputError(
            f"{threshold}", field="--threshold", allowed="a probability above 0 and at most 1"
        )
    if not 0 < min_density <= 1:
        raise InputError(
            f"{min_density}", field="--min-density", allowed="a share above 0 and at most 1"
        )
    rows = sweep.rows(outcome)
    x = _features(sweep)
    if x.shape[1] == 0:
        raise InputError(
            "no factor varies in this sweep",
            file=str(sweep.path),
            field="DIR",
            allowed="a sweep with at least one varied parameter",
        )
    prob = rows["probability"].to_numpy()
    interest = (prob >= threshold).astype(np.int64)
    if interest.all() or not interest.any():
        raise InputError(
            f"{'every' if interest.all() else 'no'} design point has P({outcome}) >= {threshold:g} "
            f"(it ranges from {prob.min():.3g} to {prob.max():.3g} across points)",
            field="--threshold",
            allowed="a threshold between the lowest and highest probability",
        )
    counts = rows["count"].to_numpy(dtype=np.int64)
    reps = rows["replications"].to_numpy(dtype=np.int64)
    ranges = {c: (_as_kind(c, x[c].min()), _as_kind(c, x[c].max())) for c in x.columns}
    if algorithm == "prim":
        found = _prim(x, interest, min_density, max_boxes)
    else:
        found = _tree(x, interest, max_boxes, seed=sweep.seed)
    box_rows, limit_rows = [], []
    total_events, total_interest = counts.sum(), interest.sum()
    for i, (limits, members, extra) in enumerate(found, start=1):
        k_box = interest[members].sum()
        box_rows.append(
            {
                "box": i,
                "points": int(len(members)),
                "coverage": k_box / total_interest,
                "density": k_box / len(members),
                "mass": len(members) / len(x),
                "probability": counts[members].sum() / reps[members].sum(),
                "share_of_events": counts[members].sum() / total_events if total_events else np.nan,
                "restricted": len(limits),
                **extra,
            }
        )
        for name, (lo, hi, qp) in limits.items():
            limit_rows.append(
                {
                    "box": i,
                    "parameter": name,
                    "low": lo,
                    "high": hi,
                    "design_low": ranges[name][0],
                    "design_high": ranges[name][1],
                    "unit": SPECS[name].unit,
                    "quasi_p": qp,
                }
            )
    boxes = pd.DataFrame(
        box_rows,
        columns=[
            "box",
            "points",
            "coverage",
            "density",
            "mass",
            "probability",
            "share_of_events",
            "restricted",
        ],
    )
    limits = pd.DataFrame(
        limit_rows,
        columns=["box", "parameter", "low", "high", "design_low", "design_high", "unit", "quasi_p"],
    )
    return Discovery(
        outcome,
        algorithm,
        threshold,
        min_density,
        boxes,
        limits,
        ranges,
        int(total_interest),
        len(x),
    )


def _prim(x: pd.DataFrame, y: np.ndarray, min_density: float, max_boxes: int):
    """PRIM boxes: for each, the trajectory box with the best coverage at the density wanted."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    logging.getLogger("EMA").setLevel(logging.WARNING)
    # every factor as float: with pandas 3, EMA Workbench 2.5.3's pasting writes floats into
    # integer box limits and fails; peeled and pasted limits are data values either way
    x = x.astype(np.float64).reset_index(drop=True)
    with warnings.catch_warnings():  # EMA Workbench's own pandas deprecations, not ours
        warnings.simplefilter("ignore")
        p = prim.Prim(
            x,
            y.copy(),
            threshold=min_density,
            peel_alpha=0.05,
            paste_alpha=0.05,
            mass_min=0.05,
            mode=RuleInductionType.BINARY,
        )
    found = []
    for _ in range(max_boxes):
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok = traj[(traj["density"] >= min_density) & (traj["res_dim"] > 0)]
        if ok.empty:  # PRIM handed back the undivided rest: nothing more to find
            break
        best = ok.sort_values(["coverage", "res_dim"], ascending=[False, True]).index[0]
        box.select(int(best))
        lim = box.box_lims[int(best)]
        qp = box.qp[int(best)]
        limits = {}
        for name in x.columns:
            lo, hi = lim.loc[0, name], lim.loc[1, name]
            if lo != p.box_init.loc[0, name] or hi != p.box_init.loc[1, name]:
                q = [v for v in qp.get(name, []) if v is not None and v >= 0]
                limits[name] = (
                    _as_kind(name, lo, "low"),
                    _as_kind(name, hi, "high"),
                    float(max(q)) if q else np.nan,
                )
        found.append((limits, np.asarray(box.yi), {}))
    return found


def _tree(x: pd.DataFrame, y: np.ndarray, max_boxes: int, seed: int):
    """Leaves of a shallow decision tree where points of interest are the majority."""
    from sklearn.tree import DecisionTreeClassifier

    leaf_min = max(1, int(0.05 * len(x)))
    tree = DecisionTreeClassifier(
        max_depth=3, min_samples_leaf=leaf_min, random_state=seed % 2**32
    ).fit(x.to_numpy(), y)
    t = tree.tree_
    leaves = tree.apply(x.to_numpy())
    found = []

    def walk(node, bounds):
        if t.children_left[node] == -1:
            counts = t.value[node][0]
            if tree.classes_[int(np.argmax(counts))] == 1:
                members = np.flatnonzero(leaves == node)
                limits = {}
                for name, (lo, hi) in bounds.items():
                    dlo, dhi = x[name].min(), x[name].max()
                    inside = x[name].to_numpy()[members]
                    # report the tightest range the box's own points span within the split
                    limits[name] = (
                        _as_kind(name, inside.min() if lo is not None else dlo, "low"),
                        _as_kind(name, inside.max() if hi is not None else dhi, "high"),
                        np.nan,
                    )
                found.append((limits, members, {}))
            return
        name = x.columns[t.feature[node]]
        cut = t.threshold[node]
        lo, hi = bounds.get(name, (None, None))
        walk(t.children_left[node], {**bounds, name: (lo, cut)})
        walk(t.children_right[node], {**bounds, name: (cut, hi)})

    walk(0, {})
    found.sort(key=lambda f: -y[f[1]].sum())
    return found[:max_boxes]


def _as_kind(name: str, v, side: str = "exact"):
    """A box limit in its parameter's own type (the algorithms see every factor as a float).

    A limit between two integers (PRIM may cut a 0/1 column at 0.5) becomes the nearest
    integer inside the box: rounded up for a lower limit, down for an upper one.
    """
    v = v.item() if hasattr(v, "item") else v
    kind = SPECS[name].kind
    if kind is float:
        return float(v)
    v = (
        math.ceil(v - 1e-9)
        if side == "low"
        else math.floor(v + 1e-9)
        if side == "high"
        else round(v)
    )
    return bool(v) if kind is bool else int(v)


def write_discovery(sweep: Sweep, disc: Discovery) -> dict:
    from .plots import plot_boxes

    out = sweep.analysis_dir
    stem = f"discover-{disc.outcome}"
    files = {
        "boxes": out / f"{stem}-boxes.csv",
        "limits": out / f"{stem}.csv",
        "markdown": out / f"{stem}.md",
    }
    write_text(disc.boxes.to_csv(index=False), files["boxes"])
    write_text(disc.limits.to_csv(index=False), files["limits"])
    lines = [
        f"# Where is {disc.outcome} likely? ({disc.algorithm})",
        "",
        f"A design point is of interest when P({disc.outcome}) >= {disc.threshold:g}: "
        f"{disc.points_of_interest:,} of {disc.points:,} points. coverage and density count "
        "design points (share of the points of interest inside the box; share of the box's "
        "points that are of interest); probability and share_of_events count replications.",
        "",
    ]
    if disc.boxes.empty:
        lines += [f"No box reaches density {disc.min_density:g}; try a lower --min-density."]
    else:
        lines += [
            "## Boxes",
            "",
            disc.boxes.to_markdown(index=False, floatfmt=".3f"),
            "",
            "## Parameter ranges of each box",
            "",
            disc.limits.to_markdown(index=False, floatfmt=".4g"),
        ]
    write_text("\n".join(lines) + "\n", files["markdown"])
    if not disc.boxes.empty:
        files["plot"] = plot_boxes(disc, out / f"{stem}.png")
    return files


__all__ = ["ALGORITHMS", "Discovery", "discover", "write_discovery"]
