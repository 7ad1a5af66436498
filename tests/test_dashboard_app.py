"""Every dashboard page through Streamlit's AppTest: widgets, runs, cards, chart data, links,
uploads. (Real-browser checks are in test_dashboard_browser.py.)"""

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import charts, state, sweep
from model import load_scenario, simulate
from model.scenario import dump_yaml

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 60


@pytest.fixture
def app():
    """A fresh app with an empty cache (st.cache_data is shared between AppTest instances)."""
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def cards(at) -> dict:
    return {m.label: m for m in at.metric}


def expected_cards(scenario, reps, seed) -> dict:
    s = charts.outcome_summary(simulate(scenario, reps=reps, seed=seed))
    return {row.title: f"{row.probability:.1%}" for row in s.itertuples()}


def chart_data(at, title: str) -> pd.DataFrame:
    """The data of the chart whose title is `title` (charts are generic elements in AppTest)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        text = spec.get("title", {})
        if (text.get("text") if isinstance(text, dict) else text) == title:
            return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()
    raise AssertionError(f"no chart titled {title!r}")


def run_button(at):
    return at.button(key="run")


# ---------------------------------------------------------------- Scenario page


def test_default_page_shows_the_default_scenario_odds_and_charts(app):
    at = ok(app.run())
    scenario = load_scenario("november-2024")
    got = {label: m.value for label, m in cards(at).items()}
    assert got == expected_cards(scenario, 1000, 1)
    assert all(m.delta in ("", None) for m in at.metric)  # nothing changed: no deltas
    assert at.query_params == {"scenario": "november-2024", "reps": "1000", "seed": "1"}
    ladder = chart_data(at, "Seoul's assistance rung")
    assert ladder["month"].tolist() == scenario.months()
    assert len(at.get("vega_lite_chart")) >= 7


def test_moving_a_slider_and_running_updates_cards_url_and_charts(app):
    at = ok(app.run())
    before = chart_data(at, "Seoul's shell stockpile")
    at.slider(key="seoul.stockpile_days").set_value(120.0)
    at.slider(key="seoul.public_opposition").set_value(0.6)
    ok(run_button(at).click().run())
    scenario = load_scenario(
        "november-2024", overrides={"seoul.stockpile_days": 120.0, "seoul.public_opposition": 0.6}
    )
    got = {label: m.value for label, m in cards(at).items()}
    assert got == expected_cards(scenario, 1000, 1)
    assert all("pp vs defaults" in m.delta for m in at.metric)
    assert at.query_params["seoul.public_opposition"] == "0.6"
    assert at.query_params["seoul.stockpile_days"] == "120.0"
    after = chart_data(at, "Seoul's shell stockpile")
    assert after["median"].iloc[0] > before["median"].iloc[0]
    assert any("seoul.public_opposition" in m.value for m in at.markdown)


def test_slider_changes_wait_for_run_in_the_form(app):
    at = ok(app.run())
    at.slider(key="seoul.public_opposition").set_value(0.3).run()
    assert "seoul.public_opposition" not in at.query_params
    assert all(m.delta in ("", None) for m in at.metric)


def test_run_on_every_change_needs_no_button(app):
    at = ok(app.run())
    ok(at.toggle(key="auto_run").set_value(True).run())
    ok(at.slider(key="nato.pressure").set_value(0.9).run())
    assert at.query_params["nato.pressure"] == "0.9"


def test_a_link_fills_the_controls(app):
    app.query_params.update(
        {
            "scenario": "red-line",
            "seoul.public_opposition": "0.6",
            "seoul.step_by_step": "false",
            "reps": "400",
            "seed": "3",
        }
    )
    at = ok(app.run())
    assert at.selectbox(key="scenario").value == "red-line"
    assert at.slider(key="seoul.public_opposition").value == 0.6
    assert at.toggle(key="seoul.step_by_step").value is False
    assert at.number_input(key="reps").value == 400 and at.number_input(key="seed").value == 3
    assert not at.warning
    scenario = load_scenario(
        "red-line", overrides={"seoul.public_opposition": 0.6, "seoul.step_by_step": False}
    )
    assert {k: m.value for k, m in cards(at).items()} == expected_cards(scenario, 400, 3)


def test_a_bad_link_says_so_and_uses_defaults(app):
    app.query_params.update(
        {"scenario": "red-line", "seoul.public_opposition": "2.5", "seoul.bogus": "1", "reps": "-4"}
    )
    at = ok(app.run())
    warnings = " ".join(w.value for w in at.warning)
    assert "seoul.public_opposition" in warnings and "seoul.bogus" in warnings
    assert "reps" in warnings
    assert at.slider(key="seoul.public_opposition").value == 0.742
    assert at.number_input(key="reps").value == state.DEFAULT_REPS
    assert at.selectbox(key="scenario").value == "red-line"


def test_switching_scenario_loads_its_values(app):
    at = ok(app.run())
    at.selectbox(key="scenario").set_value("assembly-majority")
    ok(at.run())
    assert at.slider(key="seoul.assembly_opposition_seats").value == 130
    assert at.query_params["scenario"] == "assembly-majority"


def test_reset_returns_to_the_scenario_values(app):
    at = ok(app.run())
    at.slider(key="nato.pressure").set_value(0.9)
    ok(run_button(at).click().run())
    reset = next(b for b in at.button if b.label == "Reset to the scenario's values")
    ok(reset.click().run())
    assert at.slider(key="nato.pressure").value == 0.5
    assert "nato.pressure" not in at.query_params


def test_uploading_a_scenario_loads_it(app):
    at = ok(app.run())
    text = dump_yaml(load_scenario("atrocity", overrides={"nato.pressure": 0.8})).replace(
        "name: atrocity", "name: our-room"
    )
    at.file_uploader(key="upload").set_value(("our-room.yaml", text.encode(), "application/yaml"))
    ok(at.run())
    assert any("our-room" in s.value for s in at.success)
    assert at.selectbox(key="scenario").value == "upload:our-room"
    assert at.slider(key="nato.pressure").value == 0.8
    scenario = state.read_upload("x.yaml", text.encode())
    assert {k: m.value for k, m in cards(at).items()} == expected_cards(scenario, 1000, 1)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"name: [oops", "not valid YAML"),
        (b"name: x\nlaunch_codes: 1\n", "unknown key"),
        (b"name: x\nparameters:\n  seoul:\n    public_opposition: 7\n", "seoul.public_opposition"),
        (b"name: !!python/object/apply:os.system ['id']\n", "tag"),
        (b"a: &a [1, 1, 1, 1]\nb: [*a, *a, *a, *a]\n", "aliases"),
        (b"#" * 1_200_000, "at most 1,000,000 bytes"),
        (b"[" * 50_000, "nests too deeply"),
    ],
)
def test_a_bad_upload_is_refused_and_changes_nothing(app, data, words):
    at = ok(app.run())
    at.slider(key="nato.pressure").set_value(0.9)
    ok(run_button(at).click().run())
    before = {k: m.value for k, m in cards(at).items()}
    at.file_uploader(key="upload").set_value(("evil.yaml", data, "application/yaml"))
    ok(at.run())
    errors = " ".join(e.value for e in at.error)
    assert "Upload refused, nothing changed" in errors and "evil.yaml" in errors
    assert words in errors
    assert at.selectbox(key="scenario").value == "november-2024"
    assert at.slider(key="nato.pressure").value == 0.9
    assert at.query_params["nato.pressure"] == "0.9"
    assert {k: m.value for k, m in cards(at).items()} == before


def test_the_story_tells_the_picked_replication(app):
    at = ok(app.run())
    at.selectbox(key="story_filter").set_value("seoul's red line crossed")
    ok(at.run())
    pick = at.selectbox(key="story_replication").value
    story = at.code[0].value
    assert f"replication {pick} of 1,000 (seed 1)" in story
    outcomes = simulate(load_scenario("november-2024"), reps=1000, seed=1).outcomes
    assert bool(outcomes.loc[pick, "red_line_crossed"])


def test_export_shows_commands_that_reproduce_the_run(app):
    at = ok(app.run())
    at.slider(key="nato.pressure").set_value(0.9)
    ok(run_button(at).click().run())
    commands = [c.value for c in at.code if c.language == "bash"]
    assert "redline run november-2024-custom.yaml --reps 1000 --seed 1" in commands
    assert "redline run november-2024 --set nato.pressure=0.9 --reps 1000 --seed 1" in commands


def test_save_for_compare_then_compare(app):
    at = ok(app.run())
    at.slider(key="seoul.assembly_opposition_seats").set_value(120)
    ok(run_button(at).click().run())
    at.text_input(key="save_name").set_value("ruling majority")
    ok(next(b for b in at.button if b.label == "Save for Compare").click().run())
    ok(at.switch_page("views/compare.py").run())
    pick = at.multiselect(key="compare_pick")
    assert "saved: ruling majority" in pick.options
    ok(pick.set_value(["november-2024", "saved: ruling majority", "red-line"]).run())
    assert [h.value for h in at.markdown if h.value.startswith("#### ")] == [
        "#### november-2024",
        "#### saved: ruling majority",
        "#### red-line",
    ]
    data = chart_data(at, "Probability within the horizon")
    assert list(dict.fromkeys(data["label"])) == [
        "november-2024",
        "saved: ruling majority",
        "red-line",
    ]
    saved = load_scenario("november-2024", overrides={"seoul.assembly_opposition_seats": 120})
    lethal = data[(data["label"] == "saved: ruling majority") & (data["outcome"] == "lethal_aid")]
    expected = charts.outcome_summary(simulate(saved, reps=1000, seed=1)).set_index("outcome")
    assert lethal["probability"].iloc[0] == expected.loc["lethal_aid", "probability"]


# ---------------------------------------------------------------- other pages


def test_compare_defaults_to_current_and_red_line(app):
    at = ok(app.run())
    ok(at.switch_page("views/compare.py").run())
    assert at.multiselect(key="compare_pick").value == ["current: november-2024", "red-line"]
    assert len(at.metric) == 2 * len(charts.KEY_OUTCOMES)
    ok(at.multiselect(key="compare_pick").set_value(["red-line"]).run())
    assert any("at least two" in i.value for i in at.info)


def test_sweep_one_parameter_gives_a_line_per_outcome(app):
    at = ok(app.run())
    ok(at.switch_page("views/sweep.py").run())
    at.selectbox(key="sweep_param_x").set_value("seoul.assembly_opposition_seats")
    ok(at.run())
    at.slider(key="sweep_range_x_seoul.assembly_opposition_seats").set_value((100, 200))
    at.slider(key="sweep_points_x").set_value(3)
    at.select_slider(key="sweep_reps_1").set_value(100)
    ok(at.button(key="sweep_run").click().run())
    assert len(at.get("vega_lite_chart")) == 1
    data = chart_data(at, "Probability as seoul.assembly_opposition_seats varies")
    assert sorted(set(data["seoul.assembly_opposition_seats"])) == [100, 150, 200]
    assert set(data["outcome"]) == {"lethal_aid", "moscow_retaliated", "relations_collapsed"}
    # the page's numbers are the sweeps package's for these settings and the seed shown
    seats = sweep.Factor("seoul.assembly_opposition_seats", 100, 200, 3)
    seed = at.number_input(key="sweep_seed").value
    want = sweep.run(load_scenario("november-2024"), [seats], 100, seed)
    want = want[want["outcome"].isin(set(data["outcome"]))]
    assert data["probability"].tolist() == want["probability"].tolist()


def test_sweep_two_parameters_gives_a_heatmap(app):
    at = ok(app.run())
    ok(at.switch_page("views/sweep.py").run())
    ok(at.radio(key="sweep_n").set_value(2).run())
    at.slider(key="sweep_points_x").set_value(2)
    at.slider(key="sweep_points_y").set_value(3)
    at.select_slider(key="sweep_reps_2").set_value(100)
    ok(at.button(key="sweep_run").click().run())
    data = chart_data(at, f"{charts.label(charts.CARD_ORDER[0])}: probability")  # the default
    assert len(data) == 6
    assert sorted(set(data["seoul.public_opposition"])) == [0.0, 1.0]


def test_sensitivity_runs_a_small_morris_analysis(app, tmp_path, monkeypatch):
    from dashboard import sensitivity

    monkeypatch.setattr(sensitivity, "CACHE", tmp_path / "sweeps")
    at = ok(app.run())
    ok(at.switch_page("views/sensitivity.py").run())
    at.radio(key="sa_method").set_value("morris")
    at.multiselect(key="sa_factors").set_value(["seoul.threat_weight", "nato.pressure"])
    at.select_slider(key="sa_samples").set_value(8)
    at.select_slider(key="sa_reps").set_value(20)
    ok(next(b for b in at.button if b.label == "Run analysis").click().run())
    assert not at.error, [e.value for e in at.error]
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["title"]["text"].startswith("Morris screening")
    data = (
        pa.ipc.open_stream(at.get("vega_lite_chart")[0].proto.datasets[0].data.data)
        .read_all()
        .to_pandas()
    )
    assert set(data["parameter"]) == {"seoul.threat_weight", "nato.pressure"}


def test_sensitivity_loads_an_analysis_directory(app, tmp_path):
    analysis = tmp_path / "analysis"
    analysis.mkdir()
    pd.DataFrame(
        {
            "outcome": ["relations_collapsed"] * 2,
            "parameter": ["nato.pressure", "x.y"],
            "S1": [0.3, 0.1],
            "S1_conf": [0.05, 0.02],
            "ST": [0.5, 0.2],
            "ST_conf": [0.04, 0.03],
        }
    ).to_csv(analysis / "sobol.csv", index=False)
    pd.DataFrame(
        {
            "box": [1],
            "parameter": ["nato.pressure"],
            "low": [0.5],
            "high": [1.0],
            "design_low": [0.0],
            "design_high": [1.0],
        }
    ).to_csv(analysis / "discover-relations_collapsed.csv", index=False)
    at = ok(app.run())
    ok(at.switch_page("views/sensitivity.py").run())
    at.text_input(key="sa_path").set_value(str(tmp_path))
    ok(at.button(key="sa_load").click().run())
    titles = [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]
    assert titles[0]["text"] == "Sobol' indices: Relations collapse"
    assert titles[1] == "Box 1"


def test_sensitivity_load_of_a_missing_directory_is_an_error(app, tmp_path):
    at = ok(app.run())
    ok(at.switch_page("views/sensitivity.py").run())
    at.text_input(key="sa_path").set_value(str(tmp_path / "nope"))
    ok(at.button(key="sa_load").click().run())
    assert any("no such directory" in e.value for e in at.error)


def test_evidence_lists_every_parameter_and_filters_assumptions(app):
    from model import SPECS

    at = ok(app.run())
    ok(at.switch_page("views/evidence.py").run())
    table = at.dataframe[0].value
    assert len(table) == len(SPECS)
    ok(at.radio(key="ev_which").set_value("assumptions").run())
    table = at.dataframe[0].value
    assert len(table) == sum(s.is_assumption for s in SPECS.values()) and table["assumption"].all()
    ok(at.radio(key="ev_which").set_value("all").run())
    ok(at.selectbox(key="ev_detail").set_value("seoul.public_opposition").run())
    from model.evidence import load_register

    assert load_register().excerpt("seok-13").text in at.info[0].value


@pytest.mark.parametrize(
    "page",
    [
        "views/scenario.py",
        "views/compare.py",
        "views/sweep.py",
        "views/sensitivity.py",
        "views/evidence.py",
    ],
)
def test_every_page_opens_without_error(app, page):
    at = ok(app.run())
    ok(at.switch_page(page).run())
    assert not at.error
