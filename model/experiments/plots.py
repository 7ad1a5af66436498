"""PNG figures for the analysis folder (matplotlib, Agg: no display needed on a cluster).

Every figure is written through a temporary name like every other output.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..outputs import atomic_path  # noqa: E402

MAX_BARS = 25


def _save(fig, target: Path) -> Path:
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return target


def plot_indices(idx, outcome: str, target: Path) -> Path:
    """Tornado chart: parameters ranked by ST (Sobol') or mu_star (Morris), with 95% intervals."""
    t = idx.table[idx.table["outcome"] == outcome]
    if idx.method == "sobol":
        t = t.sort_values("ST", ascending=True).tail(MAX_BARS)
        bars = [("ST", "ST_conf", "total (ST)"), ("S1", "S1_conf", "first order (S1)")]
    else:
        t = t.sort_values("mu_star", ascending=True).tail(MAX_BARS)
        bars = [("mu_star", "mu_star_conf", "mu* (mean |effect|)")]
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.35 * len(t)))
    height = 0.8 / len(bars)
    for k, (col, conf, label) in enumerate(bars):
        ax.barh(
            y + (k - (len(bars) - 1) / 2) * height,
            t[col],
            height=height,
            xerr=t[conf],
            capsize=2,
            label=label,
        )
    ax.set_yticks(y, t["parameter"])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("index (95% bootstrap interval)")
    ax.set_title(f"{outcome}: {'Sobol' if idx.method == 'sobol' else 'Morris'}")
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, target)


def plot_summary(sweep, events: list[str], target: Path) -> Path:
    """Few points: each event's probability per point with its interval; many: their spread."""
    n = len(sweep.points)
    fig, ax = plt.subplots(figsize=(max(6, min(16, 0.35 * n + 3)) if n <= 40 else 8, 4.5))
    if n <= 40:
        width = 0.8 / max(1, len(events))
        x = np.arange(n)
        for k, e in enumerate(events):
            rows = sweep.rows(e)
            p = rows["probability"].to_numpy()
            err = np.vstack([p - rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy() - p])
            ax.bar(
                x + (k - (len(events) - 1) / 2) * width,
                p,
                width=width,
                yerr=err,
                capsize=1.5,
                label=e,
            )
        ax.set_xticks(x, sweep.points["point"].astype(str))
        ax.set_xlabel("design point")
    else:
        ax.boxplot([sweep.values(e) for e in events], vert=False, tick_labels=events)
        ax.set_xlabel(f"probability across {n:,} design points")
    ax.set_ylabel("probability" if n <= 40 else "")
    ax.set_title(f"{sweep.manifest['design']['name']}: events per design point")
    if n <= 40:
        ax.legend(fontsize="small")
    return _save(fig, target)


def _span(r) -> tuple[float, float]:
    """Where a limit sits in the design's range: integers and booleans as whole cells."""
    discrete = isinstance(r.low, (bool, int, np.integer)) and isinstance(r.design_low, (bool, int))
    if discrete:
        cells = int(r.design_high) - int(r.design_low) + 1
        return (int(r.low) - int(r.design_low)) / cells, (
            int(r.high) - int(r.design_low) + 1
        ) / cells
    width = float(r.design_high) - float(r.design_low)
    return (float(r.low) - float(r.design_low)) / width, (
        float(r.high) - float(r.design_low)
    ) / width


def _label(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return f"{v:.4g}"


def plot_boxes(disc, target: Path) -> Path:
    """Each discovered box as bars over its restricted parameters, on the design's range."""
    boxes = disc.boxes
    fig, axes = plt.subplots(
        len(boxes),
        1,
        squeeze=False,
        figsize=(8, sum(1.0 + 0.45 * max(1, r) for r in boxes["restricted"])),
    )
    for ax, box in zip(axes[:, 0], boxes.itertuples()):
        lim = disc.limits[disc.limits["box"] == box.box]
        y = np.arange(len(lim))
        spans = [_span(r) for r in lim.itertuples()]
        ax.barh(
            y,
            [hi - lo for lo, hi in spans],
            left=[lo for lo, _ in spans],
            color="tab:red",
            alpha=0.6,
        )
        ax.barh(y, 1.0, left=0.0, color="none", edgecolor="grey")
        for yy, r in zip(y, lim.itertuples()):
            text = _label(r.low) if r.low == r.high else f"{_label(r.low)} to {_label(r.high)}"
            ax.text(1.02, yy, text, va="center", fontsize="small")
        ax.set_yticks(y, lim["parameter"])
        ax.set_xlim(0, 1)
        ax.set_title(
            f"box {box.box}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
            f"P({disc.outcome}) {box.probability:.0%}",
            fontsize="medium",
        )
    axes[-1, 0].set_xlabel("position within the design's range of each parameter")
    return _save(fig, target)


__all__ = ["plot_boxes", "plot_indices", "plot_summary"]
