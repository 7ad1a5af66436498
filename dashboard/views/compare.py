"""Compare: two to four scenarios or saved settings, side by side on the same outcomes."""

import pandas as pd
import streamlit as st

from dashboard import charts, exports, runs, session, state, ui
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

# ---- cards: one column per scenario, changes against the first
reference = next(iter(views))
cols = st.columns(len(views))
for col, (label, v) in zip(cols, views.items()):
    with col:
        st.markdown(f"#### {label}")
        base = (
            None
            if label == reference
            else views[reference].summary.set_index("outcome", drop=False)
        )
        by = v.summary.set_index("outcome", drop=False)
        for outcome in charts.KEY_OUTCOMES:
            ui.card(
                by.loc[outcome], None if base is None else base.loc[outcome], baseline_label="first"
            )

frame = charts.comparison_frame({label: v.summary for label, v in views.items()})
timing = {label: v.timing for label, v in views.items()}
specs = {
    "Probabilities": charts.probability_chart(frame),
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
    c1, c2 = st.columns(2)
    for col, name in zip((c1, c2), names[i : i + 2]):
        with col:
            ui.chart(specs[name], key=f"compare_{exports.slug(name)}")

table = pd.DataFrame(
    {
        label: [
            f"{p:.1%} ({lo:.1%}–{hi:.1%})"
            for p, lo, hi in zip(
                v.summary["probability"], v.summary["ci_low"], v.summary["ci_high"]
            )
        ]
        for label, v in views.items()
    },
    index=[charts.label(o) for o in views[reference].summary["outcome"]],
)
st.dataframe(table, width="stretch")
with st.expander("Download"):
    ui.table_downloads(lambda: frame, f"compare-seed{int(seed)}", "dl_compare", "Comparison")
    ui.chart_downloads(specs, "compare", "dl_compare_chart")
