"""Scenario: set the parameters, run the ensemble, read the odds and why."""

import streamlit as st

from dashboard import charts, controls, exports, runs, session, state, ui
from model import InputError
from model.outcomes import OUTCOMES

settings = session.current()
try:
    session.ensure_widgets(settings)
except InputError as exc:  # e.g. an uploaded scenario this session no longer holds
    ui.error(exc)
    settings = state.Settings(reps=settings.reps, seed=settings.seed)
    session.set_current(settings)

if controls.sidebar(settings):
    try:
        new = session.settings_from_widgets(settings)
    except InputError as exc:
        session.notify("error", f"Not run: {exc.render()}")
        new = settings
    if new != settings:
        session.set_current(new, widgets=False)
        settings = new
session.publish(settings)
session.show_notices()

scenario = state.build_scenario(settings, session.uploads())
base = state.base_scenario(settings.scenario, session.uploads())
view = runs.view(runs.key(scenario), settings.reps, settings.seed)
baseline = runs.view(runs.key(base), settings.reps, settings.seed) if settings.overrides else None

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
            f"`{n}` {exports.format_value(flat[n])} → **{exports.format_value(v)}**"
            for n, v in settings.overrides
        )
    )
else:
    st.caption("The scenario's own values (nothing changed).")

# ---- the odds, large, at the top
ui.cards(view.summary, baseline.summary if baseline is not None else None)

ladders = {name: charts.ladder_chart(view.ladders[name], name) for name in charts.LADDERS}
tabs = st.tabs(
    [
        "Escalation ladders",
        "When things happen",
        "Assembly and stockpile",
        "One replication's story",
        "Scenario and events",
        "Export",
    ]
)

with tabs[0]:
    ui.chart(ladders["seoul_rung"], key="chart_seoul_rung")
    c1, c2 = st.columns(2)
    with c1:
        ui.chart(ladders["moscow_reward_rung"], key="chart_moscow_reward_rung")
    with c2:
        ui.chart(ladders["moscow_posture"], key="chart_moscow_posture")

with tabs[1]:
    chosen = st.multiselect(
        "Events",
        list(charts.TIMING_CHOICES),
        default=charts.TIMING_EVENTS,
        format_func=lambda e: charts.label(e),
        key="timing_events",
    )
    timing = view.timing[view.timing["event"].isin(chosen or charts.TIMING_EVENTS)]
    timing_charts = {
        "when": charts.timing_chart(timing),
        "cumulative": charts.cumulative_chart(timing),
    }
    c1, c2 = st.columns(2)
    with c1:
        ui.chart(timing_charts["when"], key="chart_timing")
    with c2:
        ui.chart(timing_charts["cumulative"], key="chart_cumulative")
    never = ", ".join(
        f"{charts.label(e)}: {1 - view.outcomes[e].mean():.1%}"
        for e in (chosen or charts.TIMING_EVENTS)
    )
    st.caption(f"Never within the horizon — {never}.")

with tabs[2]:
    assembly = charts.assembly_chart(view.assembly)
    stockpile = charts.stockpile_chart(view.stockpile, view.stockpile_floor)
    c1, c2 = st.columns(2)
    with c1:
        ui.chart(assembly, key="chart_assembly")
        st.caption(
            f"On average {view.votes_mean:.2f} votes per replication; at least one vote "
            f"passed in {view.approvals_share:.1%} of replications."
        )
    with c2:
        ui.chart(stockpile, key="chart_stockpile")

with tabs[3]:
    c1, c2 = st.columns([2, 1])
    filters = {"any replication": None} | {charts.label(e).lower(): e for e in OUTCOMES}
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

with tabs[4]:
    st.markdown(" ".join(scenario.description.split()) or "_No description._")
    if scenario.events:
        st.dataframe(
            [
                {"month": e.month, "type": e.type, "value": e.value, "note": e.note}
                for e in scenario.events
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No scheduled events (injects) in this scenario.")

with tabs[5]:
    st.markdown("**Scenario file** — runs unchanged in the command line, with the same numbers:")
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
        lambda: exports.summary_table(view.summary), f"{stem}-summary", "dl_summary", "Summary"
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
