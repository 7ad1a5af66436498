"""The Scenario page's "Use calibrated parameters" switch (dashboard/calibrated.py): the same
numbers as `redline run --calibrated record`, and both intervals under the cards."""

from pathlib import Path

from model import load_scenario
from model.calibration.calibrated import load_calibration, run_calibrated

ROOT = Path(__file__).resolve().parent.parent


def test_the_scenario_pages_switch_shows_the_calibrated_run_and_both_intervals():
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import charts, state
    from dashboard.calibrated import SENTENCE

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    assert not at.exception
    toggle = at.toggle(key="use_calibrated")
    assert toggle.label == "Use calibrated parameters"
    at = toggle.set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(SENTENCE in c.value for c in at.caption)
    sc = load_scenario(state.DEFAULT_SCENARIO)
    cal = load_calibration("record")
    run = run_calibrated(sc, state.DEFAULT_REPS, state.DEFAULT_SEED, cal)
    by = run.summary.set_index("outcome")
    cards = {m.label: m.value for m in at.metric}
    for o in charts.KEY_OUTCOMES:  # the numbers of `redline run --calibrated record`
        assert cards[charts.label(o)] == f"{by.loc[o, 'probability']:.1%}"
    table = next(d.value for d in at.dataframe if "parameters 95%" in d.value.columns)
    row = table.set_index("outcome").loc[charts.label("weapons_supplied")]
    w = by.loc["weapons_supplied"]
    assert row["parameters 95%"] == f"{w['param_low']:.1%} – {w['param_high']:.1%}"
