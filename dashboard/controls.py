"""The sidebar of the Scenario page: scenario picker, import, and one control per parameter.

Grouped as a seminar thinks: the documented constraints and the facts of the moment
first (one expander per actor, Seoul's open), then the model weights, each actor's in a
collapsed "advanced" expander. Every control is labelled in words with its unit
(dashboard.labels); its (?) gives the dotted name links and files use, the range and
the evidence.

Batching: moving controls starts no simulation; one press of Run simulates the whole
set of changes. The page is drawn in keyed parts (Streamlit fragments): a moved control
redraws the controls and the two "Settings changed: press Run" notices (in the sidebar
and above the results), nothing else, so no open tab or half-typed field is reset; Run
redraws the results and the notices, not the controls. Each group's content is drawn
only while it is open. The "Run on every change" switch runs the page on each released
control instead.
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
        "on_change": on_moved,
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


# The parts of the page that rerun alone (keyed fragments): a press of Run redraws the
# results and the two notices, never the controls (a room of laptops redrawing every
# open slider on every Run waited about half a second longer at the 90th percentile:
# benchmarks/bench_dashboard.py); a moved control redraws the controls and the notices.
RESULTS, CONTROLS = "results", "controls"
NOTICES = ("stale_sidebar", "stale_main")


def on_run() -> None:
    """Run (a callback, so the page that follows already shows the new settings): the
    results and the notices rerun, the controls stay as they are."""
    new = pending(session.current())
    if isinstance(new, InputError):
        session.notify("error", "Not run: " + labels.error_text(new))
    else:
        session.set_current(new, widgets=False)
    st.rerun([RESULTS, *NOTICES])


def on_moved(name: str | None = None) -> None:
    """A control moved: keep its value (`name`), and, unless every change runs at once,
    redraw only the controls and the "settings changed" notices."""
    if name is not None:
        session.remember(name)
    if not st.session_state.get("auto_run"):
        st.rerun([CONTROLS, *NOTICES])


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
        on_change=on_moved,
        help="`reps`: worlds simulated; 1,000 gives intervals of about ±3 points",
    )
    c2.number_input(
        "Seed",
        min_value=0,
        max_value=state.DASHBOARD_MAX_SEED,
        step=1,
        key="seed",
        on_change=on_moved,
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


def changed() -> bool:
    """Do the controls differ from the settings the results show?"""
    now = session.current()
    new = pending(now)
    return isinstance(new, InputError) or new != now


def stale_notice() -> None:
    """ "Settings changed: press Run", while the controls differ from the results."""
    if changed():
        st.warning(STALE, icon=":material/update:")


_sidebar_notice = st.fragment(stale_notice, key=NOTICES[0])
main_notice = st.fragment(stale_notice, key=NOTICES[1])  # the page's, above the results


def parameter_form(settings: Settings) -> None:
    """The controls (a moved control redraws only these and the notices: on_moved)."""
    base = state.base_scenario(settings.scenario, session.uploads()).flat_parameters()
    _parameters(base)


_parameter_fragment = st.fragment(parameter_form, key=CONTROLS)


def sidebar(settings: Settings) -> None:
    """Everything in the Scenario page's sidebar."""
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
        if not auto:
            run_button("run")
            _sidebar_notice()
            _parameter_fragment(settings)
            run_button("run_bottom")
        else:  # every change reruns the page
            parameter_form(settings)
