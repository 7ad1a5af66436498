"""The sidebar of the Scenario page: scenario picker, import, and one control per parameter.

Batching: by default the controls sit in a form, so dragging a slider, or
pressing an arrow key ten times, starts nothing; one press of Run (or Enter)
simulates the whole set of changes. The "Run on every change" switch drops the
form for one-slider exploration: each release of a slider then runs at once
(a run is ~0.1 s and cached, and Streamlit drops a run that a newer change
overtakes).
"""

from __future__ import annotations

import streamlit as st

from model import SPECS
from model.evidence import load_register
from model.parameters import HORIZON

from . import session, state
from .state import GROUPS, Settings


def parameter_control(name: str, reference) -> None:
    """A slider (numbers) or switch (true/false) keyed by the parameter's dotted name."""
    spec = SPECS[name]
    text = (
        state.help_text(spec, load_register())
        if name != HORIZON
        else (f"`{HORIZON}` · months · from {spec.lo} to {spec.hi}\n\n**Assumption:** {spec.why}")
    )
    label = state.label(name)
    if spec.kind is bool:
        st.toggle(label, key=name, help=text)
        return
    if spec.kind is int:
        st.slider(
            f"{label} · {spec.unit}",
            min_value=int(spec.lo),
            max_value=int(spec.hi),
            step=1,
            key=name,
            help=text,
        )
        return
    st.slider(
        f"{label} · {spec.unit}",
        min_value=float(spec.lo),
        max_value=float(spec.hi),
        step=state.step_for(spec),
        key=name,
        help=text,
        format=state.number_format(spec, reference, st.session_state.get(name)),
    )


def scenario_picker(settings: Settings) -> None:
    keys = state.scenario_keys(session.uploads())
    if st.session_state.get("scenario") not in keys:
        st.session_state["scenario"] = settings.scenario
    st.selectbox(
        "Scenario",
        keys,
        key="scenario",
        on_change=session.on_scenario_change,
        help="Shipped scenarios from scenarios/, then any you imported in this session. "
        "Switching starts from that scenario's values.",
    )
    st.toggle(
        "Keep my changes when switching",
        key="keep_changes",
        help="Carry the changed parameters over to the next scenario you pick.",
    )


def parameter_form(settings: Settings) -> bool:
    """Draw the controls; True when the facilitator asked for a run (Run, or any change
    while 'Run on every change' is on)."""
    base = state.base_scenario(settings.scenario, session.uploads()).flat_parameters()
    auto = st.toggle(
        "Run on every change",
        key="auto_run",
        help="Off (default): move any number of controls, then press Run once. "
        "On: every released slider runs at once.",
    )
    box = st.container() if auto else st.form("parameters", border=False, enter_to_submit=True)
    with box:
        if not auto:
            top = st.form_submit_button("Run", type="primary", key="run", width="stretch")
        c1, c2 = st.columns(2)
        c1.number_input(
            "Replications",
            min_value=state.MIN_REPS,
            max_value=state.DASHBOARD_MAX_REPS,
            step=100,
            key="reps",
            help="`reps`: worlds simulated; 1,000 gives intervals of about ±3 points",
        )
        c2.number_input(
            "Seed",
            min_value=0,
            max_value=state.DASHBOARD_MAX_SEED,
            step=1,
            key="seed",
            help="`seed`: the same settings and seed give identical results",
        )
        parameter_control(HORIZON, base[HORIZON])
        for group, names in state.grouped().items():
            with st.expander(GROUPS[group], expanded=group == "seoul"):
                for name in names:
                    parameter_control(name, base[name])
        if not auto:
            bottom = st.form_submit_button("Run", type="primary", key="run_bottom", width="stretch")
            return top or bottom
    return True


def sidebar(settings: Settings) -> bool:
    """Everything in the Scenario page's sidebar; True when the widgets should be read."""
    with st.sidebar:
        scenario_picker(settings)
        with st.expander("Import, save, reset"):
            st.file_uploader(
                "Import a scenario (YAML)",
                type=["yaml", "yml"],
                key="upload",
                on_change=session.on_upload,
                max_upload_size=state.SCENARIO_UPLOAD_MB,
                help="A file like those in scenarios/ or one exported here. "
                "A bad file is refused with a message and changes nothing.",
            )
            st.text_input("Name for these settings", key="save_name", max_chars=60)
            st.button("Save for Compare", on_click=session.on_save, width="stretch")
            st.button("Reset to the scenario's values", on_click=session.on_reset, width="stretch")
        return parameter_form(settings)
