"""Compare: two to four scenarios or saved settings, side by side on the same outcomes."""

import streamlit as st

from dashboard import charts, deltas, exports, runs, session, state, ui
from model import InputError

current = session.current()
options: dict[str, state.Settings] = {f"current: {current.label()}": current}
options |= {name: state.Settings(name) for name in state.scenario_names()}
options |= {
    f"uploaded: {name}": state.Settings(state.UPLOAD_PREFIX + name) for name in session.uploads()
}
options |= {f"saved: {name}": s for name, s in session.saved().items()}
labels = list(options)
picked_before = st.session_state.get("compare_pick")
if picked_before is None or not set(picked_before) <= set(labels):
    other = "red-line" if current.scenario != "red-line" or current.overrides else "november-2024"
    st.session_state["compare_pick"] = [labels[0], other]

st.markdown("### Compare scenarios")
c1, c2, c3 = st.columns([4, 1, 1])
picked = c1.multiselect(
    "Scenarios (the first is the reference for the changes)",
    labels,
    key="compare_pick",
    max_selections=4,
    help="Shipped scenarios, the Scenario page's current settings, uploads, "
    "and settings saved there with 'Save for Compare'.",
)
reps = c2.number_input(
    "Replications",
    state.MIN_REPS,
    state.DASHBOARD_MAX_REPS,
    value=current.reps,
    step=100,
    key="compare_reps",
)
seed = c3.number_input(
    "Seed", 0, state.DASHBOARD_MAX_SEED, value=current.seed, step=1, key="compare_seed"
)
st.caption(
    "Every scenario runs with the same replications and seed (common random numbers), "
    "so differences come from the settings, not from luck."
)

if len(picked) < 2:
    st.info("Pick at least two scenarios to compare.")
    st.stop()

views, errors = {}, []
for label in picked:
    s = options[label]
    try:
        scenario = state.build_scenario(s, session.uploads())
    except InputError as exc:
        errors.append(exc)
        continue
    views[label] = runs.view(runs.key(scenario), int(reps), int(seed))
for exc in errors:
    ui.error(exc)
if len(views) < 2:
    st.stop()

# ---- the summary table first: every outcome, one column per scenario
reference = next(iter(views))
changes = {
    label: deltas.changes(v.outcomes, views[reference].outcomes, charts.CARD_ORDER)
    for label, v in views.items()
    if label != reference
}
st.markdown("#### Summary")
st.table(charts.comparison_table({label: v.summary for label, v in views.items()}, changes))
st.caption(
    f"Probability within the horizon with its 95% interval; changes in percentage points "
    f"(pp) against the first, {reference}. “Within noise”: a change chance alone gives "
    "as often as 1 run in 20."
)

# ---- the headline cards: a row per outcome, a column per scenario, so rows align
heads = st.columns(len(views))
for col, label in zip(heads, views):
    col.markdown(f"#### {label}")
for outcome in charts.KEY_OUTCOMES:
    cols = st.columns(len(views))
    for col, (label, v) in zip(cols, views.items()):
        with col, st.container(border=True):
            row = v.summary.set_index("outcome", drop=False).loc[outcome]
            if label in changes:
                ui.card(row, changes[label][outcome], reference)
            else:  # the same lines as the others', so the rows stay level
                ui.card(row, note="the reference")

frame = charts.comparison_frame({label: v.summary for label, v in views.items()})
timing = {label: v.timing for label, v in views.items()}
specs = {
    "Probabilities": charts.probability_chart(frame, charts.CARD_ORDER),
    "Lethal aid by month": charts.compare_timing_chart(timing, "lethal_aid"),
    "Relations collapse by month": charts.compare_timing_chart(timing, "relations_collapsed"),
    "Seoul's mean rung": charts.compare_lines_chart(
        {k: v.ladders["seoul_rung"] for k, v in views.items()},
        "mean",
        "Seoul's assistance rung (mean over replications)",
        "rung",
    ),
    "Moscow's mean posture": charts.compare_lines_chart(
        {k: v.ladders["moscow_posture"] for k, v in views.items()},
        "mean",
        "Moscow's posture toward Seoul (mean)",
        "posture",
    ),
    "Moscow's mean reward": charts.compare_lines_chart(
        {k: v.ladders["moscow_reward_rung"] for k, v in views.items()},
        "mean",
        "Moscow's reward to Pyongyang (mean)",
        "reward rung",
    ),
    "Stockpile": charts.compare_lines_chart(
        {k: v.stockpile for k, v in views.items()},
        "median",
        "Seoul's shell stockpile (median days of wartime use)",
        "days",
        fmt=".1f",
    ),
}
ui.chart(specs["Probabilities"], key="compare_probabilities")
names = list(specs)[1:]
for i in range(0, len(names), 2):
    ui.chart_row({f"compare_{exports.slug(name)}": specs[name] for name in names[i : i + 2]})

with st.expander("Download"):
    ui.table_downloads(lambda: frame, f"compare-seed{int(seed)}", "dl_compare", "Comparison")
    ui.chart_downloads(specs, "compare", "dl_compare_chart")
