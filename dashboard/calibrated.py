"""The Scenario page's "Use calibrated parameters" switch and the runs behind it.

A calibration is offered when one is at hand: the shipped one (calibration/record/,
`redline run --calibrated record`) and any directory under runs/calibrations/ of the
folder the dashboard was started from that `redline calibrate` finished. With the
switch on, every world of the page's run draws its weights from the surviving sets, as
`redline run --calibrated` does with the same seed and replications (the same numbers),
and each headline outcome shows the interval from parameters beside the Monte Carlo one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from model import InputError, Scenario
from model.calibration.calibrated import (
    MANIFEST,
    calibration_names,
    load_calibration,
    resolve_calibration,
    run_calibrated,
)

from . import charts, runs

USER_DIR = Path("runs") / "calibrations"
SENTENCE = (
    "Each world draws its weights from the parameter sets that fit the 2024-25 record; the "
    "intervals then show what we do not know about the weights as well as chance."
)


def available() -> dict[str, str]:
    """label -> directory of every calibration the page can offer (shipped ones first)."""
    found = {f"shipped: {name}": str(resolve_calibration(name)) for name in calibration_names()}
    if USER_DIR.is_dir():
        for d in sorted(USER_DIR.iterdir()):
            if (d / MANIFEST).is_file():
                found[f"runs/calibrations/{d.name}"] = str(d)
    return found


@st.cache_data(max_entries=8, show_spinner=False)
def _run(scenario_json: str, reps: int, seed: int, directory: str):
    cal = load_calibration(directory)
    run = run_calibrated(Scenario.model_validate_json(scenario_json), reps, seed, cal)
    return run.result, run.summary, cal.words()


def view(scenario_json: str, reps: int, seed: int, directory: str) -> runs.View:
    """The page's View from a calibrated run (cards, ladders, timing: every chart)."""
    res, _, _ = _run(scenario_json, reps, seed, directory)
    return runs.build_view(res, reps, seed)


def views(scenario, base, settings, directory: str, baseline):
    """(view, baseline) of the page with calibrated parameters: the scenario's and, when
    something was changed, its own values' (so a change compares like with like)."""
    with st.spinner("Drawing each world's weights from the calibration…"):
        mine = view(runs.key(scenario), settings.reps, settings.seed, directory)
        if baseline is not None:
            baseline = view(runs.key(base), settings.reps, settings.seed, directory)
    return mine, baseline


def intervals(scenario_json: str, reps: int, seed: int, directory: str) -> pd.DataFrame:
    """The headline outcomes with both intervals, in words a seminar reads."""
    _, summary, _ = _run(scenario_json, reps, seed, directory)
    by = summary.set_index("outcome")
    return pd.DataFrame(
        [
            {
                "outcome": charts.label(o),
                "probability": f"{by.loc[o, 'probability']:.1%}",
                "Monte Carlo 95%": f"{by.loc[o, 'ci_low']:.1%} – {by.loc[o, 'ci_high']:.1%}",
                "parameters 95%": f"{by.loc[o, 'param_low']:.1%} – {by.loc[o, 'param_high']:.1%}",
            }
            for o in charts.KEY_OUTCOMES
        ]
    )


def switch() -> str | None:
    """Draw the switch (only when a calibration is at hand); the directory chosen, or None."""
    found = available()
    if not found:
        return None
    c1, c2 = st.columns([1, 2])
    on = c1.toggle("Use calibrated parameters", key="use_calibrated", help=SENTENCE)
    label = next(iter(found))
    if len(found) > 1:
        label = c2.selectbox("Calibration", list(found), key="calibration_dir")
    if not on:
        return None
    directory = found[label]
    try:
        load_calibration(directory)
    except InputError as exc:
        st.error(f"Calibrated parameters are not used: {exc.render()}")
        return None
    st.caption(SENTENCE)
    return directory


def show_intervals(scenario, settings, directory: str) -> None:
    """The two intervals side by side, under the cards."""
    args = (runs.key(scenario), settings.reps, settings.seed, directory)
    _, _, words = _run(*args)
    st.dataframe(intervals(*args), hide_index=True, width="stretch")
    st.caption(
        "Monte Carlo 95%: chance alone, over these worlds. Parameters 95%: how far the "
        "probability moves between the parameter sets that fit the record (100 sets, 200 "
        f"worlds each, the same random numbers). {words[0].upper()}{words[1:]}. The story tab "
        "tells a world with the scenario's own weights."
    )
