"""Calibration against the record: the targets file, the waves, the outputs, safe resume."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import load_scenario
from model.calibration import CalibrationInterrupted, load_targets, parse_targets, run_calibration
from model.calibration.waves import first_wave, next_wave, spacing
from model.cli import app
from model.errors import InputError
from model.evidence import SEEDS_DIR, load_register
from model.experiments.design import block_seed
from model.simulation import simulate_outcomes

runner = CliRunner()

SMALL = """
name: small
description: Two free weights against a hindcast, a response and a held-out path feature.
free:
  seoul.threat_weight: {low: 2.0, high: 8.0}
  seoul.change_cost: {low: 1.25, high: 5.0}
targets:
  - name: no-weapons
    description: Seoul sent no weapons.
    scenario: record-2024-11
    measure: {outcome: weapons_supplied, by: "2025-06"}
    observed: 0
    tolerance: 0.1
    discrepancy: 0.02
    source: [record-11]
    role: fit
  - name: red-line-raises-lethal-aid
    description: A red-line transfer makes lethal aid more likely.
    scenario: red-line
    baseline: november-2024
    measure: {outcome: lethal_aid, by: "2025-06"}
    compare: at-least
    observed: 0.05
    tolerance: 0.01
    source: [seok-7]
    role: fit
  - name: no-collapse
    description: Relations were not severed.
    scenario: record-2024-11
    measure: {feature: moscow_posture_at_most, value: 2, by: "2025-06"}
    observed: 1
    tolerance: 0.1
    source: [record-14]
    role: held-out
"""
SETTINGS = {"waves": 2, "points": 20, "replications": 50, "seed": 5}
ARGS = ["--waves", "2", "--points", "20", "--reps", "50", "--seed", "5"]
FILES = ("manifest.json", "waves.parquet", "survivors.parquet", "report.md", "report.png")


def write(tmp_path: Path, text: str = SMALL, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def calibrate(path: Path, out: Path, *extra: str):
    return runner.invoke(app, ["calibrate", str(path), "--out", str(out), *ARGS, *extra])


def assert_same(a: Path, b: Path):
    for name in ("waves.parquet", "survivors.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / name), pd.read_parquet(b / name), check_exact=True
        )
    blocks = sorted(p.relative_to(a) for p in a.glob("waves/*/blocks/*.parquet"))
    assert blocks == sorted(p.relative_to(b) for p in b.glob("waves/*/blocks/*.parquet"))
    for rel in blocks:
        pd.testing.assert_frame_equal(pd.read_parquet(a / rel), pd.read_parquet(b / rel))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calibration")
    path = write(tmp)
    out = tmp / "serial"
    report = run_calibration(load_targets(path), out, SETTINGS, workers=1)
    return path, out, report


# --- the targets file ---------------------------------------------------------------------


def _bad(old: str, new: str) -> str:
    assert old in SMALL, old
    return SMALL.replace(old, new, 1)


BAD = {
    "unknown parameter": (
        _bad("seoul.threat_weight: {", "seoul.threat_wieght: {"),
        "free.seoul.threat_wieght",
    ),
    "switch": (_bad("free:\n", "free:\n  seoul.step_by_step:\n"), "free.seoul.step_by_step"),
    "outside the register": (_bad("high: 8.0", "high: 80.0"), "free.seoul.threat_weight.high"),
    "unknown outcome": (_bad("outcome: weapons_supplied", "outcome: weapons"), "outcome"),
    "unknown feature": (_bad("feature: moscow_posture_at_most", "feature: calm"), "feature"),
    "feature value": (_bad("value: 2", "value: 9"), "targets.2.measure.value"),
    "unknown scenario": (_bad("scenario: red-line", "scenario: red-lines"), "targets.1.scenario"),
    "unknown baseline": (_bad("baseline: november-2024", "baseline: nov"), "targets.1.baseline"),
    "month after the scenario": (_bad('by: "2025-06"', 'by: "2026-06"'), "targets.0.measure.by"),
    "month before it": (_bad('by: "2025-06"', 'by: "2024-06"'), "targets.0.measure.by"),
    "not a month": (_bad('by: "2025-06"', 'by: "June"'), "targets.0.measure.by"),
    "zero tolerance": (_bad("tolerance: 0.1\n", "tolerance: 0\n"), "targets.0.tolerance"),
    "negative tolerance": (_bad("tolerance: 0.1\n", "tolerance: -0.1\n"), "targets.0.tolerance"),
    "negative discrepancy": (_bad("discrepancy: 0.02", "discrepancy: -1"), "discrepancy"),
    "unknown excerpt": (_bad("[record-11]", "[record-99]"), "targets.0.source.0"),
    "unknown role": (_bad("role: held-out", "role: test"), "targets.2.role"),
    "two roles for one target": (
        _bad("name: no-collapse", "name: no-weapons"),
        "targets.2.name",
    ),
    "no fit target": (SMALL.replace("role: fit", "role: held-out"), "targets"),
    "unknown key": (_bad("    role: held-out", "    role: held-out\n    weight: 2"), "weight"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_the_targets_file_refuses_bad_input_naming_file_and_field(case, tmp_path):
    text, field = BAD[case]
    with pytest.raises(InputError) as err:
        parse_targets(text, "bad.yaml", base=tmp_path)
    assert err.value.file == "bad.yaml"
    assert field in (err.value.field or ""), err.value.render()
    assert err.value.allowed


def test_bad_input_on_the_command_line_is_one_line_exit_2_and_writes_nothing(tmp_path):
    path = write(tmp_path, BAD["zero tolerance"][0], "bad.yaml")
    out = tmp_path / "out"
    r = calibrate(path, out)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "bad.yaml: targets.0.tolerance" in lines[0], r.output
    assert not out.exists()


def test_a_held_out_target_cannot_rule_a_point_out(tmp_path, small):
    """Moving a held-out target's observation as far as it goes changes no wave."""
    _, out, _ = small
    moved = write(tmp_path, _bad("observed: 1\n", "observed: -40\n"), "moved.yaml")
    run_calibration(load_targets(moved), tmp_path / "moved", SETTINGS, workers=1)
    a, b = pd.read_parquet(out / "waves.parquet"), pd.read_parquet(tmp_path / "moved/waves.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not any("no-collapse" in c for c in a.columns)
    held = pd.read_parquet(tmp_path / "moved/survivors.parquet")["implausibility: no-collapse"]
    assert (held > 3).all()  # it is evaluated, and it fails, and still nothing was ruled out


def test_each_scenario_runs_to_the_last_month_its_targets_read(tmp_path):
    t = parse_targets(SMALL, "small.yaml", base=tmp_path)
    runs = {k: r.months for k, r in t.runs.items()}
    assert runs == {
        "record-2024-11 to 2025-06": 8,
        "red-line to 2025-06": 8,
        "november-2024 to 2025-06": 8,
    }
    assert [r.key for r in t.runs_for(t.held_out)] == ["record-2024-11 to 2025-06"]
    # injects after the last month read are left out, those before it kept
    cut = t.runs["record-2024-11 to 2025-06"].scenario
    assert [e.type for e in cut.injects] == [
        "government_paralysis",
        "troops_reinforced",
        "government_change",
        "assembly_majority_change",
    ]
    early = parse_targets(_bad('by: "2025-06"}', 'by: "2025-02"}'), "x.yaml", base=tmp_path)
    assert [e.type for e in early.runs["record-2024-11 to 2025-02"].scenario.injects] == [
        "government_paralysis",
        "troops_reinforced",
    ]


# --- the shipped record, hindcasts and targets ------------------------------------------------


def test_the_record_is_registered_as_dated_excerpts_outside_the_documents():
    reg = load_register()
    record = reg.sources["record"]
    assert record.kind == "outside-documents" and "project brief" in record.author
    assert reg.excerpt("record-1").text.startswith("By the end of 2024 Seoul had announced no")
    assert len(record.excerpts) >= 15 and "OUTSIDE" in reg.cite("record-11")
    import yaml

    data = yaml.safe_load((SEEDS_DIR / "record-2024.yaml").read_text())
    assert all(len(str(e["date"])) == 7 for e in data["excerpts"])


@pytest.mark.parametrize(
    "name, start, months", [("record-2024-07", "2024-07", 18), ("record-2024-11", "2024-11", 14)]
)
def test_the_hindcasts_run_to_december_2025_with_the_records_injects(name, start, months):
    sc = load_scenario(name)
    assert sc.start == start and sc.months()[-1] == "2025-12" and sc.horizon_months == months
    kinds = {e.type: e for e in sc.injects}
    assert {"government_paralysis", "troops_reinforced", "government_change"} <= set(kinds)
    assert (
        kinds["government_paralysis"].month == "2024-12"
        and kinds["government_paralysis"].months == 6
    )
    assert kinds["government_change"].preference == "pragmatic"
    assert "assumption" in kinds["government_change"].note
    reg = load_register()
    for e in sc.injects:
        cited = re.findall(r"\brecord-\d+\b", e.note)
        assert cited and all(c in reg.excerpts for c in cited), e
    p = sc.parameters
    assert p.war.ceasefire_hazard == 0  # the record has no ceasefire
    if name == "record-2024-07":
        assert p.pyongyang.troops_deployed == 0 and not p.pyongyang.treaty_ratified
        assert {"troops_deployed", "treaty_ratified"} <= set(kinds)
    df = simulate_outcomes(sc, 200, 1)
    assert not df["ceasefire"].any() and len(df) == 200


def test_the_shipped_targets_hold_the_record_and_the_documents_responses():
    t = load_targets("targets")
    assert len(t.free) == 12
    by = {x.name: x for x in t.targets}
    record = [x for x in t.targets if any(s.startswith("record-") for s in x.source)]
    assert {x.scenario for x in record} == {"record-2024-07", "record-2024-11"}
    responses = [x for x in t.targets if x.baseline is not None]
    assert {s for x in responses for s in x.source} >= {
        "seok-7",
        "asmolov-1",
        "seok-2",
        "asmolov-15",
    }
    assert any(x.fit for x in responses) and any(not x.fit for x in responses)
    assert t.held_out and all(x.scenario == "record-2024-07" or x.baseline for x in t.held_out)
    assert by["no-weapons-2025"].fit and by["troops-stay-2025"].fit
    assert all(x.tolerance > 0 for x in t.targets)


# --- a small calibration, end to end -------------------------------------------------------


def test_a_small_calibration_writes_every_file(small):
    _, out, report = small
    for name in FILES:
        assert (out / name).is_file(), name
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "redline calibration" and m["status"] == "complete"
    assert m["settings"] == {**SETTINGS, "cutoff": 3.0}
    assert m["targets"]["sha256"] and m["package_version"] and m["seeds"]["calibration"] == 5
    assert list(m["targets"]["free"]) == ["seoul.threat_weight", "seoul.change_cost"]
    assert [w["points"] for w in report.waves] == [20, 20]
    waves = pd.read_parquet(out / "waves.parquet")
    assert sorted(waves["wave"].unique()) == [1, 2] and len(waves) == 40
    text = (out / "report.md").read_text()
    assert "## Held-out targets" in text and "no-collapse" in text and "seoul.change_cost" in text
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    # two waves of three 8-month runs of every point, then one run of the survivors
    assert report.rep_months_run == 2 * 3 * 20 * 50 * 8 + report.survivors * 50 * 8


def test_survivors_satisfy_the_cutoff_and_are_the_last_waves_points_left(small):
    _, out, report = small
    waves = pd.read_parquet(out / "waves.parquet")
    survivors = pd.read_parquet(out / "survivors.parquet")
    last = waves[(waves["wave"] == 2) & ~waves["ruled out"]]
    assert len(survivors) == report.survivors == len(last) > 0
    assert (survivors["implausibility (fit)"] <= 3.0).all()
    for name in ("no-weapons", "red-line-raises-lethal-aid"):
        assert (survivors[f"implausibility: {name}"] <= 3.0).all()
    ruled = waves[waves["ruled out"]]
    assert (ruled["implausibility"] > 3.0).all() and (ruled["ruled out by"] != "").all()
    assert "implausibility: no-collapse" in survivors  # the held-out target, on survivors only
    np.testing.assert_array_equal(
        survivors["seoul.threat_weight"].to_numpy(), last["seoul.threat_weight"].to_numpy()
    )


def test_implausibility_is_the_distance_over_noise_tolerance_and_discrepancy(small):
    path, out, _ = small
    t = {x.name: x for x in load_targets(path).targets}["no-weapons"]
    waves = pd.read_parquet(out / "waves.parquet")
    e, v = waves["estimate: no-weapons"], waves["variance: no-weapons"]
    expected = np.abs(e - 0.0) / np.sqrt(v + 0.1**2 + 0.02**2)
    np.testing.assert_allclose(waves["implausibility: no-weapons"], expected)
    np.testing.assert_allclose(v, e * (1 - e) * 50 / 49 / 50)  # a share's variance, sd^2 / n
    assert t.rule_out_when(3.0) == "above 0.306"


def test_blocks_are_the_model_run_with_the_planned_seed_and_responses_are_paired(small):
    path, out, _ = small
    t = load_targets(path)
    wave = out / "waves" / "wave-1"
    plan = pd.read_parquet(wave / "plan.parquet")
    design = pd.read_parquet(wave / "design.parquet")
    seed = block_seed(block_seed(5, 1), 0)
    # every run of a wave uses the same block seeds: common random numbers
    assert set(plan["seed"]) == {str(seed)}
    varying = {n: np.repeat(design[n].to_numpy(), 50) for n in t.names}
    for k, run in enumerate(t.runs_for(t.fit)):
        block = pd.read_parquet(wave / "blocks" / f"block-{k:06d}.parquet")
        direct = simulate_outcomes(run.scenario, 20 * 50, seed, varying=varying)
        for col in run.columns:
            np.testing.assert_array_equal(block[col].to_numpy(), direct[col].to_numpy())
    red = pd.read_parquet(wave / "blocks" / "block-000001.parquet")["lethal_aid"].to_numpy()
    nov = pd.read_parquet(wave / "blocks" / "block-000002.parquet")["lethal_aid"].to_numpy()
    d = (red.astype(float) - nov).reshape(20, 50)
    est = pd.read_parquet(wave / "estimates.parquet")
    np.testing.assert_allclose(est["estimate: red-line-raises-lethal-aid"], d.mean(1))
    np.testing.assert_allclose(est["variance: red-line-raises-lethal-aid"], d.var(1, ddof=1) / 50)


def test_two_workers_give_identical_results(small, tmp_path):
    path, out, _ = small
    run_calibration(load_targets(path), tmp_path / "two", SETTINGS, workers=2)
    assert_same(out, tmp_path / "two")


def test_later_waves_sample_near_the_survivors():
    unit = first_wave(2, 200, seed=3)
    keep = unit[:, 0] < 0.3  # a region: the left of the square
    new, how = next_wave(unit, keep, 100, seed=3, wave=2)
    assert new.shape == (100, 2) and how.near >= 100
    assert new[:, 0].max() <= 0.3 + spacing(unit) + 1e-12
    again, _ = next_wave(unit, keep, 100, seed=3, wave=2)
    np.testing.assert_array_equal(new, again)


# --- refusals, empty survivors, interruptions and resume ---------------------------------------


def test_a_non_empty_directory_needs_resume(small, tmp_path):
    path, _, _ = small
    out = tmp_path / "busy"
    out.mkdir()
    (out / "mine.txt").write_text("a user's file")
    r = calibrate(path, out)
    assert r.exit_code == 2 and "--out: output directory is not empty" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_resume_of_a_finished_calibration_runs_nothing(small, tmp_path):
    import shutil

    path, out, _ = small
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    r = runner.invoke(app, ["calibrate", str(path), "--out", str(copy), "--resume"])
    assert r.exit_code == 0, r.output
    assert "every block was already done" in r.output
    assert_same(out, copy)


def test_resume_with_a_changed_targets_file_exits_2_and_changes_nothing(small, tmp_path):
    import shutil

    path, out, _ = small
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "manifest.json").read_text()
    changed = write(tmp_path, _bad("tolerance: 0.1\n", "tolerance: 0.2\n"), "small.yaml")
    r = calibrate(changed, copy, "--resume")
    assert r.exit_code == 2
    assert "small.yaml: TARGETS: this directory holds a calibration against a different" in r.output
    assert (copy / "manifest.json").read_text() == before


def test_resume_from_another_model_version_or_settings_exits_2(small, tmp_path):
    import shutil

    path, out, _ = small
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    r = calibrate(path, copy, "--resume", "--points", "30")
    assert r.exit_code == 2 and "--points: --points 30 differs from the 20" in r.output
    m = json.loads((copy / "manifest.json").read_text())
    m["package_version"] = "0.0.1"
    (copy / "manifest.json").write_text(json.dumps(m))
    r = calibrate(path, copy, "--resume")
    assert r.exit_code == 2 and "manifest.json: package_version" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_an_empty_surviving_set_says_so_with_the_waves_figures_and_stops(tmp_path):
    strict = _bad("observed: 0.05\n", "observed: 0.95\n")  # a response no point reaches
    path = write(tmp_path, strict, "strict.yaml")
    out = tmp_path / "strict"
    r = calibrate(path, out)
    assert r.exit_code == 2, r.output
    line = r.output.strip().splitlines()[-1]
    assert "strict.yaml: targets: wave 1: all 20 points are ruled out" in line
    assert "red-line-raises-lethal-aid" in line and "--cutoff" in line
    assert (out / "waves.parquet").is_file() and not (out / "survivors.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "no survivors"


def test_ctrl_c_stops_between_blocks_and_resume_completes_identically(small, tmp_path, monkeypatch):
    import model.experiments.executors as executors

    path, out, _ = small
    real, calls = executors.run_block, []

    def interrupted(task):
        calls.append(task.index)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(executors, "run_block", interrupted)
    with pytest.raises(CalibrationInterrupted) as err:
        run_calibration(load_targets(path), tmp_path / "cut", SETTINGS, workers=1)
    assert err.value.phase == "wave 2"
    m = json.loads((tmp_path / "cut/manifest.json").read_text())
    assert m["status"] == "interrupted" and not (tmp_path / "cut/survivors.parquet").exists()
    monkeypatch.setattr(executors, "run_block", real)
    r = calibrate(path, tmp_path / "cut", "--resume", "--workers", "1")
    assert r.exit_code == 0, r.output
    assert_same(out, tmp_path / "cut")


def test_ctrl_c_on_the_command_line_says_how_to_resume(small, tmp_path, monkeypatch):
    import model.experiments.executors as executors

    path, _, _ = small

    def stop(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(executors, "run_block", stop)
    r = calibrate(path, tmp_path / "cut", "--workers", "1")
    assert r.exit_code == 130
    assert "--resume" in r.output and "interrupted in wave 1" in r.output


@pytest.mark.slow
def test_resume_after_kill_9_loses_nothing_and_repeats_nothing(small, tmp_path):
    path, out, _ = small
    many = write(tmp_path, SMALL.replace("name: small", "name: small\nblock_replications: 100"))
    reference = tmp_path / "reference"
    run_calibration(load_targets(many), reference, SETTINGS, workers=1)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model", "calibrate", str(many), "--out", str(killed), *ARGS]
        + ["--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        blocks = killed / "waves" / "wave-1" / "blocks"
        while proc.poll() is None and len(list(blocks.glob("block-*.parquet"))) < 3:
            time.sleep(0.02)
        assert proc.poll() is None, f"it finished before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # and, like a power cut, its workers
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    assert not (killed / "survivors.parquet").exists()
    r = calibrate(many, killed, "--resume", "--workers", "1")
    assert r.exit_code == 0, r.output
    assert_same(reference, killed)
    m = json.loads((killed / "manifest.json").read_text())
    assert m["sessions"][0]["status"] == "ended without a clean stop"
    done_before = json.loads((reference / "manifest.json").read_text())["sessions"][0]
    assert 0 < m["sessions"][1]["replications_run"] < done_before["replications_run"]


def test_progress_reports_every_wave_to_its_end(small, tmp_path):
    path, out, _ = small
    seen = []
    run_calibration(
        load_targets(path),
        tmp_path / "p",
        SETTINGS,
        workers=1,
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    phases = list(dict.fromkeys(p for p, _, _ in seen))
    assert phases == ["wave 1", "wave 2", "held-out check"]
    for phase in phases:
        steps = [(d, t) for p, d, t in seen if p == phase]
        assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1] > 0
    assert_same(out, tmp_path / "p")
