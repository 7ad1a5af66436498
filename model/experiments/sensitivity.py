"""Which parameters matter: Sobol' and Morris indices via SALib, labelled by parameter name.

Each outcome is analysed through its per-point mean (an event's probability).
The model is stochastic, so an index also absorbs Monte Carlo noise from the
finite replications per point; more replications shrink that share, and the
bootstrap intervals SALib reports show how far to trust each figure.

Indices are labelled by zipping SALib's arrays with the names of the problem we
built (design order), never by position in some sorted list: SALib and EMA
Workbench both sort names in places, and a swapped label is a silent error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outputs import write_text
from .analysis import Sweep

BOOTSTRAP = 1000


@dataclass
class Indices:
    method: str
    table: pd.DataFrame  # one row per outcome and parameter
    second_order: pd.DataFrame | None = None
    skipped: dict = field(default_factory=dict)  # outcome -> why it has no indices
    noise: dict = field(default_factory=dict)  # outcome -> Monte Carlo share of the variance


def noise_share(sweep: Sweep, outcome: str) -> float:
    """How much of the outcome's variance across points is Monte Carlo noise.

    The mean at each point is estimated from its replications with variance sd^2 / n;
    the average of that over points, against the variance of the means across points,
    is the share no parameter can explain. Every total index carries about this much
    noise, so indices near it say nothing; more replications per point shrink it.
    """
    rows = sweep.rows(outcome)
    between = float(np.var(rows["mean"].to_numpy(dtype=np.float64), ddof=1))
    within = float(
        np.nanmean(
            rows["sd"].to_numpy(dtype=np.float64) ** 2
            / rows["replications"].to_numpy(dtype=np.float64)
        )
    )
    return within / between if between > 0 else float("nan")


def problem(sweep: Sweep) -> dict:
    names = sweep.factors
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _require(sweep: Sweep, method: str) -> None:
    if sweep.sampler != method:
        raise InputError(
            f"--method {method} needs a sweep sampled with sampler {method}; this "
            f"one used {sweep.sampler}",
            file=str(sweep.path),
            field="--method",
            allowed=f"a sweep of a design with sampler: {method}, or --method "
            "summary / discover for this one",
        )


def _outcome_values(sweep: Sweep, outcome: str, expected: int) -> tuple[np.ndarray | None, str]:
    y = sweep.values(outcome)
    if len(y) != expected:
        raise InputError(
            f"{len(y)} design points for {outcome}, expected {expected}",
            file=str(sweep.path),
            field="summary.parquet",
            allowed="a complete sweep written by `redline sweep`",
        )
    if not np.all(np.isfinite(y)):
        return None, "not finite at every point"
    if np.ptp(y) == 0:
        return None, f"constant ({y[0]:.4g}) at every design point"
    return y, ""


def sobol_indices(sweep: Sweep, outcomes: list[str] | None = None) -> Indices:
    from SALib.analyze import sobol

    _require(sweep, "sobol")
    d = sweep.manifest["design"]
    prob = problem(sweep)
    second = bool(d["second_order"])
    n_base = int(d["samples"])
    expected = n_base * (2 * prob["num_vars"] + 2 if second else prob["num_vars"] + 2)
    rows, pairs, skipped, noise = [], [], {}, {}
    for outcome in sweep.check_outcomes(outcomes):
        y, why = _outcome_values(sweep, outcome, expected)
        if y is None:
            skipped[outcome] = why
            continue
        noise[outcome] = noise_share(sweep, outcome)
        si = sobol.analyze(
            prob,
            y,
            calc_second_order=second,
            num_resamples=BOOTSTRAP,
            conf_level=0.95,
            seed=sweep.seed,
        )
        for j, name in enumerate(prob["names"]):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "S1": si["S1"][j],
                    "S1_conf": si["S1_conf"][j],
                    "ST": si["ST"][j],
                    "ST_conf": si["ST_conf"][j],
                }
            )
        if second:
            for a in range(prob["num_vars"]):
                for b in range(a + 1, prob["num_vars"]):
                    pairs.append(
                        {
                            "outcome": outcome,
                            "parameter_1": prob["names"][a],
                            "parameter_2": prob["names"][b],
                            "S2": si["S2"][a, b],
                            "S2_conf": si["S2_conf"][a, b],
                        }
                    )
    table = pd.DataFrame(rows, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    second_df = (
        pd.DataFrame(pairs, columns=["outcome", "parameter_1", "parameter_2", "S2", "S2_conf"])
        if second
        else None
    )
    return Indices("sobol", table, second_df, skipped, noise)


def morris_indices(sweep: Sweep, outcomes: list[str] | None = None) -> Indices:
    from SALib.analyze import morris

    _require(sweep, "morris")
    d = sweep.manifest["design"]
    prob = problem(sweep)
    if sweep.sample is None or list(sweep.sample.columns[1:]) != prob["names"]:
        raise InputError(
            "sample.parquet is missing or does not name the factors",
            file=str(sweep.path),
            field="sample.parquet",
            allowed="a complete sweep written by `redline sweep`",
        )
    x = sweep.sample[prob["names"]].to_numpy(dtype=np.float64)
    rows, skipped, noise = [], {}, {}
    for outcome in sweep.check_outcomes(outcomes):
        y, why = _outcome_values(sweep, outcome, len(x))
        if y is None:
            skipped[outcome] = why
            continue
        noise[outcome] = noise_share(sweep, outcome)
        si = morris.analyze(
            prob,
            x,
            y,
            num_resamples=BOOTSTRAP,
            conf_level=0.95,
            num_levels=int(d["morris_levels"]),
            seed=sweep.seed,
        )
        # SALib returns names with the arrays: check they are ours, in our order
        if list(si["names"]) != prob["names"]:
            raise RuntimeError(f"SALib reordered the parameters: {si['names']}")
        for j, name in enumerate(prob["names"]):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "mu": si["mu"][j],
                    "mu_star": si["mu_star"][j],
                    "mu_star_conf": si["mu_star_conf"][j],
                    "sigma": si["sigma"][j],
                }
            )
    table = pd.DataFrame(
        rows, columns=["outcome", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    )
    return Indices("morris", table, None, skipped, noise)


def noise_note(share: float) -> str:
    if share != share:
        return "Monte Carlo noise: not estimated."
    text = f"Monte Carlo noise is {share:.0%} of this outcome's variance across design points"
    if share >= 0.2:
        return text + (
            "; total indices of about that size are noise, not influence: give the "
            "design more replications per point."
        )
    return text + "."


def rank_key(method: str) -> str:
    return "ST" if method == "sobol" else "mu_star"


def write_indices(sweep: Sweep, idx: Indices) -> dict:
    """analysis/<method>.csv and .md, plus one plot per outcome."""
    from .plots import plot_indices

    out = sweep.analysis_dir
    files = {"csv": out / f"{idx.method}.csv", "markdown": out / f"{idx.method}.md"}
    write_text(idx.table.to_csv(index=False), files["csv"])
    key = rank_key(idx.method)
    title = (
        "Sobol' indices (first order S1, total ST)"
        if idx.method == "sobol"
        else "Morris elementary effects (mu_star: mean absolute effect over the whole range)"
    )
    m = sweep.manifest
    lines = [
        f"# {title}: {m['design']['name']}",
        "",
        f"{m['points']:,} design points x {m['replications_per_point']:,} replications; "
        "outcome = per-point probability (events) or mean (numbers); 95% bootstrap "
        f"intervals over {BOOTSTRAP} resamples.",
        "",
    ]
    for outcome, group in idx.table.groupby("outcome", sort=False):
        lines += [
            f"## {outcome}",
            "",
            noise_note(idx.noise.get(outcome, float("nan"))),
            "",
            group.drop(columns="outcome")
            .sort_values(key, ascending=False)
            .to_markdown(index=False, floatfmt=".4f"),
            "",
        ]
    if idx.second_order is not None and len(idx.second_order):
        files["second_order"] = out / "sobol-second-order.csv"
        write_text(idx.second_order.to_csv(index=False), files["second_order"])
    if idx.skipped:
        lines += ["## Outcomes without indices", ""]
        lines += [f"- {o}: {why}" for o, why in idx.skipped.items()]
    write_text("\n".join(lines) + "\n", files["markdown"])
    files["plots"] = [
        plot_indices(idx, outcome, out / f"{idx.method}-{outcome}.png")
        for outcome in idx.table["outcome"].unique()
    ]
    return files


__all__ = [
    "Indices",
    "morris_indices",
    "noise_note",
    "noise_share",
    "problem",
    "rank_key",
    "sobol_indices",
    "write_indices",
]
