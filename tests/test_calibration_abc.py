"""Refinement by ABC-SMC (`redline calibrate-abc`): the command end to end, determinism,
bad options, Ctrl-C and --resume, and runs that draw from the weighted posterior."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import test_calibration
from typer.testing import CliRunner

import model.calibration.abc as abc
from model.calibration import load_targets, parse_targets, run_calibration
from model.calibration.calibrated import draw, load_calibration
from model.cli import app

runner = CliRunner()

# The small calibration of tests/test_calibration.py over six months: ABC in seconds.
SMALL = test_calibration.SMALL.replace("name: small\n", "name: small-abc\n").replace(
    '"2025-06"', '"2025-04"'
)
ABC_ARGS = ["--populations", "3", "--size", "8", "--reps", "20", "--seed", "3", "--workers", "1"]
ENSEMBLE_MISS = (("estimate", -99.0), ("variance", 0.0))


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    """A finished history matching (the targets file beside it, as the manifest names it)."""
    tmp = tmp_path_factory.mktemp("abc")
    path = tmp / "small-abc.yaml"
    path.write_text(SMALL)
    out = tmp / "calibration"
    run_calibration(
        load_targets(path),
        out,
        {"waves": 1, "points": 12, "replications": 30, "seed": 4},
        workers=1,
    )
    return out


def copy(calibration: Path, where: Path) -> Path:
    return Path(shutil.copytree(calibration, where))


def refine_cli(directory: Path, *extra: str):
    return runner.invoke(app, ["calibrate-abc", str(directory), *ABC_ARGS, *extra])


@pytest.fixture(scope="module")
def refined(calibration, tmp_path_factory):
    """The real command in a fresh interpreter, end to end."""
    directory = copy(calibration, tmp_path_factory.mktemp("refined") / "calibration")
    r = subprocess.run(
        [sys.executable, "-m", "model", "calibrate-abc", str(directory), *ABC_ARGS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return directory, r


def posterior(directory: Path) -> pd.DataFrame:
    return pd.read_parquet(directory / abc.POSTERIOR)


# --- end to end ---------------------------------------------------------------------------


def test_the_command_writes_a_weighted_posterior_inside_the_surviving_range(refined):
    directory, r = refined
    assert r.returncode == 0, r.stderr
    assert "ABC-SMC" in r.stdout and "posterior.parquet" in r.stdout
    post = posterior(directory)
    assert len(post) == 8
    assert post["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (post["weight"] > 0).all()
    survivors = pd.read_parquet(directory / "survivors.parquet")
    for name in ("seoul.threat_weight", "seoul.change_cost"):
        assert post[name].between(survivors[name].min(), survivors[name].max()).all(), name
    assert (directory / abc.HISTORY).is_file() and not (directory / abc.PARTIAL).exists()
    assert (directory / abc.REPORT_PNG).stat().st_size > 0


def test_every_particle_meets_the_last_epsilon_by_its_largest_fit_implausibility(refined):
    directory, _ = refined
    post = posterior(directory)
    m = json.loads((directory / "manifest.json").read_text())
    entry = m["abc"]
    assert m["status"] == "complete" and entry["status"] == "complete"
    pops = entry["populations"]
    assert pops[0]["epsilon"] == m["settings"]["cutoff"]  # population 0 at the waves' cut-off
    assert all(p["epsilon"] >= entry["settings"]["min_epsilon"] for p in pops)
    assert [p["epsilon"] for p in pops] == sorted((p["epsilon"] for p in pops), reverse=True)
    fit = [c for c in post.columns if c.startswith("implausibility: ")]
    assert sorted(fit) == [
        "implausibility: no-weapons",
        "implausibility: red-line-raises-lethal-aid",
    ]  # the held-out target takes no part
    np.testing.assert_allclose(post["largest implausibility"], post[fit].max(axis=1))
    assert (post["largest implausibility"] <= pops[-1]["epsilon"]).all()
    assert entry["posterior"]["population"] == pops[-1]["population"]


def test_the_report_gains_a_section_with_each_parameters_posterior(refined):
    directory, _ = refined
    text = (directory / "report.md").read_text()
    section = text.split("## Refinement by ABC-SMC")[1].split("## Files")[0]
    for words in ("epsilon", "acceptance rate", "posterior median", "posterior 90% range"):
        assert words in section, words
    for name in ("seoul.threat_weight", "seoul.change_cost"):
        assert f"| {name} |" in section
    assert "## Surviving ranges" in text  # the history matching's report is still there
    assert "_" not in section.replace("seoul.threat_weight", "").replace("seoul.change_cost", "")


def test_the_prior_is_the_surviving_range_within_the_register():
    t = parse_targets(SMALL, "small.yaml")
    survivors = pd.DataFrame({"seoul.threat_weight": [2.5, 7.0], "seoul.change_cost": [3.0, 3.0]})
    ranges = {r.name: r for r in abc.prior_ranges(t, survivors)}
    assert (ranges["seoul.threat_weight"].low, ranges["seoul.threat_weight"].high) == (2.5, 7.0)
    assert ranges["seoul.change_cost"].fixed  # one surviving value: held there
    counts = abc.Range("n", int, 2, 4, (0, 9))
    assert counts.width() == 3  # the last integer gets a whole unit, like the others
    assert [counts.value(x) for x in (2.0, 2.99, 3.5, 4.999, 5.0)] == [2, 2, 3, 4, 4]


def test_progress_reports_each_population_to_its_size(refined, calibration, tmp_path):
    directory, _ = refined
    seen = []

    def record(label, accepted, size, runs):
        seen.append((label, accepted, size, runs))

    settings = {"populations": 3, "size": 8, "replications": 20, "seed": 3}
    abc.refine(copy(calibration, tmp_path / "p"), None, settings, workers=1, progress=record)
    labels = list(dict.fromkeys(label for label, *_ in seen))
    pops = json.loads((directory / "manifest.json").read_text())["abc"]["populations"]
    assert labels == [f"population {p['population']}" for p in pops]
    for label, p in zip(labels, pops):
        steps = [(a, n, runs) for lab, a, n, runs in seen if lab == label]
        assert steps[0] == (0, 8, 0) and steps[-1] == (8, 8, p["model_runs"])


# --- determinism ----------------------------------------------------------------------------


def test_the_same_seed_gives_an_identical_posterior_and_another_seed_another(
    refined, calibration, tmp_path
):
    directory, r = refined
    assert r.returncode == 0, r.stderr
    again = copy(calibration, tmp_path / "again")
    assert refine_cli(again).exit_code == 0
    pd.testing.assert_frame_equal(posterior(directory), posterior(again), check_exact=True)
    other = copy(calibration, tmp_path / "other")
    assert refine_cli(other, "--seed", "4").exit_code == 0
    assert not posterior(other)["seoul.threat_weight"].equals(
        posterior(again)["seoul.threat_weight"]
    )


@pytest.mark.slow
def test_two_workers_give_the_posterior_of_one(refined, calibration, tmp_path):
    directory, _ = refined
    two = copy(calibration, tmp_path / "two")
    assert refine_cli(two, "--workers", "2").exit_code == 0
    pd.testing.assert_frame_equal(posterior(directory), posterior(two), check_exact=True)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, field",
    [
        ("--size", "1", "--size"),
        ("--populations", "0", "--populations"),
        ("--min-epsilon", "7", "--min-epsilon"),
        ("--reps", "1", "--reps"),
    ],
)
def test_a_bad_option_value_is_one_line_exit_2_and_writes_nothing(
    calibration, tmp_path, option, value, field
):
    directory = copy(calibration, tmp_path / "bad")
    before = sorted(p.name for p in directory.iterdir())
    manifest = (directory / "manifest.json").read_bytes()
    r = runner.invoke(app, ["calibrate-abc", str(directory), option, value])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and field in lines[0], r.output
    assert sorted(p.name for p in directory.iterdir()) == before
    assert (directory / "manifest.json").read_bytes() == manifest


def test_the_shipped_calibration_and_a_missing_directory_are_refused(tmp_path):
    for where in ("record", str(tmp_path / "nowhere")):
        r = runner.invoke(app, ["calibrate-abc", where, *ABC_ARGS])
        assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output
    assert "read-only" in runner.invoke(app, ["calibrate-abc", "record"]).output


def test_a_refined_calibration_is_not_refined_again_without_resume(refined):
    directory, _ = refined
    post = (directory / abc.POSTERIOR).read_bytes()
    r = refine_cli(directory)
    assert r.exit_code == 2 and "refined already" in r.output
    assert (directory / abc.POSTERIOR).read_bytes() == post


def test_without_pyabc_the_command_names_the_extra(calibration, tmp_path):
    directory = copy(calibration, tmp_path / "no-pyabc")
    code = "import sys\nsys.modules['pyabc'] = None\nfrom model.cli import app\napp(prog_name='redline')\n"
    r = subprocess.run(
        [sys.executable, "-c", code, "calibrate-abc", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: redline calibrate-abc needs the abc extra: pip install 'redline[abc]'"
    )
    assert not (directory / abc.PARTIAL).exists()


# --- Ctrl-C and --resume --------------------------------------------------------------------


def test_ctrl_c_keeps_finished_populations_and_resume_gives_the_same_posterior(
    refined, calibration, tmp_path, monkeypatch
):
    directory, _ = refined
    cut = copy(calibration, tmp_path / "cut")
    real, real_population, calls = abc.Ensemble.__call__, abc._Refinement.population, []

    def interrupted(self, parameter):  # the fourth particle of population 1
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(self, parameter)

    def population(self, t):
        if t == 1:
            monkeypatch.setattr(abc.Ensemble, "__call__", interrupted)
        return real_population(self, t)

    monkeypatch.setattr(abc._Refinement, "population", population)
    r = refine_cli(cut)
    assert r.exit_code == 130
    assert "interrupted in population 1" in r.output and "--resume" in r.output
    assert (cut / abc.PARTIAL).is_file() and not (cut / abc.POSTERIOR).exists()
    m = json.loads((cut / "manifest.json").read_text())
    assert m["abc"]["status"] == "interrupted" and len(m["abc"]["populations"]) == 1
    assert m["status"] == "complete"  # the history matching stays usable meanwhile
    monkeypatch.setattr(abc.Ensemble, "__call__", real)
    monkeypatch.setattr(abc._Refinement, "population", real_population)
    again = refine_cli(cut)
    assert again.exit_code == 2 and "--resume" in again.output  # not without asking
    r = runner.invoke(app, ["calibrate-abc", str(cut), "--resume", "--workers", "1"])
    assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(posterior(directory), posterior(cut), check_exact=True)
    assert not (cut / abc.PARTIAL).exists() and (cut / abc.HISTORY).is_file()


def test_resume_with_another_setting_is_refused(refined, calibration, tmp_path, monkeypatch):
    cut = copy(calibration, tmp_path / "cut")

    def stop(self, parameter):
        raise KeyboardInterrupt

    monkeypatch.setattr(abc.Ensemble, "__call__", stop)
    assert refine_cli(cut).exit_code == 130
    monkeypatch.undo()
    r = runner.invoke(app, ["calibrate-abc", str(cut), "--resume", "--size", "9"])
    assert r.exit_code == 2 and "--size" in r.output
    assert not (cut / abc.POSTERIOR).exists()


def test_a_population_that_needs_too_many_model_runs_is_not_kept(
    calibration, tmp_path, monkeypatch
):
    directory = copy(calibration, tmp_path / "costly")
    real_population = abc._Refinement.population

    def far_off(self, parameter):  # every target missed by far: nothing is accepted
        return {f"{k}: {t.name}": v for t in self.targets.fit for k, v in ENSEMBLE_MISS}

    def population(self, t):
        if t == 1:  # population 1 is given up after 8 / 0.5 = 16 model runs
            monkeypatch.setattr(abc, "MIN_ACCEPTANCE", 0.5)
            monkeypatch.setattr(abc.Ensemble, "__call__", far_off)
        return real_population(self, t)

    monkeypatch.setattr(abc._Refinement, "population", population)
    r = refine_cli(directory, "--min-epsilon", "0")
    assert r.exit_code == 0, r.output
    m = json.loads((directory / "manifest.json").read_text())["abc"]
    assert m.get("given_up") == 1 and "not kept" in m["stopped"], r.output
    assert [p["population"] for p in m["populations"]] == [0]
    assert (posterior(directory)["population"] == 0).all()


def test_when_population_0_cannot_be_filled_it_says_so_in_one_line(
    calibration, tmp_path, monkeypatch
):
    directory = copy(calibration, tmp_path / "hopeless")
    monkeypatch.setattr(abc.LargestImplausibility, "of", lambda self, x: 99.0)
    monkeypatch.setattr(abc, "MIN_ACCEPTANCE", 0.5)  # give up after 16 model runs
    r = refine_cli(directory)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert lines[-1].startswith("error:") and "population 0" in lines[-1], r.output
    assert not (directory / abc.POSTERIOR).exists()


# --- runs that draw from the posterior ----------------------------------------------------------


def test_a_run_draws_from_the_posterior_only_when_asked_and_by_weight(refined, tmp_path):
    directory, _ = refined
    survivors = load_calibration(directory)
    assert survivors.weights is None and survivors.source == "survivors"
    cal = load_calibration(directory, posterior=True)
    post = posterior(directory)
    assert cal.size == len(post) and cal.weights.sum() == pytest.approx(1.0)
    d = draw(cal, seed=2)
    picks = d.indices(0, 40_000)
    share = np.bincount(picks, minlength=cal.size) / len(picks)
    np.testing.assert_allclose(share, cal.weights, atol=0.01)
    out = tmp_path / "run"
    r = runner.invoke(
        app,
        ["run", "november-2024", "--reps", "40", "--calibrated", str(directory), "--posterior"]
        + ["--parameter-sets", "2", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert "ABC-SMC posterior" in r.output
    drawn = pd.read_parquet(out / "parameters.parquet")
    rows = post.iloc[drawn["particle"].to_numpy()]
    np.testing.assert_array_equal(drawn["seoul.threat_weight"], rows["seoul.threat_weight"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["calibration"]["drawn_from"] == "posterior.parquet"


def test_posterior_without_a_refinement_or_without_calibrated_is_refused(calibration):
    r = runner.invoke(app, ["run", "--calibrated", str(calibration), "--posterior"])
    assert r.exit_code == 2 and "posterior.parquet" in r.output
    r = runner.invoke(app, ["run", "--posterior"])
    assert r.exit_code == 2 and "--calibrated" in r.output
