"""The Streamlit side of the dashboard's state: session, widgets and the URL.

The current `Settings` live in `st.session_state["settings"]`; the parameter
widgets are keyed by the same dotted names (`seoul.public_opposition`), and the
URL carries `to_query(settings)`. A link is read once, when the session starts;
after that the URL follows the settings. Widget state is rebuilt from the
settings whenever a page that shows the widgets is opened, because Streamlit
forgets the values of widgets that a page did not draw.
"""

from __future__ import annotations

import streamlit as st

from model import InputError, Scenario

from . import labels, state
from .state import Settings

SETTINGS = "settings"
UPLOADS = "uploads"
SAVED = "saved"
NOTICES = "notices"  # (kind, text) shown once on the Scenario page
UPLOAD_ROUND = "upload_round"  # files taken by the upload box so far (its key's number)
PENDING = "control_values"  # every parameter as the controls have it (open groups or not)
DRAWN = "controls_drawn"  # the parameters whose controls the last drawing showed
DRAWN_BEFORE = "controls_drawn_before"  # ... and the drawing before it
# the parameters whose state was just set from code (load_widgets, control_value): their
# controls must read it from the session state (dashboard.controls.parameter_control)
SET_FROM_CODE = "controls_set_from_code"
RUN_WIDGETS = ("reps", "seed")


def uploads() -> dict[str, Scenario]:
    return st.session_state.setdefault(UPLOADS, {})


def saved() -> dict[str, Settings]:
    return st.session_state.setdefault(SAVED, {})


def start() -> None:
    """Read the link that opened this session (once)."""
    if SETTINGS in st.session_state:
        return
    settings, messages = state.from_query(st.query_params.to_dict(), uploads())
    st.session_state[SETTINGS] = settings
    st.session_state[NOTICES] = [("warning", m) for m in messages]


def current() -> Settings:
    start()
    return st.session_state[SETTINGS]


def notify(kind: str, text: str) -> None:
    st.session_state.setdefault(NOTICES, []).append((kind, text))


def show_notices() -> None:
    for kind, text in st.session_state.pop(NOTICES, []):
        getattr(st, kind)(text)


def set_current(settings: Settings, widgets: bool = True) -> None:
    st.session_state[SETTINGS] = settings
    if widgets:
        load_widgets(settings)


def load_widgets(settings: Settings) -> None:
    """Put the settings into the widgets' state (before they are drawn, or in a callback)."""
    scenario = state.build_scenario(settings, uploads())
    values = scenario.flat_parameters()
    for name, value in values.items():
        st.session_state[name] = value
    st.session_state[SET_FROM_CODE] = set(values)
    st.session_state[PENDING] = dict(values)
    st.session_state["scenario"] = settings.scenario
    st.session_state["reps"] = settings.reps
    st.session_state["seed"] = settings.seed


def ensure_widgets(settings: Settings) -> None:
    """Fill in widget state Streamlit dropped while another page was shown (a new session,
    or a return to the Scenario page, starts from the settings' values)."""
    if PENDING not in st.session_state or any(
        name not in st.session_state for name in ("scenario", *RUN_WIDGETS)
    ):
        load_widgets(settings)


def start_controls() -> None:
    """The controls are being drawn afresh: none is drawn yet."""
    st.session_state[DRAWN_BEFORE] = st.session_state.get(DRAWN, set())
    st.session_state[DRAWN] = set()


def control_value(name: str):
    """Give a parameter's control its value before it is drawn: the one last set, kept
    while its group was closed (Streamlit forgets the state of a widget not drawn).
    Returns the value to pass the control, or None where the control must read its
    state itself (a value just set from code: Streamlit refuses both at once)."""
    fresh = st.session_state.setdefault(SET_FROM_CODE, set())
    if name not in st.session_state.get(DRAWN_BEFORE, ()) or name not in st.session_state:
        st.session_state[name] = st.session_state[PENDING][name]
        fresh.add(name)
    st.session_state[DRAWN].add(name)
    if name in fresh:
        fresh.discard(name)
        return None
    return st.session_state[name]


def remember(name: str) -> None:
    """A control moved (its on_change): keep the value for when its group is closed."""
    st.session_state[PENDING][name] = st.session_state[name]


def widget_values() -> dict:
    """Every parameter as the controls have it: a drawn control's own state (fresh even in
    a callback that runs before its on_change), else the value kept while its group
    was closed."""
    values = dict(st.session_state[PENDING])
    for name in st.session_state.get(DRAWN, ()):
        if name in st.session_state:
            values[name] = st.session_state[name]
    return values


def publish(settings: Settings) -> None:
    """Make the URL show the settings (without a rerun)."""
    query = state.to_query(settings)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def settings_from_widgets(previous: Settings) -> Settings:
    """The settings the widgets show; raises InputError if they do not make a valid scenario."""
    base = state.base_scenario(previous.scenario, uploads())
    changes = state.changes_against(base, widget_values())
    settings = Settings(
        previous.scenario, (), int(st.session_state["reps"]), int(st.session_state["seed"])
    ).with_changes(changes)
    state.build_scenario(settings, uploads())  # validates the whole, e.g. horizon vs injects
    return settings


# ---------------------------------------------------------------- callbacks


def on_scenario_change() -> None:
    """The scenario picker changed: start from that scenario's values (or keep changes)."""
    old = current()
    key = st.session_state["scenario"]
    keep = st.session_state.get("keep_changes", False)
    try:
        base = state.base_scenario(key, uploads())
        changes = {}
        if keep:
            for name, value in old.changes.items():
                try:
                    base.with_overrides({name: value}, origin="dashboard")
                    changes[name] = value
                except InputError:
                    continue
            changes = state.changes_against(base, changes)
        settings = Settings(key, (), old.reps, old.seed).with_changes(changes)
        state.build_scenario(settings, uploads())
    except InputError as exc:
        notify("error", labels.error_text(exc))
        st.session_state["scenario"] = old.scenario
        return
    set_current(settings)


def on_reset() -> None:
    old = current()
    set_current(Settings(old.scenario, (), old.reps, old.seed))


def upload_widget_key() -> str:
    """The upload box's key: a new one after each file, so the box is empty again."""
    return f"upload_{st.session_state.get(UPLOAD_ROUND, 0)}"


def on_upload(key: str) -> None:
    """Validate an uploaded scenario file; a bad one changes nothing. Either way the
    box is emptied (a refused file does not linger in it)."""
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
    try:
        scenario = state.read_upload(uploaded.name, uploaded.getvalue())
    except InputError as exc:
        notify("error", f"Upload refused, nothing changed. {labels.error_text(exc)}")
        return
    apply_upload(scenario)


def apply_upload(scenario: Scenario) -> None:
    uploads()[scenario.name] = scenario
    old = current()
    set_current(Settings(state.upload_key(scenario), (), old.reps, old.seed))
    n = len(scenario.injects)
    notify(
        "success",
        f"Loaded uploaded scenario '{scenario.name}' "
        f"({n} inject{'s' * (n != 1)}, {scenario.horizon_months} months).",
    )


def on_save() -> None:
    name = (st.session_state.get("save_name") or "").strip()
    if not name:
        notify("warning", "Give the settings a name to save them for Compare.")
        return
    saved()[name[:60]] = current()
    notify("success", f"Saved the current settings as '{name[:60]}' (see Compare).")


def current_scenario() -> tuple[Settings, Scenario]:
    """The current settings and the scenario they build; stops the page on bad input."""
    from . import ui

    settings = current()
    try:
        return settings, state.build_scenario(settings, uploads())
    except InputError as exc:
        ui.error(exc)
        st.stop()
        raise  # st.stop() does not return
