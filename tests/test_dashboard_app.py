"""Every dashboard page through Streamlit's AppTest: widgets, runs, cards, chart data, links,
uploads. (Real-browser checks are in test_dashboard_browser.py.)"""

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import charts, state, sweep
from model import SPECS, load_scenario, simulate
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


def redrawn(at):
    """The whole page after an interaction that redrew only parts of it. A press of Run or
    a moved control reruns only parts of the Scenario page (keyed fragments:
    dashboard.controls); a browser keeps the rest, but AppTest's element tree then holds
    only the parts that reran, so the page is drawn again (no widget changed). The parts'
    own tree is kept as `at.parts` (a one-time notice is drawn there only)."""
    ok(at)
    parts = at._tree
    ok(at.run())
    at.parts = parts
    return at


def press_run(at):
    return redrawn(run_button(at).click().run())


def move(at, key: str, value):
    return redrawn(at.slider(key=key).set_value(value).run())


DELTA = re.compile(r"^(±0\.0|[+-]\d+\.\d) pp(, within noise)?$")


def open_tab(at, name: str):
    """Select a tab of the Scenario page (only the open tab is drawn)."""
    at.session_state["scenario_tab"] = name
    return ok(at.run())


def open_groups(at, *keys: str):
    """Open sidebar groups ('group_nato', 'weights_seoul'): a closed group draws nothing."""
    for key in keys:
        at.session_state[key] = True
    return ok(at.run())


def stale(at) -> bool:
    """Whether the page says the controls differ from the results shown."""
    return any("Settings changed: press Run" in w.value for w in at.warning)


# ---------------------------------------------------------------- Scenario page


def test_default_page_shows_the_default_scenario_odds_and_charts(app):
    at = ok(app.run())
    scenario = load_scenario("november-2024")
    got = {label: m.value for label, m in cards(at).items()}
    assert got == expected_cards(scenario, 1000, 1)
    # every outcome has its card, the headline ones first
    assert [m.label for m in at.metric] == [charts.label(o) for o in charts.CARD_ORDER]
    assert [m.label for m in at.metric][:5] == [charts.label(o) for o in charts.KEY_OUTCOMES]
    assert all(m.delta in ("", None) for m in at.metric)  # nothing changed: no deltas
    assert not stale(at)
    assert at.query_params == {"scenario": "november-2024", "reps": "1000", "seed": "1"}
    ladder = chart_data(at, "Seoul's assistance rung")
    assert ladder["month"].tolist() == scenario.months()
    assert len(at.get("vega_lite_chart")) == 3  # the open tab's: the three ladders
    open_tab(at, "Assembly and stockpile")
    titles = [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]
    assert titles == ["Assembly votes on lethal aid", "Seoul's shell stockpile"]


def test_moving_a_slider_and_running_updates_cards_url_and_charts(app):
    at = ok(app.run())
    open_groups(at, "weights_seoul")  # the stockpile at the start is a model weight
    open_tab(at, "Assembly and stockpile")
    before = chart_data(at, "Seoul's shell stockpile")
    at.slider(key="seoul.stockpile_days").set_value(120.0)
    at.slider(key="seoul.public_opposition").set_value(0.6)
    press_run(at)
    scenario = load_scenario(
        "november-2024", overrides={"seoul.stockpile_days": 120.0, "seoul.public_opposition": 0.6}
    )
    got = {label: m.value for label, m in cards(at).items()}
    assert got == expected_cards(scenario, 1000, 1)
    assert all(DELTA.match(m.delta) for m in at.metric), [m.delta for m in at.metric]
    assert at.query_params["seoul.public_opposition"] == "0.6"
    assert at.query_params["seoul.stockpile_days"] == "120.0"
    after = chart_data(at, "Seoul's shell stockpile")
    assert after["median"].iloc[0] > before["median"].iloc[0]
    changed = next(m.value for m in at.markdown if m.value.startswith("**Changed:**"))
    assert "Public opposition to lethal aid 0.742 → **0.6**" in changed
    assert "Shell stockpile at the start 70.0 → **120.0**" in changed
    assert "_" not in changed  # words, not dotted names
    assert not stale(at)


def test_slider_changes_wait_for_run_and_the_page_says_so(app):
    at = ok(app.run())
    before = {k: m.value for k, m in cards(at).items()}
    move(at, "seoul.public_opposition", 0.3)
    assert "seoul.public_opposition" not in at.query_params
    assert all(m.delta in ("", None) for m in at.metric)
    assert {k: m.value for k, m in cards(at).items()} == before
    # said in the sidebar, by Run, and above the results
    assert stale(at)
    assert any("Settings changed" in w.value for w in at.sidebar.warning)
    press_run(at)
    assert at.query_params["seoul.public_opposition"] == "0.3"
    assert not stale(at)
    # moving it back to the results' value is no change either
    move(at, "seoul.public_opposition", 0.5)
    assert stale(at)
    move(at, "seoul.public_opposition", 0.3)
    assert not stale(at)


def test_run_on_every_change_needs_no_button(app):
    at = ok(app.run())
    open_groups(at, "weights_nato")
    ok(at.toggle(key="auto_run").set_value(True).run())
    move(at, "nato.pressure", 0.9)
    assert at.query_params["nato.pressure"] == "0.9"
    assert not stale(at)


def test_changes_inside_monte_carlo_noise_are_marked(app):
    """With 120 opposition seats Seoul supplies weapons far more often (well outside the
    noise), while Seoul's red line moves by a few worlds only (inside it)."""
    app.query_params.update({"seoul.assembly_opposition_seats": "120"})
    at = ok(app.run())
    deltas = {label: m.delta for label, m in cards(at).items()}
    weapons, red_line = deltas["Weapons from Seoul"], deltas["Seoul's red line crossed"]
    assert DELTA.match(weapons) and "within noise" not in weapons and weapons.startswith("+")
    assert DELTA.match(red_line) and red_line.endswith(", within noise")
    assert deltas["Seoul sends troops"] == "±0.0 pp"  # no world changed: no change at all
    assert any("within noise" in c.value for c in at.caption)  # and the page says what it means


GROUP_KEYS = [f"group_{g}" for g in state.GROUPS] + [f"weights_{g}" for g in state.GROUPS]


def test_the_sidebar_puts_constraints_first_and_weights_in_collapsed_expanders(app):
    at = ok(app.run())
    expanders = [e for e in at.sidebar.expander if e.label != "Import, save, reset"]
    groups = [e.label for e in expanders]
    constraints = [g for g in groups if not g.endswith(": model weights")]
    weights = [g for g in groups if g.endswith(": model weights")]
    assert groups == constraints + weights  # every constraint group before any weights
    assert constraints[0] == "Seoul" and weights[0] == "Seoul: model weights"
    # Seoul's constraints are open; every other group is closed and draws nothing
    drawn = {w.key for kind in ("slider", "toggle") for w in at.sidebar.get(kind) if w.key in SPECS}
    assert drawn == {state.HORIZON} | set(state.grouped(advanced=False)["seoul"])
    at = open_groups(at, *GROUP_KEYS)
    for e in [e for e in at.sidebar.expander if e.label != "Import, save, reset"]:
        keys = [w.key for kind in ("slider", "toggle") for w in e.get(kind)]
        assert keys, e.label
        tiers = {SPECS[k].advanced for k in keys}
        assert tiers == {e.label.endswith(": model weights")}, e.label
    drawn = {w.key for kind in ("slider", "toggle") for w in at.sidebar.get(kind) if w.key in SPECS}
    assert drawn == set(SPECS)


def test_a_change_in_a_closed_group_is_kept_and_run(app):
    at = open_groups(ok(app.run()), "weights_nato")
    at.slider(key="nato.pressure").set_value(0.9)
    at.session_state["weights_nato"] = False  # closed before Run: the change is kept
    redrawn(at.run())
    assert stale(at)
    press_run(at)
    assert at.query_params["nato.pressure"] == "0.9"
    assert not stale(at)
    open_groups(at, "weights_nato")
    assert at.slider(key="nato.pressure").value == 0.9


def test_controls_are_labelled_in_words_with_their_units(app):
    at = open_groups(ok(app.run()), *GROUP_KEYS)
    shown = {w.key: w.label for kind in ("slider", "toggle") for w in at.sidebar.get(kind)}
    assert shown["pyongyang.gdp_bn"] == "North Korea's GDP (US$ bn)"
    assert shown["seoul.public_opposition"] == "Public opposition to lethal aid (share of public)"
    params = {k: v for k, v in shown.items() if k in SPECS}
    assert len(params) == len(SPECS)
    assert not [v for v in params.values() if "_" in v or "." in v.split(" (")[0]]


def test_the_assembly_chart_shows_votes_held_and_passed_each_month(app):
    app.query_params.update({"scenario": "assembly-majority"})
    at = open_tab(ok(app.run()), "Assembly and stockpile")
    data = chart_data(at, "Assembly votes on lethal aid")
    held = data[data["measure"] == "vote held"].set_index("month")["share"]
    passed = data[data["measure"] == "vote passed"].set_index("month")["share"]
    res = simulate(load_scenario("assembly-majority"), reps=1000, seed=1)
    assert held.tolist() == pytest.approx(res.series["assembly_vote"].mean(axis=1))
    assert passed.tolist() == pytest.approx(res.series["assembly_passed"].mean(axis=1))
    assert (passed <= held).all()  # a vote passed that month was a vote held that month
    assert passed.sum() > 0


def test_the_injects_are_told_in_words(app):
    app.query_params.update({"scenario": "record-2024-11"})
    at = open_tab(ok(app.run()), "Scenario and injects")
    table = next(d.value for d in at.dataframe if "what happens" in d.value.columns)
    assert list(table.columns) == ["month", "what happens"]
    text = " ".join(table["what happens"])
    assert "government cannot change course" in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)  # no snake_case inject types


def test_a_setting_that_cannot_run_names_the_field_in_words(app):
    app.query_params.update({"scenario": "red-line"})
    at = ok(app.run())
    at.slider(key="horizon_months").set_value(1)
    press_run(at)
    errors = " ".join(e.value for e in at.parts.error)  # a one-time notice, with the results
    assert errors.startswith("Not run: Inject 1's month 2025-01 is outside the scenario's months")
    assert "injects.0" not in errors
    assert at.query_params.get("horizon_months") is None  # nothing ran
    assert stale(at)  # the controls still differ from the results


def test_a_new_upload_replaces_the_last_upload_s_message(app):
    at = ok(app.run())
    at.file_uploader(key="upload_0").set_value(("first.yaml", b"name: [oops", "application/yaml"))
    ok(at.run())
    assert any("first.yaml" in e.value for e in at.error)
    good = dump_yaml(load_scenario("atrocity")).replace("name: atrocity", "name: second")
    at.file_uploader(key="upload_1").set_value(("second.yaml", good.encode(), "application/yaml"))
    ok(at.run())
    assert not any("first.yaml" in e.value for e in at.error)
    assert any("second" in s.value for s in at.success)
    assert at.file_uploader(key="upload_2").value is None


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
    open_groups(at, "weights_nato")
    at.slider(key="nato.pressure").set_value(0.9)
    press_run(at)
    reset = next(b for b in at.button if b.label == "Reset to the scenario's values")
    ok(reset.click().run())
    assert at.slider(key="nato.pressure").value == 0.5
    assert "nato.pressure" not in at.query_params


def test_uploading_a_scenario_loads_it(app):
    at = ok(app.run())
    text = dump_yaml(load_scenario("atrocity", overrides={"nato.pressure": 0.8})).replace(
        "name: atrocity", "name: our-room"
    )
    at.file_uploader(key="upload_0").set_value(("our-room.yaml", text.encode(), "application/yaml"))
    ok(at.run())
    assert any("our-room" in s.value for s in at.success)
    assert at.file_uploader(key="upload_1").value is None  # the box is empty again
    assert at.selectbox(key="scenario").value == "upload:our-room"
    open_groups(at, "weights_nato")
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
        (b"name: x\nevents: []\n", "`events`: this key is now called injects (rename it"),
    ],
)
def test_a_bad_upload_is_refused_and_changes_nothing(app, data, words):
    at = ok(app.run())
    open_groups(at, "weights_nato")
    at.slider(key="nato.pressure").set_value(0.9)
    press_run(at)
    before = {k: m.value for k, m in cards(at).items()}
    at.file_uploader(key="upload_0").set_value(("evil.yaml", data, "application/yaml"))
    ok(at.run())
    errors = " ".join(e.value for e in at.error)
    assert "Upload refused, nothing changed" in errors and "evil.yaml" in errors
    assert words in errors
    assert at.file_uploader(key="upload_1").value is None  # the refused file is not kept
    assert at.selectbox(key="scenario").value == "november-2024"
    assert at.slider(key="nato.pressure").value == 0.9
    assert at.query_params["nato.pressure"] == "0.9"
    assert {k: m.value for k, m in cards(at).items()} == before


def test_the_story_tells_the_picked_replication(app):
    at = ok(app.run())
    open_tab(at, "One replication's story")
    at.selectbox(key="story_filter").set_value("Seoul's red line crossed")
    ok(at.run())
    pick = at.selectbox(key="story_replication").value
    story = at.code[0].value
    assert f"replication {pick} of 1,000 (seed 1)" in story
    outcomes = simulate(load_scenario("november-2024"), reps=1000, seed=1).outcomes
    assert bool(outcomes.loc[pick, "red_line_crossed"])


def test_export_shows_commands_that_reproduce_the_run(app):
    at = ok(app.run())
    open_groups(at, "weights_nato")
    at.slider(key="nato.pressure").set_value(0.9)
    press_run(at)
    open_tab(at, "Export")
    commands = [c.value for c in at.code if c.language == "bash"]
    assert "redline run november-2024-custom.yaml --reps 1000 --seed 1" in commands
    assert "redline run november-2024 --set nato.pressure=0.9 --reps 1000 --seed 1" in commands


def test_save_for_compare_then_compare(app):
    at = ok(app.run())
    at.slider(key="seoul.assembly_opposition_seats").set_value(120)
    press_run(at)
    at.text_input(key="save_name").set_value("ruling majority")
    ok(next(b for b in at.button if b.label == "Save for Compare").click().run())
    ok(at.switch_page("views/compare.py").run())
    pick = at.multiselect(key="compare_pick")
    assert "saved: ruling majority" in pick.options
    ok(pick.set_value(["november-2024", "saved: ruling majority", "red-line"]).run())
    assert [h.value for h in at.markdown if h.value.startswith("#### ")] == [
        "#### Summary",
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
    # the summary table comes first: every outcome in words, a column per scenario
    assert len(at.table) == 1
    table = at.table[0].value
    assert list(table.index) == [charts.label(o) for o in charts.CARD_ORDER]
    assert list(table.columns) == ["current: november-2024", "red-line"]
    assert all(DELTA.match(cell.split("; ")[1]) for cell in table["red-line"])
    assert not any("; " in cell for cell in table["current: november-2024"])
    # the cards: a row per outcome, so each row holds one outcome for every scenario
    assert [m.label for m in at.metric] == [
        charts.label(o) for o in charts.KEY_OUTCOMES for _ in range(2)
    ]
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
    data = chart_data(at, "Probability as opposition seats in the National Assembly varies")
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
    # opposition up to what the scenario's 20.5% support leaves of the public
    assert sorted(set(data["seoul.public_opposition"])) == [0.0, 0.795]


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
