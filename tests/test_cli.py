"""The `redline` command: outputs, and bad input refused with one clear line and exit 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app

runner = CliRunner()


def redline(*args, **kw):
    """Run the real console entry point, as a user would (python -m model)."""
    return subprocess.run(
        [sys.executable, "-m", "model", *args], capture_output=True, text=True, timeout=120, **kw
    )


def test_run_writes_all_files_and_prints_summary(tmp_path):
    out = tmp_path / "run"
    r = runner.invoke(
        app,
        [
            "run",
            "red-line",
            "--reps",
            "300",
            "--seed",
            "4",
            "--set",
            "seoul.public_opposition=0.7",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "relations_collapsed" in r.output and "95% interval" in r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["manifest.json", "outcomes.parquet", "summary.json", "timeseries.parquet"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["reps"] == 300
    assert manifest["parameters"]["seoul.public_opposition"] == 0.7
    assert manifest["scenario"]["name"] == "red-line"
    assert manifest["package_version"] and manifest["time"]
    o = pd.read_parquet(out / "outcomes.parquet")
    summary = json.loads((out / "summary.json").read_text())
    lethal = next(x for x in summary["outcomes"] if x["outcome"] == "lethal_aid")
    assert lethal["probability"] == o.lethal_aid.mean()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 300 * 24 and ts.month.astype(str).iloc[0] == "2024-11"


def test_manifest_scenario_reruns_to_the_same_numbers(tmp_path):
    runner.invoke(
        app,
        [
            "run",
            "atrocity",
            "--reps",
            "200",
            "--seed",
            "2",
            "--set",
            "nato.pressure=0.9",
            "--out",
            str(tmp_path / "a"),
        ],
    )
    import yaml

    scenario = json.loads((tmp_path / "a" / "manifest.json").read_text())["scenario"]
    (tmp_path / "again.yaml").write_text(yaml.safe_dump(scenario))
    r = runner.invoke(
        app,
        [
            "run",
            str(tmp_path / "again.yaml"),
            "--reps",
            "200",
            "--seed",
            "2",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert r.exit_code == 0, r.output
    a = pd.read_parquet(tmp_path / "a" / "outcomes.parquet")
    b = pd.read_parquet(tmp_path / "b" / "outcomes.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_explain_tells_a_dated_story_with_reasons_and_blocks():
    r = runner.invoke(app, ["explain", "red-line", "--seed", "1", "--replication", "5"])
    assert r.exit_code == 0, r.output
    assert "2024-11" in r.output and "2026-10" in r.output
    assert "because" in r.output and "blocked:" in r.output
    assert "Inject" in r.output and "ballistic-missile" in r.output
    assert "Headline   Seoul's red line crossed" in r.output
    assert "Seoul has pledged not to send troops" in r.output
    assert "no_troops" not in r.output and "p=0." not in r.output, "words, not identifiers"


def test_explain_replication_matches_run():
    from model import load_scenario, simulate
    from model.explain import explain

    lines = explain(load_scenario("november-2024"), seed=3, replication=2, reps=50)
    o = simulate(load_scenario("november-2024"), reps=50, seed=3).outcomes.iloc[2]
    text = next((line for line in lines if line.startswith("Outcome:")), None)
    assert text is not None
    assert ("Relations collapse: no" in text) == (not o.relations_collapsed)
    assert ("Lethal aid from Seoul: no" in text) == (not o.lethal_aid)


def test_scenarios_sources_and_show():
    r = runner.invoke(app, ["scenarios"])
    for name in (
        "july-2024",
        "november-2024",
        "red-line",
        "atrocity",
        "assembly-majority",
        "stockpile-crunch",
        "ceasefire-2025",
    ):
        assert name in r.output
    r = runner.invoke(app, ["sources"])
    assert r.exit_code == 0
    from model import SPECS

    for name in SPECS:
        assert name in r.output
    assert "74.2% of South Koreans oppose" in r.output and "ASSUMPTION" in r.output
    r = runner.invoke(app, ["show-scenario", "red-line", "--set", "seoul.approval=0.3"])
    assert "approval: 0.3" in r.output


@pytest.mark.slow
def test_validate_passes_and_prints_claims():
    r = runner.invoke(app, ["validate"])
    assert r.exit_code == 0, r.output
    assert "above 50%" in r.output and "FAIL" not in r.output
    assert "by construction" in r.output and "tested" in r.output and "beyond noise" in r.output
    assert "all passed" in r.output


BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n"
)


@pytest.mark.parametrize(
    "content, needles",
    [
        ("name: x\nstart: '2024-11'\nparameters: {seoul: {public_opposition: 0.7\n", ["line"]),
        ("!!python/object/apply:os.system ['echo pwned']\n", ["not valid YAML"]),
        (BOMB, ["aliases"]),
        ("name: x\nbogus: 1\n", ["bogus", "unknown key", "allowed: name, description"]),
        (
            "name: x\nparameters: {seoul: {public_opposition: 1.7}}\n",
            ["seoul.public_opposition", "0.0 to 1.0"],
        ),
        ("name: x\nparameters: {seoul: {nope: 1}}\n", ["seoul.nope", "public_opposition"]),
        ("name: x\nhorizon_months: 1000000\n", ["horizon_months", "120"]),
        (
            "name: x\nstart: '2024-11'\ninjects: [{month: '2031-01', type: ceasefire}]\n",
            ["outside the scenario's months"],
        ),
        (
            "name: x\ninjects: [{month: '2025-01', type: invasion}]\n",
            ["injects.0.type", "atrocity"],
        ),
        ("- just\n- a list\n", ["must be a mapping"]),
        ("[" * 50_000, ["nests too deeply"]),
        ("name: x\nparameters: {seoul: {approval: true}}\n", ["seoul.approval", "not true/false"]),
    ],
)
def test_bad_scenario_files_exit_2_with_one_clear_line(tmp_path, content, needles):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    out = tmp_path / "out"
    r = redline("run", str(bad), "--reps", "10", "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert str(bad) in r.stderr
    for needle in needles:
        assert needle in r.stderr
    assert not out.exists(), "nothing half-written"


def test_huge_file_refused(tmp_path):
    bad = tmp_path / "huge.yaml"
    bad.write_text("name: x\ndescription: '" + "x" * 1_100_000 + "'\n")
    r = redline("run", str(bad))
    assert r.returncode == 2 and "at most 1,000,000 bytes" in r.stderr


@pytest.mark.parametrize(
    "args, needles",
    [
        (["run", "nowhere"], ["unknown scenario 'nowhere'", "november-2024"]),
        (["run", "--reps", "100000000000"], ["reps", "200,000"]),
        (["run", "--reps", "150000", "--set", "horizon_months=120"], ["replication-months"]),
        (
            ["run", "--set", "seoul.public_oposition=0.5"],
            ["seoul.public_oposition", "did you mean seoul.public_opposition"],
        ),
        (
            ["run", "--set", "seoul.public_opposition=high"],
            ["seoul.public_opposition", "0.0 to 1.0"],
        ),
        (
            ["run", "--set", "seoul.troops_excluded=maybe"],
            ["seoul.troops_excluded", "true or false"],
        ),
        (["run", "--set", "novalue"], ["NAME=VALUE"]),
        (["run", "--set", "seoul.approval=[1, 2]"], ["seoul.approval", "expected a single value"]),
        (["run", "nowhere/[x].yaml"], ["nowhere/[x].yaml"]),
        (["run", "--set", "horizon_months=0"], ["horizon_months"]),
        (["run", "--seed", "-3"], ["--seed"]),
        (["run", "--frobnicate"], ["--frobnicate"]),
        (["explain", "--replication", "5000"], ["--replication", "less than --reps"]),
    ],
)
def test_bad_flags_exit_2(args, needles):
    r = redline(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    for needle in needles:
        assert needle in r.stderr


def test_set_works_for_every_kind_of_parameter(tmp_path):
    r = redline(
        "run",
        "--reps",
        "50",
        "--set",
        "horizon_months=6",
        "--set",
        "seoul.troops_excluded=false",
        "--set",
        "seoul.max_rungs_per_step=2",
        "--set",
        "war.ceasefire_hazard=0.5",
        "--out",
        str(tmp_path),
    )
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["parameters"]["horizon_months"] == 6
    assert m["parameters"]["seoul.troops_excluded"] is False
    assert m["parameters"]["seoul.max_rungs_per_step"] == 2
    assert pd.read_parquet(tmp_path / "outcomes.parquet").ceasefire.mean() > 0.9
