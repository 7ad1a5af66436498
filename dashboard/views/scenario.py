"""Scenario: set the parameters, run the ensemble, read the odds and why."""

import streamlit as st

import dashboard.calibrated
from dashboard import charts, controls, deltas, exports, labels, runs, session, state, ui
from model import InputError, words
from model.outcomes import OUTCOMES

TABS = (
    "Escalation ladders",
    "When things happen",
    "Assembly and stockpile",
    "One replication's story",
    "Scenario and injects",
    "Export",
)

settings = session.current()
try:
    session.ensure_widgets(settings)
except InputError as exc:  # e.g. an uploaded scenario this session no longer holds
    ui.error(exc)
    settings = state.Settings(reps=settings.reps, seed=settings.seed)
    session.set_current(settings)

if st.session_state.get("auto_run"):  # "Run on every change": the controls are the settings
    new = controls.pending(settings)
    if isinstance(new, InputError):
        session.notify("error", "Not run: " + labels.error_text(new))
    elif new != settings:
        session.set_current(new, widgets=False)
        settings = new

controls.sidebar(settings)
controls.main_notice()


@st.fragment(key=controls.RESULTS)
def results() -> None:
    """Everything below the notice; Run reruns this alone (dashboard.controls.on_run), in
    the room's turn (dashboard.runs.one_at_a_time)."""
    with runs.one_at_a_time():
        draw_results(session.current())


def draw_results(settings: state.Settings) -> None:
    # The run first, the page after: a browser redraws the page for every batch of
    # elements that reaches it, so elements sent around a long computation cost it
    # several redraws (and a room of laptops many more, as elements come slower).
    scenario = state.build_scenario(settings, session.uploads())
    base = state.base_scenario(settings.scenario, session.uploads())
    view = runs.view(runs.key(scenario), settings.reps, settings.seed)
    baseline = (
        runs.view(runs.key(base), settings.reps, settings.seed) if settings.overrides else None
    )
    session.publish(settings)
    session.show_notices()

    # ---- calibrated parameters: a switch, shown when a calibration is at hand (dashboard.calibrated)
    calibration = dashboard.calibrated.switch()
    if calibration is not None:
        view, baseline = dashboard.calibrated.views(scenario, base, settings, calibration, baseline)

    # ---- header: what is being run
    st.markdown(
        f"### {scenario.name} · {settings.reps:,} replications · seed {settings.seed} · "
        f"{view.months[0]} to {view.months[-1]}"
    )
    flat = base.flat_parameters()
    if settings.overrides:
        st.markdown(
            "**Changed:** "
            + " · ".join(
                f"{labels.label(n)} {exports.format_value(flat[n])} → **{exports.format_value(v)}**"
                for n, v in settings.overrides
            )
        )
        st.caption(
            f"Changes are in percentage points (pp) against {scenario.name}'s own values, run "
            "with the same seed and replications; “within noise” marks a change that chance "
            "alone gives as often as 1 run in 20."
        )
    else:
        st.caption("The scenario's own values (nothing changed).")

    # ---- the odds, large, at the top: every outcome, the headline ones first
    changes = (
        deltas.changes(view.outcomes, baseline.outcomes, charts.CARD_ORDER)
        if baseline is not None
        else None
    )
    ui.cards(view.summary, changes, f"{scenario.name}'s own values")
    if calibration is not None:
        dashboard.calibrated.show_intervals(scenario, settings, calibration)

    # ---- the tabs: only the open one is drawn (each tab's charts and tables cost the page's
    # every run otherwise); the open tab is kept in the session, so no rerun resets it
    ladders = {name: charts.ladder_chart(view.ladders[name], name) for name in charts.LADDERS}
    chosen = (
        st.session_state.get("timing_outcomes", charts.TIMING_OUTCOMES) or charts.TIMING_OUTCOMES
    )
    timing = view.timing[view.timing["outcome"].isin(chosen)]
    timing_charts = {
        "when": charts.timing_chart(timing),
        "cumulative": charts.cumulative_chart(timing),
    }
    assembly = charts.assembly_chart(view.assembly)
    stockpile = charts.stockpile_chart(view.stockpile, view.stockpile_floor)
    tabs = st.tabs(list(TABS), key="scenario_tab", on_change="rerun")
    shown = dict(zip(TABS, tabs))

    with shown["Escalation ladders"] as tab:
        if tab.open:
            ui.chart(ladders["seoul_rung"], key="chart_seoul_rung")
            ui.chart_row(
                {
                    "chart_moscow_reward_rung": ladders["moscow_reward_rung"],
                    "chart_moscow_posture": ladders["moscow_posture"],
                }
            )

    with shown["When things happen"] as tab:
        if tab.open:
            st.multiselect(
                "Outcomes",
                list(charts.TIMING_CHOICES),
                default=charts.TIMING_OUTCOMES,
                format_func=lambda e: charts.label(e),
                key="timing_outcomes",
            )
            ui.chart_row(
                {
                    "chart_timing": timing_charts["when"],
                    "chart_cumulative": timing_charts["cumulative"],
                }
            )
            never = ", ".join(
                f"{charts.label(e)}: {1 - view.outcomes[e].mean():.1%}" for e in chosen
            )
            st.caption(f"Never within the horizon — {never}.")

    with shown["Assembly and stockpile"] as tab:
        if tab.open:
            ui.chart_row({"chart_assembly": assembly, "chart_stockpile": stockpile})
            st.caption(
                f"On average {view.votes_mean:.2f} Assembly votes per replication; at least one "
                f"vote passed in {view.approvals_share:.1%} of replications."
            )

    with shown["One replication's story"] as tab:
        if tab.open:
            c1, c2 = st.columns([2, 1])
            filters = {"any replication": None} | {
                labels.inline(charts.label(e)): e for e in OUTCOMES
            }
            which = c1.selectbox("Tell a replication with", list(filters), key="story_filter")
            pool = runs.matching(view.outcomes, filters[which])
            if len(pool) == 0:
                st.info(f"No replication has {which} in this run.")
            else:
                pick = c2.selectbox(
                    "Replication",
                    [int(i) for i in pool[:500]],
                    key="story_replication",
                    help="The same replication number as `redline explain "
                    "--replication N` with this seed and replications",
                )
                lines = runs.narrative(runs.key(scenario), settings.seed, int(pick), settings.reps)
                st.code("\n".join(lines), language=None, height=480)

    with shown["Scenario and injects"] as tab:
        if tab.open:
            st.markdown(" ".join(scenario.description.split()) or "_No description._")
            if scenario.injects:
                st.dataframe(
                    [
                        {"month": e.month, "what happens": words.inject(e.model_dump())}
                        for e in scenario.injects
                    ],
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption("No injects (happenings scheduled for a month) in this scenario.")

    with shown["Export"] as tab:
        if tab.open:
            st.markdown(
                "**Scenario file** — runs unchanged in the command line, with the same numbers:"
            )
            yaml_text = exports.scenario_yaml(scenario, settings)
            filename = exports.scenario_filename(settings)
            st.download_button(
                "Download scenario YAML",
                data=yaml_text,
                file_name=filename,
                mime=exports.MIME["yaml"],
                key="download_yaml",
                on_click="ignore",
                type="primary",
            )
            st.code(exports.run_command(settings, filename), language="bash")
            if (line := exports.set_command(settings)) is not None:
                st.code(line, language="bash")
            st.markdown("**Results**")
            result_key = (runs.key(scenario), settings.reps, settings.seed)
            stem = exports.slug(f"{scenario.name}-seed{settings.seed}")
            ui.table_downloads(
                lambda: exports.summary_table(view.summary),
                f"{stem}-summary",
                "dl_summary",
                "Summary",
            )
            ui.table_downloads(lambda: view.outcomes, f"{stem}-outcomes", "dl_outcomes", "Outcomes")
            ui.table_downloads(
                lambda: runs.result(*result_key).timeseries,
                f"{stem}-timeseries",
                "dl_timeseries",
                "Time series",
            )
            st.markdown("**Charts**")
            ui.chart_downloads(
                {
                    **{charts.LADDERS[k][0]: v for k, v in ladders.items()},
                    "When things happen": timing_charts["when"],
                    "Cumulative probability": timing_charts["cumulative"],
                    "Assembly votes": assembly,
                    "Stockpile": stockpile,
                },
                stem,
                "dl_chart",
            )


results()
