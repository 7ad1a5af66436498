"""Running sweeps: identical results on any executor, a correct streamed summary, safe resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.experiments import load_design, run_sweep
from model.experiments.design import block_seed
from model.experiments.runner import SweepInterrupted
from model.outcomes import OUTCOMES
from model.parameters import coerce_column
from model.simulation import simulate_outcomes, summarize

runner = CliRunner()

SMALL = """
scenario: november-2024
sampler: lhs
samples: 24
replications: 40
seed: 17
block_replications: 200
fixed:
  seoul.threat_weight: 8.0
factors:
  seoul.public_opposition: {low: 0.4, high: 0.79}
  seoul.vote_cooldown_months: {low: 1, high: 12}
  seoul.assembly_approval_required: {levels: [false, true]}
  war.ceasefire_hazard: {low: 0.0, high: 0.06}
"""


def write(tmp_path, text, name="design.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def blocks_of(out: Path) -> dict:
    return {p.name: pd.read_parquet(p) for p in sorted((out / "blocks").glob("block-*.parquet"))}


def assert_same_sweep(a: Path, b: Path):
    ba, bb = blocks_of(a), blocks_of(b)
    assert list(ba) == list(bb) and ba
    for name in ba:
        pd.testing.assert_frame_equal(ba[name], bb[name], check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "summary.parquet"),
        pd.read_parquet(b / "summary.parquet"),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "design.parquet"),
        pd.read_parquet(b / "design.parquet"),
        check_exact=True,
    )


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    design = load_design(write(tmp, SMALL))
    run_sweep(design, tmp / "out", workers=1, progress=False)
    return design, tmp / "out"


def test_two_worker_processes_give_identical_results(serial, tmp_path):
    design, one = serial
    report = run_sweep(design, tmp_path / "two", workers=2, progress=False)
    assert report.executor["executor"] == "processes" and report.executor["workers"] == 2
    assert_same_sweep(one, tmp_path / "two")


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results(serial, tmp_path):
    """A real LocalCluster on loopback, joined by address (as a remote cluster is)."""
    from dask.distributed import LocalCluster

    design, one = serial
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        report = run_sweep(
            design, tmp_path / "remote", dask=cluster.scheduler_address, progress=False
        )
    assert report.executor["executor"] == "dask" and report.executor["cluster"] == "remote"
    assert report.executor["workers"] == 2
    assert_same_sweep(one, tmp_path / "remote")


@pytest.mark.slow
def test_dask_local_option_starts_its_own_cluster(serial, tmp_path, monkeypatch):
    design, one = serial
    # a LocalCluster started with Dask's defaults leaves this in our environment
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    report = run_sweep(design, tmp_path / "local", dask="local:2", progress=False)
    assert report.executor["cluster"] == "local" and report.executor["workers"] == 2
    assert_same_sweep(one, tmp_path / "local")
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # ours does not (see worker._keep_heap)


def test_block_files_are_the_model_run_with_the_planned_seed(serial):
    design, out = serial
    plan = pd.read_parquet(out / "plan.parquet")
    points = pd.read_parquet(out / "design.parquet")
    b = plan.iloc[1]
    rows = b.point_stop - b.point_start
    r = b.rep_stop - b.rep_start
    assert int(b.seed) == block_seed(17, 1)
    varying = {
        n: coerce_column(n, np.repeat(points[n].to_numpy()[b.point_start : b.point_stop], r))
        for n in design.names
    }
    direct = simulate_outcomes(design.scenario, rows * r, int(b.seed), varying=varying)
    stored = pd.read_parquet(out / "blocks" / "block-000001.parquet")
    assert stored["point"].tolist() == list(np.repeat(np.arange(b.point_start, b.point_stop), r))
    pd.testing.assert_frame_equal(
        stored.drop(columns=["point", "replication"]), direct[design.columns], check_exact=True
    )
    assert design.scenario.parameters.seoul.threat_weight == 8.0  # `fixed` reached the model


def test_summary_matches_summarize_on_each_points_replications(serial):
    design, out = serial
    rows = pd.concat(blocks_of(out).values(), ignore_index=True)
    summary = pd.read_parquet(out / "summary.parquet")
    for point in (0, 7, 23):
        mine = rows[rows["point"] == point]
        want = summarize(mine).set_index("outcome")
        got = summary[summary["point"] == point].set_index("outcome")
        for event in OUTCOMES:
            assert got.loc[event, "replications"] == 40
            assert got.loc[event, "count"] == want.loc[event, "count"]
            assert got.loc[event, "probability"] == want.loc[event, "probability"]
            assert got.loc[event, "ci_low"] == pytest.approx(want.loc[event, "ci_low"], abs=1e-15)
            assert got.loc[event, "ci_high"] == pytest.approx(want.loc[event, "ci_high"], abs=1e-15)
            m = want.loc[event, "median_months"]
            if m is None or m != m:
                assert np.isnan(got.loc[event, "median_months"])
            else:
                assert got.loc[event, "median_months"] == m
        for col in ("shells_transferred", "final_public_opposition", "assembly_votes"):
            assert got.loc[col, "mean"] == pytest.approx(mine[col].mean(), rel=1e-12, abs=1e-12)
            assert got.loc[col, "sd"] == pytest.approx(mine[col].std(), rel=1e-9, abs=1e-12)
        factor = design.names[0]
        assert (
            got[factor]
            == mine.iloc[0:1]
            .merge(pd.read_parquet(out / "design.parquet"), on="point")[factor]
            .iloc[0]
        ).all()


def test_points_split_over_blocks_are_merged_exactly(tmp_path):
    """More replications than a block holds: each point spans several blocks."""
    text = SMALL.replace("samples: 24", "samples: 3").replace(
        "replications: 40", "replications: 500"
    )
    design = load_design(write(tmp_path, text))
    assert len(design.blocks()) == 3 * 3
    run_sweep(design, tmp_path / "out", workers=1, progress=False)
    rows = pd.concat(blocks_of(tmp_path / "out").values(), ignore_index=True)
    assert len(rows) == 1500 and not rows.duplicated(["point", "replication"]).any()
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    for point in range(3):
        mine = rows[rows["point"] == point]
        want = summarize(mine).set_index("outcome")
        got = summary[summary["point"] == point].set_index("outcome")
        for event in OUTCOMES:
            assert got.loc[event, "count"] == want.loc[event, "count"]
            m = want.loc[event, "median_months"]
            assert (
                np.isnan(got.loc[event, "median_months"])
                if m is None or m != m
                else got.loc[event, "median_months"] == m
            )
        assert got.loc["final_public_opposition", "mean"] == pytest.approx(
            mine["final_public_opposition"].mean(), rel=1e-12
        )
        assert got.loc["final_public_opposition", "sd"] == pytest.approx(
            mine["final_public_opposition"].std(), rel=1e-9
        )


def test_manifest_records_design_seeds_versions_and_status(serial):
    design, out = serial
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["finished"] and m["started"]
    assert m["fingerprint"] == design.fingerprint()
    assert m["design"]["seed"] == 17 and m["seeds"]["design"] == 17
    assert m["design"]["factors"]["seoul.public_opposition"] == {"low": 0.4, "high": 0.79}
    assert m["scenario"]["name"] == "november-2024"
    assert m["parameters"]["seoul.threat_weight"] == 8.0  # as run, after `fixed`
    assert m["parameter_defaults"]["seoul.threat_weight"] == 4.0
    assert m["package_version"] and "git_commit" in m and m["host"]
    assert m["points"] == 24 and m["replications"] == 24 * 40 and m["blocks"] == 5
    assert m["sessions"][0]["executor"] == "serial" and m["sessions"][0]["blocks_after"] == 5


def test_refuses_non_empty_out_without_resume(serial, tmp_path):
    design, _ = serial
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = runner.invoke(app, ["sweep", design.origin, "--out", str(out), "--workers", "1"])
    assert r.exit_code == 2
    assert str(out) in r.output and "--out" in r.output and "--resume" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_refuses_to_resume_a_different_design(serial, tmp_path):
    design, out = serial
    other = write(tmp_path, SMALL.replace("seed: 17", "seed: 18"), "other.yaml")
    before = {p.name: p.stat().st_mtime_ns for p in (out / "blocks").iterdir()}
    r = runner.invoke(app, ["sweep", str(other), "--out", str(out), "--resume", "--workers", "1"])
    assert r.exit_code == 2
    assert str(other) in r.output and "DESIGN" in r.output and "different design" in r.output
    assert {p.name: p.stat().st_mtime_ns for p in (out / "blocks").iterdir()} == before


def test_resume_of_a_finished_sweep_runs_nothing(serial, tmp_path):
    design, out = serial
    before = {p.name: p.stat().st_mtime_ns for p in (out / "blocks").iterdir()}
    report = run_sweep(design, out, workers=1, resume=True, progress=False)
    assert report.blocks_run == 0 and report.blocks_skipped == 5
    assert {p.name: p.stat().st_mtime_ns for p in (out / "blocks").iterdir()} == before


def test_half_written_and_damaged_block_files_are_redone(serial, tmp_path):
    design, one = serial
    out = tmp_path / "out"
    run_sweep(design, out, workers=1, progress=False)
    (out / "blocks" / ".block-000002.parquet.abc.tmp").write_bytes(b"half a file")
    (out / "blocks" / "block-000003.parquet").write_bytes(b"PAR1 garbage")
    (out / "blocks" / "block-000004.parquet").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    report = run_sweep(design, out, workers=1, resume=True, progress=False)
    assert report.blocks_run == 2  # the damaged one and the missing one, nothing else
    assert not list((out / "blocks").glob(".*.tmp"))
    assert_same_sweep(one, out)


def test_a_second_sweep_in_the_same_directory_is_refused(serial, tmp_path):
    from model.errors import InputError
    from model.experiments.store import SweepDir

    design, _ = serial
    out = tmp_path / "locked"
    with SweepDir(out).lock():
        with pytest.raises(InputError) as err:
            run_sweep(design, out, workers=1, resume=True, progress=False)
    assert "another sweep is running" in str(err.value)


def test_progress_bar_shows_rate_and_eta_when_asked(serial, tmp_path, capsys):
    design, _ = serial
    run_sweep(design, tmp_path / "p", workers=1, progress=True)
    err = capsys.readouterr().err
    assert "rep/s" in err and "<" in err  # tqdm: rate and time remaining
    run_sweep(design, tmp_path / "q", workers=1, progress=None)  # not a terminal: quiet
    assert capsys.readouterr().err == ""


# --- interruptions, in a real process ---------------------------------------------------------

LONG = """
scenario: november-2024
sampler: lhs
samples: 1200
replications: 50
seed: 23
block_replications: 500
factors:
  seoul.public_opposition: {low: 0.4, high: 0.79}
  seoul.threat_weight: {low: 1.0, high: 10.0}
"""


def _as_from_a_terminal() -> None:
    """The child starts with Ctrl-C and SIGTERM at their defaults and unblocked, as from a
    terminal, whatever an earlier test left in this process (a child inherits an ignored
    or blocked signal, and Python then installs no Ctrl-C handler: the sweep ran to the end)."""
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def _start(design: Path, out: Path, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "model", "sweep", str(design), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )


def _wait_for_blocks(proc, out: Path, n: int):
    blocks = out / "blocks"
    while proc.poll() is None:
        if blocks.is_dir() and len(list(blocks.glob("block-*.parquet"))) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"the sweep ended before {n} blocks were written: {proc.communicate()[1]}")


def _group_ends(pgid: int, patience: float = 20.0) -> bool:
    """Whether every process of the group has exited (workers finish their block first)."""
    end = time.monotonic() + patience
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("long")
    path = write(tmp, LONG)
    run_sweep(load_design(path), tmp / "whole", workers=1, progress=False)
    return path, tmp / "whole"


@pytest.mark.slow
def test_resume_after_kill_9_loses_nothing_and_repeats_nothing(uninterrupted, tmp_path):
    path, whole = uninterrupted
    out = tmp_path / "killed"
    proc = _start(path, out, "--workers", "2")
    try:
        _wait_for_blocks(proc, out, 8)
        proc.send_signal(signal.SIGKILL)  # the coordinator dies with no chance to clean up
        proc.wait(timeout=30)
    finally:
        _kill_group(proc)  # and, like a power cut, anything it left running
    survivors = {p.name: p.stat().st_mtime_ns for p in (out / "blocks").glob("block-*.parquet")}
    total = len(load_design(path).blocks())
    assert 8 <= len(survivors) < total
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "model",
            "sweep",
            str(path),
            "--out",
            str(out),
            "--resume",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    after = {p.name: p.stat().st_mtime_ns for p in (out / "blocks").glob("block-*.parquet")}
    assert len(after) == total
    assert all(after[name] == t for name, t in survivors.items())  # none was run twice
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete"
    assert m["sessions"][0]["status"] == "ended without a clean stop"
    assert m["sessions"][1]["blocks_before"] == len(survivors)
    rows = pd.concat(blocks_of(out).values(), ignore_index=True)
    assert len(rows) == 1200 * 50 and not rows.duplicated(["point", "replication"]).any()
    assert_same_sweep(whole, out)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(uninterrupted, tmp_path):
    path, whole = uninterrupted
    out = tmp_path / "stopped"
    proc = _start(path, out, "--workers", "2")
    try:
        _wait_for_blocks(proc, out, 3)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends the whole group
        stdout, stderr = proc.communicate(timeout=60)
        assert _group_ends(proc.pid), "worker processes outlived the interrupted sweep"
    finally:
        _kill_group(proc)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr and f"--out {out} --resume" in stderr
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["sessions"][0]["status"] == "interrupted"
    report = run_sweep(load_design(path), out, workers=1, resume=True, progress=False)
    assert report.blocks_skipped == m["sessions"][0]["blocks_after"] >= 3
    assert_same_sweep(whole, out)


def test_keyboard_interrupt_in_process_marks_the_sweep_interrupted(tmp_path, monkeypatch):
    from model.experiments import executors

    design = load_design(write(tmp_path, SMALL))
    calls = {"n": 0}
    real = executors.run_block

    def flaky(task):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(executors, "run_block", flaky)
    with pytest.raises(SweepInterrupted) as err:
        run_sweep(design, tmp_path / "out", workers=1, progress=False)
    assert err.value.done == 2 and err.value.total == 5
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == "interrupted"
    assert not (tmp_path / "out" / "summary.parquet").exists()
