"""What a calibration leaves behind: its tables, a Markdown report and one PNG figure.

waves.parquet holds every point of every wave with each fit target's estimate, Monte
Carlo variance and implausibility; survivors.parquet the last wave's surviving parameter
sets with the held-out targets' figures beside them. The report says, in words, how much
each wave ruled out, which range of each parameter survives, and how well the survivors
meet the targets, the held-out ones above all. Every file goes to a temporary name first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import atomic_path, write_parquet, write_text
from .targets import Target, Targets

LOW, HIGH = 0.05, 0.95  # the survivors' spread shown for each target


def write_waves(tables: list[pd.DataFrame], target: Path) -> None:
    frame = pd.concat(tables, ignore_index=True)
    write_parquet(frame[["wave", *[c for c in frame.columns if c != "wave"]]], target)


def survivors_table(survivors: pd.DataFrame, held: pd.DataFrame | None) -> pd.DataFrame:
    out = survivors.drop(columns=["ruled out", "ruled out by"]).rename(
        columns={"implausibility": "implausibility (fit)"}
    )
    out.insert(0, "wave", out.pop("wave"))
    if held is not None:
        extra = held[
            [
                c
                for c in held.columns
                if c.split(": ")[0] in ("estimate", "variance", "implausibility")
            ]
        ]
        out = pd.concat([out, extra.reset_index(drop=True)], axis=1)
    return out


def target_fit(t: Target, table: pd.DataFrame, cutoff: float) -> dict:
    """The survivors' estimates of one target: median, spread, share within the cut-off."""
    est = table[f"estimate: {t.name}"].to_numpy()
    imp = table[f"implausibility: {t.name}"].to_numpy()
    return {
        "median": float(np.median(est)),
        "low": float(np.quantile(est, LOW)),
        "high": float(np.quantile(est, HIGH)),
        "within": float(np.mean(imp <= cutoff)),
    }


def write_outputs(out, targets: Targets, settings, manifest, tables, survivors, held) -> None:
    out = Path(out)
    write_waves(tables, out / "waves.parquet")
    table = survivors_table(survivors, held)
    write_parquet(table, out / "survivors.parquet")
    plot(out / "report.png", targets, settings, manifest, table)
    write_text(markdown(targets, settings, manifest, tables, table), out / "report.md")


# --- the Markdown report ------------------------------------------------------------------


def _md(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v).replace("|", "/") for v in r) + " |" for r in frame.values]
    return "\n".join([head, rule, *rows])


def _num(v: float) -> str:
    return f"{v:.3g}"


def markdown(targets: Targets, settings, manifest: dict, tables, table: pd.DataFrame) -> str:
    s = settings
    waves = [manifest["waves"][f"wave {w}"] for w in range(1, s.waves + 1)]
    seconds = sum(w.get("seconds", 0.0) for w in waves)
    lines = [
        f"# Calibration against the record: {targets.name}",
        "",
        *([" ".join(targets.spec.description.split()), ""] if targets.spec.description else []),
        f"{s.waves} waves of {s.points:,} parameter sets over {len(targets.free)} free "
        f"parameters; each set is an ensemble of {s.replications:,} replications of every "
        f"scenario the fit targets read; seed {s.seed}; cut-off {s.cutoff:g}. redline "
        f"{manifest.get('package_version')}"
        + (f" (commit {manifest['git_commit'][:10]})" if manifest.get("git_commit") else "")
        + f"; targets file {Path(targets.origin).name} (sha256 {targets.sha256[:12]}).",
        "",
        "## Method",
        "",
        "History matching in waves. For each parameter set and target the ensemble gives an "
        "estimate E with its Monte Carlo variance V; the implausibility is "
        "|E - z| / sqrt(V + tolerance² + discrepancy²), where z is the observed value (for a "
        "target that says *at least* or *at most* only a shortfall on that side counts). A "
        "parameter set is ruled out when its largest implausibility over the fit targets is "
        f"above {s.cutoff:g}. Wave 1 is a Latin hypercube over the free ranges. Each later wave "
        "samples the region not yet ruled out: a Latin hypercube over the survivors' bounding "
        "box, widened by the previous design's typical spacing, keeping the candidates that lie "
        "within that spacing of a survivor (the closest ones if too few do). A response target "
        "is the difference between two scenarios, estimated replication by replication from "
        "common random numbers. The held-out targets take no part in ruling sets out: they "
        "are evaluated once, on the last wave's survivors.",
        "",
        "## Waves",
        "",
        _md(
            pd.DataFrame(
                [
                    {
                        "wave": k,
                        "parameter sets": f"{w['points']:,}",
                        "ruled out": f"{w['ruled_out']:,}",
                        "share ruled out": f"{w['ruled_out'] / w['points']:.0%}",
                        "left": f"{w['survivors']:,}",
                        "smallest implausibility": f"{w['smallest_implausibility']:.2f}",
                        "ruled out most often by": max(w["ruled_out_by"], key=w["ruled_out_by"].get)
                        if w["ruled_out_by"]
                        else "-",
                    }
                    for k, w in enumerate(waves, start=1)
                ]
            )
        ),
        "",
        f"Time for the waves: {seconds:,.1f} s in this directory's sessions.",
        "",
        "## Surviving ranges",
        "",
        f"The {len(table):,} parameter sets left after wave {s.waves} (survivors.parquet).",
        "",
        _md(
            pd.DataFrame(
                [
                    {
                        "parameter": f.name,
                        "range searched": f"{_num(f.low)} to {_num(f.high)}",
                        "surviving range": f"{_num(table[f.name].min())} to "
                        f"{_num(table[f.name].max())}",
                        "share of the range kept": f"{(table[f.name].max() - table[f.name].min()) / (f.high - f.low):.0%}",
                        "middle 90% of survivors": f"{_num(table[f.name].quantile(LOW))} to "
                        f"{_num(table[f.name].quantile(HIGH))}",
                        "median of survivors": _num(float(table[f.name].median())),
                    }
                    for f in targets.free
                ]
            )
        ),
        "",
    ]
    for title, group in (
        ("Held-out targets (not used to rule sets out)", targets.held_out),
        ("Fit targets", targets.fit),
    ):
        if not group:
            continue
        rows = []
        for t in group:
            fit = target_fit(t, table, s.cutoff)
            rows.append(
                {
                    "target": t.name,
                    "what it says": t.description,
                    "what is compared": t.what(),
                    "observed": t.observation(),
                    "tolerance": f"{t.tolerance:g}",
                    "discrepancy": f"{t.discrepancy:g}",
                    "ruled out when the estimate is": t.rule_out_when(s.cutoff),
                    "survivors' estimate (median; 5% to 95%)": f"{_num(fit['median'])}; "
                    f"{_num(fit['low'])} to {_num(fit['high'])}",
                    "survivors within the cut-off": f"{fit['within']:.0%}",
                    "sources": ", ".join(t.source),
                }
            )
        lines += [f"## {title}", "", _md(pd.DataFrame(rows)), ""]
    lines += [
        "The estimate that rules a set out is given without Monte Carlo noise, which widens "
        "the band a little for noisy estimates.",
        "",
        "## Files",
        "",
        "- `survivors.parquet`: the surviving parameter sets, with every target's estimate, "
        "Monte Carlo variance and implausibility",
        "- `waves.parquet`: every parameter set of every wave, with the fit targets' figures, "
        "its largest implausibility and whether it was ruled out",
        "- `manifest.json`: versions, the targets file's hash, seeds, settings and each wave's "
        "figures; `waves/`: each wave's design, block plan and block files",
        "- `report.png`: the share ruled out per wave, the surviving ranges and the held-out fit",
        "",
    ]
    return "\n".join(lines)


# --- the figure -------------------------------------------------------------------------------


def plot(target: Path, targets: Targets, settings, manifest: dict, table: pd.DataFrame) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = settings
    waves = [manifest["waves"][f"wave {w}"] for w in range(1, s.waves + 1)]
    shown = targets.held_out or targets.fit
    d = len(targets.free)
    fig, axes = plt.subplots(
        3,
        1,
        figsize=(9, 3 + 0.3 * d + 0.45 * len(shown) + 2.5),
        gridspec_kw={"height_ratios": [2.2, 1 + 0.3 * d, 1 + 0.45 * len(shown)]},
    )
    ax = axes[0]
    share = [w["ruled_out"] / w["points"] for w in waves]
    bars = ax.bar([f"wave {k}" for k in range(1, len(waves) + 1)], share, color="#b2182b")
    for bar, w in zip(bars, waves):
        ax.annotate(
            f"{w['ruled_out']:,} of {w['points']:,}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("share ruled out")
    ax.set_title("Parameter sets ruled out in each wave")

    ax = axes[1]
    y = np.arange(d)[::-1]
    for yi, f in zip(y, targets.free):
        x = (table[f.name].to_numpy(dtype=float) - f.low) / (f.high - f.low)
        mid = np.quantile(x, [LOW, HIGH])
        ax.barh(yi, 1.0, color="#dddddd", height=0.6)
        ax.barh(yi, x.max() - x.min(), left=x.min(), color="#92c5de", height=0.6)
        ax.barh(yi, mid[1] - mid[0], left=mid[0], color="#2166ac", height=0.6)
        ax.plot([np.median(x)], [yi], marker="|", color="white", markersize=12)
        ax.text(1.01, yi, f"{_num(f.low)} to {_num(f.high)}", va="center", fontsize="x-small")
    ax.set_yticks(y, [f.name for f in targets.free], fontsize="small")
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_title(
        f"Where the {len(table):,} survivors lie in the range searched (grey): all of them "
        "(light blue),\nthe middle 90% (blue) and the median (white)",
        fontsize="medium",
    )

    ax = axes[2]
    y = np.arange(len(shown))[::-1]
    for yi, t in zip(y, shown):
        est = table[f"estimate: {t.name}"].to_numpy()
        low, high = t.band(s.cutoff)
        if t.is_share:  # a share's band stops at 0 and 1
            span = [max(low, 0.0), min(high, 1.0)]
        else:
            edge = (min(est.min(), t.observed), max(est.max(), t.observed))
            pad = 0.1 * (edge[1] - edge[0] or 1.0)
            span = [max(low, edge[0] - pad), min(high, edge[1] + pad)]
        q05, q25, q50, q75, q95 = np.quantile(est, [LOW, 0.25, 0.5, 0.75, HIGH])
        ax.plot([q05, q95], [yi, yi], color="#2166ac", linewidth=1)
        ax.barh(
            yi, max(q75 - q25, 1e-3), left=q25, height=0.4, color="#92c5de", edgecolor="#2166ac"
        )
        ax.plot([q50], [yi], marker="|", color="#2166ac", markersize=14)
        ax.plot([t.observed], [yi], marker="D", color="#b2182b", zorder=3)
        ax.plot(span, [yi - 0.35, yi - 0.35], color="#b2182b", alpha=0.4, linewidth=3)
    ax.set_yticks(y, [t.name for t in shown], fontsize="small")
    kind = "held-out" if targets.held_out else "fit"
    ax.set_title(
        f"The survivors' estimates of the {kind} targets (box: middle half, line: middle 90%),\n"
        "the observed value (diamond) and the band an estimate must fall in to survive (red)",
        fontsize="medium",
    )
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return target


__all__ = ["markdown", "plot", "survivors_table", "target_fit", "write_outputs", "write_waves"]
