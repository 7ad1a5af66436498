"""What a calibration leaves behind: its tables, a Markdown report and one PNG figure.

waves.parquet holds every point of every wave with each fit target's estimate, Monte
Carlo variance and implausibility; survivors.parquet the last wave's surviving parameter
sets with the held-out targets' figures beside them. The report says, in words, how much
each wave ruled out, which range of each parameter survives, and how well the survivors
meet the targets, the held-out ones above all. A refinement by ABC-SMC (`abc`) adds a
section (its populations, and each parameter's posterior beside its surviving range) and
report-abc.png. Every file goes to a temporary name first.
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
    posterior = out / "posterior.parquet"
    refined = (manifest.get("abc") or {}).get("status") == "complete" and posterior.is_file()
    write_text(
        markdown(
            targets,
            settings,
            manifest,
            tables,
            table,
            pd.read_parquet(posterior) if refined else None,
        ),
        out / "report.md",
    )


def write_abc_outputs(out, targets: Targets, manifest, survivors, posterior) -> None:
    """After a refinement: report-abc.png, and report.md again with its section."""
    from .engine import settings_for

    out = Path(out)
    settings = settings_for({}, manifest)
    plot_abc(out / "report-abc.png", targets, manifest, survivors, posterior)
    write_text(markdown(targets, settings, manifest, None, survivors, posterior), out / "report.md")


# --- the Markdown report ------------------------------------------------------------------


def _md(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v).replace("|", "/") for v in r) + " |" for r in frame.values]
    return "\n".join([head, rule, *rows])


def _num(v: float) -> str:
    return f"{v:.3g}"


def markdown(
    targets: Targets,
    settings,
    manifest: dict,
    tables,
    table: pd.DataFrame,
    posterior: pd.DataFrame | None = None,
) -> str:
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
    ]
    if posterior is not None:
        lines += abc_section(targets, manifest, table, posterior)
    lines += [
        "## Files",
        "",
        "- `survivors.parquet`: the surviving parameter sets, with every target's estimate, "
        "Monte Carlo variance and implausibility",
        "- `waves.parquet`: every parameter set of every wave, with the fit targets' figures, "
        "its largest implausibility and whether it was ruled out",
        "- `manifest.json`: versions, the targets file's hash, seeds, settings and each wave's "
        "figures; `waves/`: each wave's design, block plan and block files",
        "- `report.png`: the share ruled out per wave, the surviving ranges and the held-out fit",
        *(
            [
                "- `posterior.parquet`: the ABC-SMC posterior, one row per particle of the last "
                "population: its parameters, its weight (its posterior probability; they sum "
                "to 1), its largest implausibility and each fit target's estimate, variance and "
                "implausibility",
                "- `abc-history.db`: pyabc's history of every population (SQLite; "
                "`pyabc.History('sqlite:///abc-history.db')` reads it)",
                "- `report-abc.png`: epsilon per population, and each parameter's posterior "
                "within its surviving range",
            ]
            if posterior is not None
            else []
        ),
        "",
    ]
    return "\n".join(lines)


# --- the refinement by ABC-SMC --------------------------------------------------------------


def weighted_quantiles(values, weights, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted distribution)."""
    return np.quantile(
        np.asarray(values, dtype=float), qs, weights=np.asarray(weights), method="inverted_cdf"
    )


def abc_section(targets: Targets, manifest: dict, table: pd.DataFrame, posterior) -> list[str]:
    abc = manifest["abc"]
    s = abc["settings"]
    pops = abc["populations"]
    w = posterior["weight"].to_numpy()
    prior = abc["prior"]
    rows = []
    for f in targets.free:
        low, med, high = weighted_quantiles(posterior[f.name], w, [LOW, 0.5, HIGH])
        p = prior[f.name]
        held = "held at" in p
        span = 0.0 if held else p["high"] - p["low"]
        rows.append(
            {
                "parameter": f.name,
                "surviving range (the prior)": f"held at {_num(p['held at'])}"
                if held
                else f"{_num(p['low'])} to {_num(p['high'])}",
                "posterior median": _num(med),
                "posterior 90% range": f"{_num(low)} to {_num(high)}",
                "share of the surviving range": "-" if held else f"{(high - low) / span:.0%}",
                "survivors' median": _num(float(table[f.name].median())),
            }
        )
    fits = []
    for t in targets.fit:
        est = posterior[f"estimate: {t.name}"]
        lo, med, hi = weighted_quantiles(est, w, [LOW, 0.5, HIGH])
        fits.append(
            {
                "target": t.name,
                "observed": t.observation(),
                "posterior's estimate (median; 5% to 95%)": f"{_num(med)}; {_num(lo)} to "
                f"{_num(hi)}",
                "survivors' estimate (median)": _num(float(table[f"estimate: {t.name}"].median())),
            }
        )
    ess = abc["posterior"]["effective_sample_size"]
    seconds = sum(p.get("seconds") or 0.0 for p in pops)
    return [
        "## Refinement by ABC-SMC",
        "",
        f"ABC-SMC (pyabc {abc.get('pyabc')}) inside the surviving region: up to "
        f"{s['populations']} populations of {s['size']:,} particles; each particle an ensemble "
        f"of {s['replications']:,} replications of every scenario the fit targets read; seed "
        f"{s['seed']}; minimum epsilon {s['min_epsilon']:g}. The prior is uniform on each "
        "parameter's surviving range (the survivors' smallest to largest value, within the "
        "register's range). The distance is a particle's largest implausibility over the fit "
        "targets, the measure the waves rule sets out by; the held-out targets take no part. "
        f"Population 0 accepts at the cut-off ({manifest['settings']['cutoff']:g}); each later "
        "one at the weighted median of the previous population's distances (pyabc's "
        f"QuantileEpsilon), never below the minimum. Stopped: {abc.get('stopped', '-')}.",
        "",
        _md(
            pd.DataFrame(
                [
                    {
                        "population": p["population"],
                        "epsilon": f"{p['epsilon']:.3g}",
                        "accepted": f"{p['particles']:,}",
                        "model runs": f"{p['model_runs']:,}",
                        "acceptance rate": f"{p['acceptance_rate']:.0%}",
                        "effective sample size": f"{p['effective_sample_size']:,.0f}",
                    }
                    for p in pops
                ]
            )
        ),
        "",
        f"The posterior is the last population's {len(posterior):,} weighted particles "
        f"(posterior.parquet; effective sample size {ess:,.0f}); {abc.get('model_runs', 0):,} "
        f"model runs in all, {seconds:,.1f} s.",
        "",
        _md(pd.DataFrame(rows)),
        "",
        "The fit targets under the posterior:",
        "",
        _md(pd.DataFrame(fits)),
        "",
        "The held-out targets are not run again for the posterior. `redline run SCENARIO "
        "--calibrated DIR --posterior` draws each world's weights from the posterior, each set "
        "with its posterior probability.",
        "",
    ]


def plot_abc(target: Path, targets: Targets, manifest: dict, table, posterior) -> Path:
    """Epsilon per population, and each parameter's posterior within its surviving range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    abc = manifest["abc"]
    pops = abc["populations"]
    d = len(targets.free)
    w = posterior["weight"].to_numpy()
    fig, axes = plt.subplots(
        2, 1, figsize=(9, 4.5 + 0.3 * d), gridspec_kw={"height_ratios": [2, 1 + 0.3 * d]}
    )
    ax = axes[0]
    x = [p["population"] for p in pops]
    bars = ax.bar([str(v) for v in x], [p["epsilon"] for p in pops], color="#2166ac")
    for bar, p in zip(bars, pops):
        ax.annotate(
            f"{p['acceptance_rate']:.0%} accepted",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.axhline(abc["settings"]["min_epsilon"], color="#b2182b", linestyle="--", linewidth=1)
    ax.set_xlabel("population")
    ax.set_ylabel("epsilon (largest implausibility)")
    ax.set_ylim(0, max(p["epsilon"] for p in pops) * 1.2)
    ax.set_title("Epsilon of each population (dashed: the minimum) and its acceptance rate")

    ax = axes[1]
    y = np.arange(d)[::-1]
    for yi, f in zip(y, targets.free):
        span = f.high - f.low

        def unit(v, f=f, span=span):
            return (np.asarray(v, dtype=float) - f.low) / span

        ax.barh(yi, 1.0, color="#dddddd", height=0.6)
        s = unit(table[f.name])
        ax.barh(yi, s.max() - s.min(), left=s.min(), color="#92c5de", height=0.6)
        lo, med, hi = unit(weighted_quantiles(posterior[f.name], w, [LOW, 0.5, HIGH]))
        ax.barh(yi, max(hi - lo, 1e-3), left=lo, color="#2166ac", height=0.6)
        ax.plot([med], [yi], marker="|", color="white", markersize=12)
        ax.text(1.01, yi, f"{_num(f.low)} to {_num(f.high)}", va="center", fontsize="x-small")
    ax.set_yticks(y, [f.name for f in targets.free], fontsize="small")
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_title(
        "Each parameter in the range searched (grey): the surviving range, ABC-SMC's prior "
        "(light blue),\nthe posterior's middle 90% (blue) and its median (white)",
        fontsize="medium",
    )
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return target


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


__all__ = [
    "abc_section",
    "markdown",
    "plot",
    "plot_abc",
    "survivors_table",
    "target_fit",
    "weighted_quantiles",
    "write_abc_outputs",
    "write_outputs",
    "write_waves",
]
