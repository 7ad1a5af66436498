"""The forecast scoreboard: observables from the record, forecasts that do not see the future,
the analysts' words read as numbers, Brier and log scores, held-out marks, the command and the
Evidence page."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import load_scenario, simulate
from model.calibration import load_targets
from model.calibration import scoreboard as sb
from model.calibration.calibrated import draw, load_calibration
from model.cli import app
from model.evidence import load_register
from model.scenario import month_index

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
REPS = 300


@pytest.fixture(scope="module")
def board():
    cal = load_calibration("record")
    return sb.score(sb.model_runs(REPS, 3, cal), load_targets("targets"))


def test_brier_and_log_scores():
    assert sb.brier(0.55, False) == pytest.approx(0.3025)
    assert sb.brier(0.2, True) == pytest.approx(0.64)
    assert sb.log_score(0.55, False) == pytest.approx(-math.log(0.45))
    assert sb.log_score(0.9, True) == pytest.approx(-math.log(0.9))


def test_every_observable_is_answered_by_the_record_and_not_told_to_the_model():
    register = load_register()
    for obs in sb.OBSERVABLES:
        for e in obs.excerpts:
            assert register.sources[register.excerpt(e).source].kind == "outside-documents"
    for origin in sb.ORIGINS:
        sc = sb.forecast_scenario(origin)
        assert sc.injects == [] and sc.months()[-1] == sb.CLOSE  # no inject: no foresight
        assert sc.start == load_scenario(origin).start


def test_model_forecasts_are_the_share_of_worlds_by_the_month(board):
    sc = sb.forecast_scenario("november-2024")
    res = simulate(sc, reps=REPS, seed=3)
    row = board[
        (board["observable"] == "weapons-2025")
        & (board["forecaster"] == sb.forecaster_name("november-2024", False))
    ].iloc[0]
    assert row["probability"] == res.outcomes["weapons_supplied"].mean()
    # by December 2024 from July 2024 counts the first six months only
    july = simulate(sb.forecast_scenario("july-2024"), reps=REPS, seed=3)
    months = july.outcomes["months_to_lethal_aid"]
    expect = float(months.le(6).fillna(False).mean())
    row = board[
        (board["observable"] == "lethal-aid-2024")
        & (board["forecaster"] == sb.forecaster_name("july-2024", False))
    ].iloc[0]
    assert row["probability"] == expect and row["by"] == "2024-12"
    assert month_index("2024-12") - month_index(july.scenario.start) + 1 == 6


def test_calibrated_forecasts_draw_each_worlds_weights_as_run_does(board):
    cal = load_calibration("record")
    sc = sb.forecast_scenario("november-2024")
    res = simulate(sc, reps=REPS, seed=3, varying=draw(cal, 3).varying(0, REPS))
    row = board[
        (board["observable"] == "collapse-2025")
        & (board["forecaster"] == sb.forecaster_name("november-2024", True))
    ].iloc[0]
    assert row["probability"] == res.outcomes["relations_collapsed"].mean()
    assert row["brier"] == pytest.approx(row["probability"] ** 2)  # it did not happen


def test_the_analysts_calls_are_read_as_labelled_numbers(board):
    asmolov = board[board["forecaster"] == "Asmolov"]
    assert list(asmolov["observable"]) == ["arms-and-collapse-2024"]
    a = asmolov.iloc[0]
    assert a["probability"] == 0.55 and a["brier"] == pytest.approx(0.3025)
    assert a["log score"] == pytest.approx(-math.log(0.45)) and "assumption" in a["basis"]
    seok = board[board["forecaster"] == "Seok"].set_index("observable")
    assert seok.loc["troops-sent-2025", "probability"] == 0.05
    assert seok.loc["offensive-weapons-2025", "probability"] == 0.15
    assert seok["log score"].isna().all()  # words read as numbers: no log score
    assert seok["basis"].str.contains("assumption").all()


def test_held_out_observables_are_those_of_held_out_targets(board):
    targets = load_targets("targets")
    first = board.drop_duplicates("observable").set_index("observable")
    for obs in sb.OBSERVABLES:
        held = {t.name for t in targets.held_out if set(t.source) & set(obs.excerpts)}
        assert first.loc[obs.name, "held out"] == bool(held)
    assert first.loc["lethal-aid-2024", "held out"]  # july-no-lethal-aid-2024
    assert not first.loc["troops-sent-2025", "held out"]  # no-troops-2025 is fitted
    assert first.loc["troops-sent-2025", "fit targets"] == "no-troops-2025"


def test_the_wide_table_and_totals(board):
    wide = sb.wide(board)
    assert len(wide) == len(sb.OBSERVABLES)
    assert set(sb.forecasters(board)) <= set(wide.columns)
    totals = sb.totals(board).set_index("forecaster")
    seok = board[board["forecaster"] == "Seok"]
    assert totals.loc["Seok", "mean Brier"] == pytest.approx(seok["brier"].mean())
    assert totals.loc["Seok", "observables"] == 2
    assert math.isnan(totals.loc["Seok", "mean log score"])
    # a forecast from July is asked about the troops' deployment, one from November is not
    assert (
        wide.loc[
            wide["observable"].str.startswith("North Korean troops"),
            sb.forecaster_name("november-2024", False),
        ].item()
        == "-"
    )
    assert all("_" not in str(v) for v in wide.iloc[:, 0])  # words, not identifiers


def test_scoreboard_prints_and_writes_csv_md_and_png(tmp_path):
    base = ["scoreboard", "--reps", "200", "--seed", "2"]
    r = runner.invoke(app, [*base, "--out", str(tmp_path / "b.csv")])
    assert r.exit_code == 0, r.output
    assert "Brier" in r.output and "Asmolov" in r.output and "0.55" in r.output
    frame = pd.read_csv(tmp_path / "b.csv")
    assert {"forecaster", "probability", "brier", "log score", "held out"} <= set(frame.columns)
    assert frame["forecaster"].str.contains("calibrated").any()
    assert runner.invoke(app, [*base, "--out", str(tmp_path / "b.md")]).exit_code == 0
    assert "HELD OUT" in (tmp_path / "b.md").read_text()
    assert runner.invoke(app, [*base, "--out", str(tmp_path / "b.png")]).exit_code == 0
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scoreboard_without_a_calibration_scores_the_defaults_only(tmp_path):
    r = runner.invoke(
        app,
        ["scoreboard", "--reps", "200", "--calibrated", "none", "--out", str(tmp_path / "b.csv")],
    )
    assert r.exit_code == 0, r.output
    assert not pd.read_csv(tmp_path / "b.csv")["calibrated"].any()


@pytest.mark.parametrize("name", ["b.txt", "exists.csv"])
def test_scoreboard_refuses_a_bad_or_existing_out_file(tmp_path, name):
    (tmp_path / "exists.csv").write_text("mine")
    r = runner.invoke(app, ["scoreboard", "--reps", "200", "--out", str(tmp_path / name)])
    assert r.exit_code == 2 and "--out" in r.output
    assert (tmp_path / "exists.csv").read_text() == "mine"
    assert not (tmp_path / "b.txt").exists()


def test_scoreboard_refuses_a_calibration_against_another_targets_file(tmp_path):
    from tests.test_calibrated import fake_calibration

    where = fake_calibration(tmp_path / "cal")
    out = tmp_path / "b.csv"
    r = runner.invoke(
        app, ["scoreboard", "--reps", "200", "--calibrated", str(where), "--out", str(out)]
    )
    assert r.exit_code == 2 and "targets.sha256" in r.output and not out.exists()
    assert len(r.output.strip().splitlines()) == 1


# --- the Evidence page ----------------------------------------------------------------------


def test_the_evidence_page_shows_the_record_and_the_scoreboard():
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    at = at.switch_page("views/evidence.py").run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe]
    record = next(t for t in tables if "outside the documents" in t.columns)
    register = load_register()
    ids = {e.id for s in register.sources.values() if s.kind != "document" for e in s.excerpts}
    assert {e.id for e in register.sources["record"].excerpts} <= ids
    assert set(record["excerpt"]) == ids and record["outside the documents"].all()
    assert record["citation"].str.contains("OUTSIDE the analysed documents").all()
    shown = next(t for t in tables if "Brier score" in t.columns)
    expected = sb.score(
        sb.model_runs(sb.DEFAULT_REPS, sb.DEFAULT_SEED, load_calibration("record")),
        load_targets("targets"),
    )
    assert len(shown) == len(expected)
    assert np.allclose(shown["Brier score"], expected["brier"])
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert any("scored against" in json.dumps(c.get("title", "")) for c in charts), (
        "no scoreboard chart"
    )
