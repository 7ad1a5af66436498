"""The sidebar of the Scenario page: scenario picker, import, and one control per parameter.

Grouped as a seminar thinks: the documented constraints and the facts of the moment
first (one expander per actor, Seoul's open), then the model weights, each actor's in a
collapsed "advanced" expander. Every control is labelled in words with its unit
(dashboard.labels); its (?) gives the dotted name links and files use, the range and
the evidence.

Batching: moving controls starts no simulation; one press of Run simulates the whole
set of changes. The controls sit in a fragment (Run just outside it), so a moved slider
reruns only the sidebar, which compares the controls with the settings the page shows
and says "Settings changed: press Run" in the sidebar and above the results (the
notice's slot in the page is fixed, so nothing below it is redrawn or reset). Each
group's content is drawn only while it is open. The "Run on every change" switch runs
the page on each released control instead.
"""

from __future__ import annotations

import streamlit as st

from model import SPECS, InputError
from model.evidence import load_register
from model.parameters import HORIZON

from . import labels, session, state
from .state import GROUPS, Settings

STALE = (
    "**Settings changed: press Run.** The results below are still those of the "
    "settings before the change."
)


def parameter_control(name: str, reference) -> None:
    """A slider (numbers) or switch (true/false) keyed by the parameter's dotted name."""
    spec = SPECS[name]
    text = (
        state.help_text(spec, load_register())
        if name != HORIZON
        else (f"`{HORIZON}` · months · from {spec.lo} to {spec.hi}\n\n**Assumption:** {spec.why}")
    )
    label = labels.with_unit(name)
    # The value is passed although the key holds it (except just after code set it): a
    # slider without one reads the whole session state to learn whether it is a range,
    # about 2.5 ms a slider on every run.
    keep = {
        "key": name,
        "value": session.control_value(name),
        "help": text,
        "on_change": session.remember,
        "args": (name,),
    }
    if spec.kind is bool:
        st.toggle(label, **keep)
        return
    if spec.kind is int:
        st.slider(label, min_value=int(spec.lo), max_value=int(spec.hi), step=1, **keep)
        return
    st.slider(
        label,
        min_value=float(spec.lo),
        max_value=float(spec.hi),
        step=state.step_for(spec),
        format=state.number_format(spec, reference, st.session_state.get(name)),
        **keep,
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


def pending(settings: Settings) -> Settings | InputError:
    """The settings the controls show (an InputError when they make no valid scenario)."""
    try:
        return session.settings_from_widgets(settings)
    except InputError as exc:
        return exc


def on_run() -> None:
    """Run (a callback, so the page that follows already shows the new settings)."""
    new = pending(session.current())
    if isinstance(new, InputError):
        session.notify("error", "Not run: " + labels.error_text(new))
        return
    session.set_current(new, widgets=False)


def run_button(key: str) -> bool:
    return st.button("Run", type="primary", key=key, width="stretch", on_click=on_run)


def _parameters(base: dict) -> None:
    session.start_controls()
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
    st.markdown("**Documented constraints and scenario facts**")
    for group, names in state.grouped(advanced=False).items():
        group_controls(f"group_{group}", GROUPS[group], names, base, open=group == "seoul")
    st.markdown("**Advanced: model weights**")
    st.caption(
        "Judgement calls the model weighs each choice with; each (?) says why its value was chosen."
    )
    for group, names in state.grouped(advanced=True).items():
        group_controls(f"weights_{group}", f"{GROUPS[group]}: model weights", names, base)


def group_controls(key: str, title: str, names: list[str], base: dict, open: bool = False) -> None:
    """One actor's controls in an expander whose content is drawn only while it is open
    (about 150 controls drawn on every run would cost each run a second on this machine);
    the values of a closed group are kept (session.remember)."""
    if not names:
        return
    box = st.expander(title, expanded=open, key=key, on_change="rerun")
    with box:
        if box.open:
            for name in names:
                parameter_control(name, base[name])


def _stale_notice(settings: Settings, slot) -> None:
    """Say so, here and in the page's slot, when the controls differ from the results."""
    now = session.current()
    new = pending(now)
    changed = isinstance(new, InputError) or new != now
    with slot.container():
        if changed:
            st.warning(STALE, icon=":material/update:")
    if changed:
        st.warning(STALE, icon=":material/update:")


def parameter_form(settings: Settings, slot, auto: bool) -> None:
    """The controls; with `auto` off, a moved control reruns only this part of the page."""
    base = state.base_scenario(settings.scenario, session.uploads()).flat_parameters()
    if not auto:
        _stale_notice(settings, slot)
    _parameters(base)


_parameter_fragment = st.fragment(parameter_form)


def sidebar(settings: Settings, slot) -> None:
    """Everything in the Scenario page's sidebar. `slot`: the page's place for the
    "settings changed" notice (an st.empty above the results)."""
    with st.sidebar:
        scenario_picker(settings)
        with st.expander("Import, save, reset"):
            key = session.upload_widget_key()
            st.file_uploader(
                "Import a scenario (YAML)",
                type=["yaml", "yml"],
                key=key,
                on_change=session.on_upload,
                args=(key,),
                max_upload_size=state.SCENARIO_UPLOAD_MB,
                help="A file like those in scenarios/ or one exported here. "
                "A bad file is refused with a message and changes nothing.",
            )
            st.caption(
                f"Scenario files up to {state.SCENARIO_FILE_MB:g} MB; the browser cannot "
                f"send files over {state.SCENARIO_UPLOAD_MB} MB."
            )
            st.text_input("Name for these settings", key="save_name", max_chars=60)
            st.button("Save for Compare", on_click=session.on_save, width="stretch")
            st.button("Reset to the scenario's values", on_click=session.on_reset, width="stretch")
        auto = st.toggle(
            "Run on every change",
            key="auto_run",
            help="Off (default): move any number of controls, then press Run once. "
            "On: every released slider runs at once.",
        )
        if not auto:  # Run outside the controls' fragment: a press reruns the whole page
            run_button("run")
            _parameter_fragment(settings, slot, auto)
            run_button("run_bottom")
        else:
            parameter_form(settings, slot, auto)
