"""Runs with calibrated parameters: reading a calibration, drawing each world's weights,
`redline run --calibrated` and `redline sweep --calibrated` (the dashboard's switch:
test_dashboard_calibrated.py)."""

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import model
from model import load_scenario, simulate
from model.calibration import load_targets
from model.calibration.calibrated import (
    CHUNK,
    draw,
    load_calibration,
    parameter_interval,
    run_calibrated,
    spread,
)
from model.calibration.engine import FORMAT, KIND
from model.cli import app
from model.errors import InputError
from model.experiments.design import load_design, parse_design
from model.experiments.runner import block_tasks
from model.experiments.worker import run_block
from model.parameters import SPECS, coerce_column
from model.simulation import simulate_outcomes

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent

# Three surviving sets far apart, so that which one a world draws shows in its outcomes.
SETS = {
    "seoul.threat_weight": [2.0, 5.0, 8.0],
    "seoul.change_cost": [1.25, 3.0, 5.0],
    "decision.rationality": [0.5, 1.3, 2.0],
}


def fake_calibration(folder: Path, sets=SETS, **manifest) -> Path:
    """A finished calibration as `redline calibrate` leaves it (the files `--calibrated` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    m = {
        "kind": KIND,
        "format": FORMAT,
        "status": "complete",
        "package_version": model.__version__,
        "git_commit": None,
        "targets": {
            "file": "my-targets.yaml",
            "sha256": "0" * 64,
            "free": {n: {"low": min(v), "high": max(v)} for n, v in sets.items()},
        },
        "settings": {"seed": 1},
    }
    m.update(manifest)
    (folder / "manifest.json").write_text(json.dumps(m))
    frame = pd.DataFrame({"wave": 1, "point": range(len(next(iter(sets.values())))), **sets})
    frame.to_parquet(folder / "survivors.parquet", index=False)
    return folder


@pytest.fixture
def cal_dir(tmp_path):
    return fake_calibration(tmp_path / "cal")


# --- reading a calibration ------------------------------------------------------------------


def test_a_calibration_is_read_with_its_surviving_sets_typed(cal_dir):
    cal = load_calibration(cal_dir)
    assert cal.names == list(SETS) and cal.size == 3
    assert cal.survivors["seoul.threat_weight"].tolist() == SETS["seoul.threat_weight"]
    assert len(cal.manifest_sha256) == 64
    assert cal.describe()["directory"] == str(cal_dir)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"package_version": "0.0.1"}, "package_version"),
        ({"status": "running"}, "status"),
        ({"kind": "redline sweep"}, "kind"),
        ({"format": 99}, "format"),
    ],
)
def test_a_calibration_from_another_version_or_unfinished_is_refused(tmp_path, change, field):
    where = fake_calibration(tmp_path / "cal", **change)
    with pytest.raises(InputError) as err:
        load_calibration(where)
    assert err.value.field == field and err.value.file == str(where / "manifest.json")


def test_survivors_that_do_not_fit_the_manifest_or_the_register_are_refused(tmp_path):
    where = fake_calibration(tmp_path / "a")
    pd.DataFrame({"seoul.threat_weight": [3.0]}).to_parquet(where / "survivors.parquet")
    with pytest.raises(InputError) as err:
        load_calibration(where)
    assert err.value.field == "seoul.change_cost" and err.value.file.endswith("survivors.parquet")
    hi = SPECS["seoul.threat_weight"].hi
    where = fake_calibration(tmp_path / "b", sets={"seoul.threat_weight": [3.0, hi * 10]})
    with pytest.raises(InputError) as err:
        load_calibration(where)
    assert err.value.field == "seoul.threat_weight"


def test_a_calibration_against_another_targets_file_is_refused_when_one_is_given(cal_dir):
    with pytest.raises(InputError) as err:
        load_calibration(cal_dir, targets=load_targets("targets"))
    assert err.value.field == "targets.sha256"


def test_the_shipped_calibration_is_this_version_against_the_shipped_targets():
    cal = load_calibration("record", targets=load_targets("targets"))
    assert cal.size >= 100 and set(cal.names) == set(load_targets("targets").names)
    assert (ROOT / "calibration" / "record" / "manifest.json").is_file()


# --- drawing worlds' weights ------------------------------------------------------------------


def test_a_replications_set_depends_on_the_seed_and_its_number_only(cal_dir):
    d = draw(load_calibration(cal_dir), seed=7)
    whole = d.indices(0, 2 * CHUNK + 10)
    # any cut of the replications (blocks, workers) draws the same sets
    for start, stop in [(0, 5), (CHUNK - 3, CHUNK + 4), (2 * CHUNK, 2 * CHUNK + 10), (17, 9000)]:
        assert (d.indices(start, stop) == whole[start:stop]).all()
    assert set(np.unique(whole)) == {0, 1, 2}
    assert not (draw(load_calibration(cal_dir), seed=8).indices(0, 1000) == whole[:1000]).all()
    values = d.varying(10, 20, points=3)["seoul.threat_weight"]
    expected = np.array(SETS["seoul.threat_weight"])[whole[10:20]]
    assert (values == np.tile(expected, 3)).all()


def test_simulate_takes_per_replication_values_and_checks_their_shape():
    sc = load_scenario("november-2024")
    low = {"seoul.threat_weight": coerce_column("seoul.threat_weight", np.full(300, 2.0))}
    a = simulate(sc, reps=300, seed=3, varying=low).outcomes
    b = simulate(sc.with_overrides({"seoul.threat_weight": 2.0}), reps=300, seed=3).outcomes
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(InputError) as err:
        simulate(sc, reps=10, seed=3, varying={"seoul.threat_weight": np.ones(9)})
    assert err.value.field == "seoul.threat_weight"


# --- redline run --calibrated ----------------------------------------------------------------


def test_a_calibrated_run_is_the_model_with_each_worlds_drawn_weights(cal_dir):
    sc = load_scenario("november-2024", {"horizon_months": 12})
    cal = load_calibration(cal_dir)
    run = run_calibrated(sc, 600, 5, cal, sets=3)
    d = draw(cal, 5)
    varying = {n: coerce_column(n, v) for n, v in d.varying(0, 600).items()}
    pd.testing.assert_frame_equal(run.result.outcomes, simulate_outcomes(sc, 600, 5, varying))
    plain = simulate(sc, reps=600, seed=5).outcomes
    assert not run.result.outcomes.equals(plain)
    frame = run.parameters_frame()
    assert (
        frame["seoul.change_cost"] == np.array(SETS["seoul.change_cost"])[frame["survivor"]]
    ).all()


def test_the_interval_from_parameters_is_the_sets_spread_around_the_estimate(cal_dir):
    sc = load_scenario("november-2024", {"horizon_months": 14})
    cal = load_calibration(cal_dir)
    per_set = parameter_interval(sc, draw(cal, 2), 2, sets=3, reps=150)
    assert sorted(per_set["survivor"]) == [0, 1, 2]  # without replacement: each set once
    # each set's probabilities are that set run alone with the run's seed (common numbers)
    k = int(per_set["survivor"].iloc[0])
    one = {n: coerce_column(n, np.full(150, v[k])) for n, v in SETS.items()}
    alone = simulate_outcomes(sc, 150, 2, one)
    assert per_set["weapons_supplied"].iloc[0] == alone["weapons_supplied"].mean()
    # a ceasefire is no actor's choice: the same in every set, so no interval from parameters
    assert per_set["ceasefire"].nunique() == 1
    est = pd.Series({"ceasefire": 0.3, "weapons_supplied": 0.1})
    low, high = spread(per_set, est)
    assert low["ceasefire"] == pytest.approx(0.3) and high["ceasefire"] == pytest.approx(0.3)
    assert per_set["weapons_supplied"].nunique() > 1  # the weights do move weapons
    assert high["weapons_supplied"] > low["weapons_supplied"]
    assert 0 <= low["weapons_supplied"] <= high["weapons_supplied"] <= 1


def test_run_calibrated_prints_both_intervals_and_writes_the_draw(cal_dir, tmp_path):
    out = tmp_path / "run"
    args = ["run", "november-2024", "--reps", "400", "--seed", "1", "--calibrated", str(cal_dir)]
    r = runner.invoke(app, [*args, "--parameter-sets", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Monte Carlo 95%" in r.output and "parameters 95%" in r.output
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    for doc in (summary, manifest):
        c = doc["calibration"]
        assert c["directory"] == str(cal_dir)
        assert c["manifest_sha256"] == load_calibration(cal_dir).manifest_sha256
        assert c["draw"]["seed"] == 1 and c["parameter_interval"]["sets"] == 3
    row = summary["outcomes"][0]
    assert row["param_low"] <= row["probability"] <= row["param_high"]
    params = pd.read_parquet(out / "parameters.parquet")
    assert len(params) == 400 and set(SETS) <= set(params.columns)
    assert len(pd.read_parquet(out / "parameter_sets.parquet")) == 3


def test_a_weight_given_with_set_is_kept_not_drawn(cal_dir, tmp_path):
    out = tmp_path / "run"
    r = runner.invoke(
        app,
        [
            "run", "november-2024", "--reps", "200", "--seed", "1", "--calibrated", str(cal_dir),
            "--parameter-sets", "2", "--set", "seoul.change_cost=2.2", "--out", str(out),
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "kept as set, not drawn: seoul.change_cost" in r.output
    params = pd.read_parquet(out / "parameters.parquet")
    assert "seoul.change_cost" not in params.columns and "seoul.threat_weight" in params.columns


@pytest.mark.parametrize(
    "change, field",
    [({"package_version": "9.9.9"}, "package_version"), ({"status": "failed"}, "status")],
)
def test_run_with_a_calibration_it_cannot_use_exits_2_and_writes_nothing(tmp_path, change, field):
    where = fake_calibration(tmp_path / "cal", **change)
    out = tmp_path / "run"
    r = runner.invoke(app, ["run", "--reps", "100", "--calibrated", str(where), "--out", str(out)])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and f"manifest.json: {field}" in lines[0], r.output
    assert not out.exists()


def test_run_with_no_such_calibration_says_so(tmp_path):
    r = runner.invoke(app, ["run", "--reps", "100", "--calibrated", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "no such calibration directory" in r.output


def test_run_calibrated_record_uses_the_shipped_calibration():
    r = runner.invoke(
        app,
        [
            "run",
            "november-2024",
            "--reps",
            "200",
            "--calibrated",
            "record",
            "--parameter-sets",
            "2",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "surviving sets" in r.output and "parameters 95%" in r.output


# --- redline sweep --calibrated -------------------------------------------------------------

DESIGN = """
name: cal
scenario: november-2024
fixed: {horizon_months: 12, seoul.change_cost: 2.0}
sampler: list
points:
  - {seoul.threat_weight: 3.0}
  - {seoul.threat_weight: 7.0}
replications: 150
block_replications: 100
seed: 4
outcomes: [weapons_supplied, lethal_aid]
"""


def test_a_calibrated_sweep_draws_the_other_weights_and_keeps_factors_and_fixed(cal_dir):
    from model.calibration.calibrated import draw as draw_

    d = parse_design(DESIGN, "cal.yaml")
    pdraw = draw_(load_calibration(cal_dir), d.spec.seed, {*d.names, *d.spec.fixed})
    assert list(pdraw.values) == ["decision.rationality"]
    assert set(pdraw.kept) == {"seoul.threat_weight", "seoul.change_cost"}
    dc = replace(d, calibrated=pdraw)
    assert dc.fingerprint() != d.fingerprint()
    points, _ = dc.points()
    blocks = dc.blocks()
    assert any(b.rep_start > 0 for b in blocks)  # a point split over blocks
    for task in block_tasks(dc, points, blocks):
        got = pd.read_parquet(io.BytesIO(run_block(task).payload))
        r = task.rep_stop - task.rep_start
        varying = {
            "seoul.threat_weight": coerce_column(
                "seoul.threat_weight", np.repeat(task.values["seoul.threat_weight"], r)
            ),
            "decision.rationality": coerce_column(
                "decision.rationality",
                np.tile(
                    np.array(SETS["decision.rationality"])[
                        pdraw.indices(task.rep_start, task.rep_stop)
                    ],
                    task.points,
                ),
            ),
        }
        expect = simulate_outcomes(d.scenario, task.points * r, task.seed, varying)
        assert (got["weapons_supplied"].to_numpy() == expect["weapons_supplied"].to_numpy()).all()


def test_sweep_calibrated_on_two_workers_equals_one_and_resume_needs_the_same_draw(
    cal_dir, tmp_path
):
    design = tmp_path / "cal.yaml"
    design.write_text(DESIGN)
    base = ["sweep", str(design), "--calibrated", str(cal_dir)]
    a, b = tmp_path / "a", tmp_path / "b"
    r1 = runner.invoke(app, [*base, "--out", str(a), "--workers", "1"])
    r2 = runner.invoke(app, [*base, "--out", str(b), "--workers", "2"])
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    sa, sb = pd.read_parquet(a / "summary.parquet"), pd.read_parquet(b / "summary.parquet")
    pd.testing.assert_frame_equal(sa, sb)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["design"]["calibrated"]["parameters"] == ["decision.rationality"]
    plain = tmp_path / "plain"
    assert (
        runner.invoke(app, ["sweep", str(design), "--out", str(plain), "--workers", "1"]).exit_code
        == 0
    )
    assert not sa.equals(pd.read_parquet(plain / "summary.parquet"))
    r = runner.invoke(app, ["sweep", str(design), "--out", str(a), "--resume", "--workers", "1"])
    assert r.exit_code == 2 and "--calibrated" in r.output


def test_sweep_with_a_calibration_from_another_version_exits_2(tmp_path):
    where = fake_calibration(tmp_path / "cal", package_version="0.0.0")
    r = runner.invoke(
        app, ["sweep", "smoke", "--calibrated", str(where), "--out", str(tmp_path / "s")]
    )
    assert r.exit_code == 2 and "package_version" in r.output
    assert not (tmp_path / "s").exists()
    assert load_design("smoke").calibrated is None


def test_a_weight_a_scenarios_inject_sets_keeps_the_scenarios_path(cal_dir, tmp_path):
    text = (
        (ROOT / "scenarios" / "november-2024.yaml")
        .read_text()
        .replace(
            "injects: []",
            'injects:\n  - {month: "2025-03", type: set, parameter: seoul.threat_weight, value: 7.5}',
        )
    )
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    run = run_calibrated(load_scenario(str(path)), 100, 1, load_calibration(cal_dir), sets=2)
    assert run.draw.kept == ("seoul.threat_weight",)
    assert "seoul.threat_weight" not in run.draw.values and "seoul.change_cost" in run.draw.values
