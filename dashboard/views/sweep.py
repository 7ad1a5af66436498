"""Sweep: how an outcome's probability changes as one or two parameters move."""

import streamlit as st

from dashboard import charts, exports, labels, session, state, sweep, ui
from model import SPECS, InputError

RESULT = "sweep_result"
current, scenario = session.current_scenario()
flat = scenario.flat_parameters()

st.markdown("### Sweep")
st.caption(
    f"Starting from the Scenario page's settings: **{current.label()}**. Run by the "
    "sweeps package in this process: the same seed gives the same numbers, and "
    "`redline sweep` gives them too for the same design. The bands are 95% intervals; "
    "neighbouring points differ by chance within them as well as by the parameter."
)

sweepable = sweep.sweepable()
c1, c2, c3 = st.columns([1, 1, 1])
n_factors = c1.radio(
    "Parameters",
    [1, 2],
    horizontal=True,
    key="sweep_n",
    format_func=lambda n: "one (line)" if n == 1 else "two (heatmap)",
)
reps = c2.select_slider(
    "Replications per point",
    [100, 200, 500, 1000, 2000],
    value=500 if n_factors == 1 else 200,
    key=f"sweep_reps_{n_factors}",
)
seed = c3.number_input("Seed", 0, state.DASHBOARD_MAX_SEED, value=current.seed, key="sweep_seed")


def factor_controls(slot: str, default: str) -> sweep.Factor:
    name = st.selectbox(
        "Parameter",
        sweepable,
        index=sweepable.index(default),
        key=f"sweep_param_{slot}",
        format_func=labels.with_unit,
    )
    spec = SPECS[name]
    if spec.kind is bool:
        st.caption("A switch: swept over false and true.")
        return sweep.Factor(name, 0, 1, 2)
    kind = int if spec.kind is int else float
    top = kind(state.highest(name, flat))  # a share of the public: up to what the other leaves
    lo, hi = st.slider(
        "Range",
        kind(spec.lo),
        kind(spec.hi),
        (kind(spec.lo), top),
        step=state.step_for(spec),
        key=f"sweep_range_{slot}_{name}",
        format=state.number_format(spec, flat[name]),
    )
    points = st.slider(
        "Points",
        2,
        41 if n_factors == 1 else 15,
        11 if n_factors == 1 else 6,
        key=f"sweep_points_{slot}",
    )
    st.caption(f"Now {exports.format_value(flat[name])} in this scenario.")
    return sweep.Factor(name, lo, hi, points)


cols = st.columns(n_factors)
with cols[0]:
    factors = [factor_controls("x", "seoul.public_opposition")]
if n_factors == 2:
    with cols[1]:
        factors.append(factor_controls("y", "moscow.tech_transfer_propensity"))

design = (scenario.model_dump_json(), tuple(factors), int(reps), int(seed))
try:
    planned = sweep.design(scenario, factors, int(reps), int(seed))
except InputError as exc:
    ui.error(exc)
    st.stop()
st.caption(
    f"{planned.n_points} points x {int(reps):,} replications = "
    f"{planned.total_replications:,} replications."
)

if st.button("Run sweep", type="primary", key="sweep_run"):
    bar = st.progress(0.0, text="Running the sweep...")
    try:
        frame = sweep.run(
            scenario,
            factors,
            int(reps),
            int(seed),
            progress=lambda i, n: bar.progress(i / n, text=f"{i:,} of {n:,} replications"),
        )
    except InputError as exc:
        bar.empty()
        ui.error(exc)
        st.stop()
    bar.empty()
    st.session_state[RESULT] = {
        "design": design,
        "frame": frame,
        "factors": factors,
        "label": current.label(),
    }

done = st.session_state.get(RESULT)
if done is None:
    st.info("Choose the parameters and press **Run sweep**.")
    st.stop()
if done["design"] != design:
    st.warning(
        "The settings above changed since this sweep ran; press **Run sweep** to update. "
        f"Showing the last sweep (from {done['label']})."
    )

frame, factors = done["frame"], done["factors"]
if len(factors) == 1:
    chosen = st.multiselect(
        "Outcomes",
        list(charts.CARD_ORDER),
        key="sweep_outcomes",
        default=["lethal_aid", "moscow_retaliated", "relations_collapsed"],
        format_func=lambda o: charts.label(o),
    )
    spec = charts.sweep_line_chart(frame, factors[0].name, chosen or ["lethal_aid"])
else:
    outcome = st.selectbox(
        "Outcome",
        list(charts.CARD_ORDER),
        key="sweep_outcome",
        format_func=lambda o: charts.label(o),
    )
    spec = charts.sweep_heatmap(frame, factors[0].name, factors[1].name, outcome)
ui.chart(spec, key="sweep_chart")
with st.expander("Results table and downloads"):
    st.dataframe(frame, hide_index=True, width="stretch")
    stem = exports.slug("sweep-" + "-".join(f.name for f in factors))
    ui.table_downloads(lambda: frame, stem, "dl_sweep", "Sweep results")
    ui.chart_downloads({"Sweep": spec}, stem, "dl_sweep_chart")
