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

from model import SPECS, InputError, Scenario

from . import state
from .state import Settings

SETTINGS = "settings"
UPLOADS = "uploads"
SAVED = "saved"
NOTICES = "notices"  # (kind, text) shown once on the Scenario page
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
    st.session_state[NOTICES] = [("warning", f"Link: {m}") for m in messages]


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
    for name, value in scenario.flat_parameters().items():
        st.session_state[name] = value
    st.session_state["scenario"] = settings.scenario
    st.session_state["reps"] = settings.reps
    st.session_state["seed"] = settings.seed


def ensure_widgets(settings: Settings) -> None:
    """Fill in widget state Streamlit dropped while another page was shown."""
    if any(name not in st.session_state for name in (*SPECS, "scenario", *RUN_WIDGETS)):
        load_widgets(settings)


def widget_values() -> dict:
    return {name: st.session_state[name] for name in SPECS}


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
    state.build_scenario(settings, uploads())  # validates the whole, e.g. horizon vs events
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
        notify("error", exc.render())
        st.session_state["scenario"] = old.scenario
        return
    set_current(settings)


def on_reset() -> None:
    old = current()
    set_current(Settings(old.scenario, (), old.reps, old.seed))


def on_upload() -> None:
    """Validate an uploaded scenario file; a bad one changes nothing."""
    uploaded = st.session_state.get("upload")
    if uploaded is None:
        return
    try:
        scenario = state.read_upload(uploaded.name, uploaded.getvalue())
    except InputError as exc:
        notify("error", f"Upload refused, nothing changed. {exc.render()}")
        return
    apply_upload(scenario)


def apply_upload(scenario: Scenario) -> None:
    uploads()[scenario.name] = scenario
    old = current()
    set_current(Settings(state.upload_key(scenario), (), old.reps, old.seed))
    notify(
        "success",
        f"Loaded uploaded scenario '{scenario.name}' "
        f"({len(scenario.events)} events, {scenario.horizon_months} months).",
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
