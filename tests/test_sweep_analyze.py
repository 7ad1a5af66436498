"""`redline analyze`: summary tables, Sobol' and Morris indices, scenario discovery, and errors."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.experiments import load_design, run_sweep
from model.experiments.analysis import open_sweep
from model.experiments.discovery import discover
from model.experiments.sensitivity import morris_indices, noise_share, sobol_indices

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"

# Factors listed out of alphabetical order, so a label taken from a sorted list would be wrong.
# ceasefire depends on war.ceasefire_hazard alone; final_public_opposition mostly on
# seoul.public_opposition: the indices must say so, under those names.
FACTORS = """
factors:
  war.ceasefire_hazard: {low: 0.0, high: 0.08}
  seoul.public_opposition: {low: 0.4, high: 0.79}
  decision.rationality: {low: 0.5, high: 2.0}
"""
COMMON = """
scenario: november-2024
seed: 41
outcomes: [ceasefire, lethal_aid, troops_sent, final_public_opposition]
"""


def sweep_of(tmp, text, name):
    path = tmp / f"{name}.yaml"
    path.write_text(text)
    out = tmp / name
    run_sweep(load_design(path), out, workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analyze")
    return {
        "sobol": sweep_of(
            tmp, COMMON + FACTORS + "sampler: sobol\nsamples: 64\nreplications: 60\n", "sobol"
        ),
        "morris": sweep_of(
            tmp, COMMON + FACTORS + "sampler: morris\nsamples: 12\nreplications: 150\n", "morris"
        ),
        "lhs": sweep_of(
            tmp,
            COMMON + FACTORS + "  seoul.step_by_step: {levels: [false, true]}\n"
            "sampler: lhs\nsamples: 300\nreplications: 60\n",
            "lhs",
        ),
        "grid": sweep_of(
            tmp,
            COMMON + "sampler: grid\nreplications: 200\nfactors:\n"
            "  war.ceasefire_hazard: {levels: [0.0, 0.05]}\n"
            "  seoul.step_by_step: {levels: [true, false]}\n",
            "grid",
        ),
        "tmp": tmp,
    }


def invoke(*args):
    r = runner.invoke(app, ["analyze", *map(str, args)])
    return r


# --- summary -----------------------------------------------------------------------------------


def test_summary_tables_per_design_point(sweeps):
    out = sweeps["grid"]
    r = invoke(out)
    assert r.exit_code == 0, r.output
    wide = pd.read_csv(out / "analysis" / "summary.csv")
    assert len(wide) == 4 and list(wide["point"]) == [0, 1, 2, 3]
    assert {
        "war.ceasefire_hazard",
        "seoul.step_by_step",
        "ceasefire",
        "ceasefire_ci_low",
        "ceasefire_median_months",
        "final_public_opposition_mean",
    } <= set(wide.columns)
    # no ceasefire is possible at hazard 0; at 5% a month over 24 months most worlds see one
    assert (wide.loc[wide["war.ceasefire_hazard"] == 0.0, "ceasefire"] == 0).all()
    assert (wide.loc[wide["war.ceasefire_hazard"] == 0.05, "ceasefire"] > 0.6).all()
    summary = pd.read_parquet(out / "summary.parquet")
    row = summary[(summary["point"] == 3) & (summary["outcome"] == "ceasefire")].iloc[0]
    assert wide.loc[3, "ceasefire"] == row["probability"]
    md = (out / "analysis" / "summary.md").read_text()
    assert "## Per design point" in md and "## Across design points" in md
    table_rows = [x for x in md.splitlines() if x.startswith("|") and "%" in x]
    assert len(table_rows) == 4 and all("(" in x for x in table_rows)
    assert (out / "analysis" / "summary.png").read_bytes()[:8] == PNG
    assert "ceasefire" in r.output and "war.ceasefire_hazard" in r.output


def test_summary_can_be_limited_to_chosen_outcomes(sweeps):
    r = invoke(sweeps["grid"], "--outcome", "ceasefire")
    assert r.exit_code == 0, r.output
    wide = pd.read_csv(sweeps["grid"] / "analysis" / "summary.csv")
    assert "lethal_aid" not in wide.columns and "ceasefire" in wide.columns


# --- Sobol' ------------------------------------------------------------------------------------


def test_sobol_indices_are_labelled_by_parameter_name(sweeps):
    idx = sobol_indices(open_sweep(sweeps["sobol"]))
    assert set(idx.table["parameter"]) == {
        "war.ceasefire_hazard",
        "seoul.public_opposition",
        "decision.rationality",
    }
    by = idx.table.set_index(["outcome", "parameter"])
    assert by.loc[("ceasefire", "war.ceasefire_hazard"), "ST"] > 0.7
    for other in ("seoul.public_opposition", "decision.rationality"):
        assert by.loc[("ceasefire", other), "ST"] < 0.2
    assert by.loc[("final_public_opposition", "seoul.public_opposition"), "ST"] > 0.5
    assert (idx.table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert idx.second_order is not None and len(idx.second_order) == 3 * len(
        idx.table["outcome"].unique()
    )
    assert "troops_sent" in idx.skipped  # never happens here: no variance to apportion


def test_monte_carlo_noise_share_is_reported_per_outcome(sweeps):
    sweep = open_sweep(sweeps["sobol"])
    idx = sobol_indices(sweep)
    assert set(idx.noise) == set(idx.table["outcome"])
    rows = sweep.rows("ceasefire")
    within = np.mean(rows["sd"] ** 2 / rows["replications"])
    assert noise_share(sweep, "ceasefire") == pytest.approx(within / np.var(rows["mean"], ddof=1))
    # 60 replications of a probability that spans 0 to ~0.85: noise is a small share
    assert 0 < idx.noise["ceasefire"] < 0.2


def test_sobol_command_writes_tables_and_plots(sweeps):
    out = sweeps["sobol"]
    r = invoke(out, "--method", "sobol")
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "analysis" / "sobol.csv")
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    top = table[table["outcome"] == "ceasefire"].sort_values("ST").iloc[-1]
    assert top["parameter"] == "war.ceasefire_hazard"
    assert (out / "analysis" / "sobol-second-order.csv").is_file()
    assert (out / "analysis" / "sobol-ceasefire.png").read_bytes()[:8] == PNG
    md = (out / "analysis" / "sobol.md").read_text()
    assert "## ceasefire" in md and "troops_sent" in md  # listed as without indices
    assert "Monte Carlo noise is" in md and "Monte Carlo noise is" in r.output
    assert "war.ceasefire_hazard" in r.output and "top parameters by ST" in r.output


# --- Morris ------------------------------------------------------------------------------------


def test_morris_indices_are_labelled_by_parameter_name(sweeps):
    idx = morris_indices(open_sweep(sweeps["morris"]))
    by = idx.table.set_index(["outcome", "parameter"])
    hazard = by.loc[("ceasefire", "war.ceasefire_hazard"), "mu_star"]
    assert hazard > 0.5  # moving the hazard over its range moves P(ceasefire) by most of it
    for other in ("seoul.public_opposition", "decision.rationality"):
        assert by.loc[("ceasefire", other), "mu_star"] < hazard / 4
    assert by.loc[("ceasefire", "war.ceasefire_hazard"), "mu"] > 0


def test_morris_command_writes_tables_and_plots(sweeps):
    out = sweeps["morris"]
    r = invoke(out, "--method", "morris", "--outcome", "ceasefire")
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "analysis" / "morris.csv")
    assert set(table["outcome"]) == {"ceasefire"}
    assert list(table.columns) == ["outcome", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert (out / "analysis" / "morris-ceasefire.png").read_bytes()[:8] == PNG


# --- discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["prim", "tree"])
def test_discovery_finds_the_hazard_that_makes_a_ceasefire_likely(sweeps, algorithm):
    """P(ceasefire within 24 months) = 1 - (1 - h)^24 reaches 1/2 at h = 0.0285: the box must
    put its lower limit on war.ceasefire_hazard near there, and need nothing else much."""
    disc = discover(open_sweep(sweeps["lhs"]), "ceasefire", threshold=0.5, algorithm=algorithm)
    assert not disc.boxes.empty
    box = disc.boxes.iloc[0]
    limits = disc.limits[disc.limits["box"] == box["box"]].set_index("parameter")
    assert "war.ceasefire_hazard" in limits.index
    assert 0.018 < limits.loc["war.ceasefire_hazard", "low"] < 0.04
    assert box["density"] >= 0.7 and box["coverage"] >= 0.6
    assert box["probability"] > 0.5
    assert 0 < box["share_of_events"] <= 1
    assert disc.points == 300 and 0 < disc.points_of_interest < 300


def test_discover_command_writes_tables_and_box_plot(sweeps):
    out = sweeps["lhs"]
    r = invoke(out, "--method", "discover", "--outcome", "ceasefire")
    assert r.exit_code == 0, r.output
    boxes = pd.read_csv(out / "analysis" / "discover-ceasefire-boxes.csv")
    limits = pd.read_csv(out / "analysis" / "discover-ceasefire.csv")
    assert {"coverage", "density", "probability", "share_of_events"} <= set(boxes.columns)
    assert "war.ceasefire_hazard" in set(limits["parameter"])
    assert (out / "analysis" / "discover-ceasefire.png").read_bytes()[:8] == PNG
    assert "coverage" in r.output and "war.ceasefire_hazard" in r.output


def test_boolean_factors_are_reported_as_booleans(sweeps):
    disc = discover(open_sweep(sweeps["lhs"]), "ceasefire", threshold=0.5, algorithm="tree")
    assert disc.ranges["seoul.step_by_step"] == (False, True)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "which,args,field",
    [
        ("lhs", ["--method", "sobol"], "--method"),
        ("sobol", ["--method", "morris"], "--method"),
        ("lhs", ["--method", "magic"], "--method"),
        ("lhs", ["--method", "discover"], "--outcome"),
        ("lhs", ["--method", "discover", "--outcome", "final_public_opposition"], "--outcome"),
        ("lhs", ["--method", "discover", "--outcome", "nukes"], "--outcome"),
        ("lhs", ["--method", "discover", "--outcome", "troops_sent"], "--threshold"),
        (
            "lhs",
            ["--method", "discover", "--outcome", "ceasefire", "--threshold", "0"],
            "--threshold",
        ),
        ("sobol", ["--method", "sobol", "--outcome", "shells_transferred"], "--outcome"),
    ],
)
def test_analysis_that_does_not_fit_exits_2(sweeps, which, args, field):
    r = invoke(sweeps[which], *args)
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert line.startswith("error:") and field in line and "allowed" in line
    assert "Traceback" not in r.output


def test_analyze_refuses_an_unfinished_sweep_and_says_how_to_finish(sweeps, tmp_path):
    out = tmp_path / "unfinished"
    out.mkdir()
    manifest = json.loads((sweeps["grid"] / "manifest.json").read_text())
    manifest["status"] = "interrupted"
    (out / "manifest.json").write_text(json.dumps(manifest))
    r = invoke(out)
    assert r.exit_code == 2
    assert str(out) in r.output and "--resume" in r.output


def test_analyze_refuses_a_directory_that_is_not_a_sweep(tmp_path):
    r = invoke(tmp_path)
    assert r.exit_code == 2 and "manifest.json" in r.output
    r = invoke(tmp_path / "missing")
    assert r.exit_code == 2 and "no such directory" in r.output


def test_analysis_reads_the_sweep_not_the_design_file(sweeps, tmp_path):
    """A sweep copied elsewhere (off a cluster) is analysed without its design file."""
    import shutil

    copy = tmp_path / "copied"
    shutil.copytree(sweeps["morris"], copy)
    (sweeps["tmp"] / "morris.yaml").rename(sweeps["tmp"] / "morris-moved.yaml")
    try:
        idx = morris_indices(open_sweep(copy), ["ceasefire"])
    finally:
        (sweeps["tmp"] / "morris-moved.yaml").rename(sweeps["tmp"] / "morris.yaml")
    assert np.isfinite(idx.table["mu_star"]).all() and len(idx.table) == 3
