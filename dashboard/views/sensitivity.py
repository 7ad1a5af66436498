"""Sensitivity: which parameters drive an outcome (Sobol' or Morris), and where it is likely."""

import hashlib
from pathlib import Path

import streamlit as st

from dashboard import charts, exports, labels, session, state, ui
from dashboard import sensitivity as sa
from model import InputError
from model.scenario import dump_yaml

RESULT = "sensitivity_result"
current, scenario = session.current_scenario()
flat = scenario.flat_parameters()

st.markdown("### Sensitivity")
run_tab, load_tab = st.tabs(["Run a small analysis here", "Load a sweep directory"])

with run_tab:
    st.caption(
        f"Varies the chosen parameters around the Scenario page's settings "
        f"(**{current.label()}**) with the sweeps package (`redline sweep`), in this "
        "process. For large designs use the command line and load the result here."
    )
    with st.form("sensitivity_form", border=False):
        c1, c2, c3, c4 = st.columns(4)
        method = c1.radio(
            "Method",
            sa.METHODS,
            key="sa_method",
            horizontal=True,
            format_func=lambda m: "Sobol'" if m == "sobol" else "Morris",
            help="Sobol': shares of the outcome's variance (first order and "
            "total). Morris: elementary effects, cheaper screening.",
        )
        samples = c2.select_slider(
            "Base samples (Sobol') / trajectories (Morris)",
            [8, 16, 32, 64, 128, 256],
            value=64,
            key="sa_samples",
        )
        reps = c3.select_slider(
            "Replications per point", [20, 50, 100, 200], value=100, key="sa_reps"
        )
        seed = c4.number_input(
            "Seed", 0, state.DASHBOARD_MAX_SEED, value=current.seed, key="sa_seed"
        )
        factors = st.multiselect(
            "Parameters to vary",
            sa.factor_choices(),
            default=sa.DEFAULT_FACTORS,
            key="sa_factors",
            format_func=labels.with_unit,
        )
        rule = st.radio(
            "Range of each",
            list(sa.RANGE_RULES),
            key="sa_rule",
            horizontal=True,
            format_func=lambda r: sa.RANGE_RULES[r],
        )
        submitted = st.form_submit_button("Run analysis", type="primary")

    ranges = {n: sa.factor_range(n, flat[n], rule, flat) for n in factors}
    fixed = {n: v for n, v in current.overrides if n not in ranges}
    uploaded = current.scenario.startswith(state.UPLOAD_PREFIX)
    scenario_ref = "scenario.yaml" if uploaded else current.scenario
    text = sa.design_yaml(
        scenario_ref,
        {} if uploaded else fixed,
        method,
        ranges,
        samples,
        reps,
        int(seed),
        name=f"dashboard-{method}",
    )
    scenario_text = dump_yaml(scenario)
    base = sa.CACHE.parent / "designs" / hashlib.sha256(scenario_text.encode()).hexdigest()[:16]
    if uploaded:
        base.mkdir(parents=True, exist_ok=True)
        (base / "scenario.yaml").write_text(scenario_text)
    try:
        design = sa.parse(text, base=base) if factors else None
    except InputError as exc:
        design = None
        ui.error(exc)
    if design is not None:
        st.caption(
            f"{design.n_points:,} design points x {reps} replications = "
            f"{design.total_replications:,} replications."
        )
    if submitted and not factors:
        st.warning("Choose at least one parameter to vary.")
    elif submitted and design is not None:
        bar = st.progress(0.0, text="Running the sweep...")
        try:
            sweep = sa.run(
                design, progress=lambda i, n: bar.progress(i / n, text=f"Block {i} of {n}")
            )
            st.session_state[RESULT] = sa.analyse(sweep)
        except InputError as exc:
            ui.error(exc)
        finally:
            bar.empty()
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download this design (YAML)",
        data=text,
        file_name=f"dashboard-{method}.yaml",
        mime=exports.MIME["yaml"],
        key="sa_design_yaml",
        on_click="ignore",
        width="stretch",
    )
    if uploaded:
        d2.download_button(
            "Download its scenario.yaml (keep beside the design)",
            data=scenario_text,
            file_name="scenario.yaml",
            mime=exports.MIME["yaml"],
            key="sa_scenario_yaml",
            on_click="ignore",
            width="stretch",
        )
    st.code(
        f"redline sweep dashboard-{method}.yaml --out runs/sweeps/dashboard-{method} "
        f"--workers 1\nredline analyze runs/sweeps/dashboard-{method} --method {method}",
        language="bash",
    )

with load_tab:
    # sweeps written from the folder the dashboard was started in, and the page's own
    runs_dir = Path.cwd() / "runs"
    found = sa.find_sweeps([runs_dir / "sweeps", runs_dir, sa.CACHE])
    if found:
        st.selectbox(
            "Sweeps found on this machine",
            [str(p) for p in found],
            key="sa_found",
            index=None,
            placeholder="pick one, or type a path below",
            on_change=lambda: st.session_state.update(sa_path=st.session_state.sa_found),
        )
    path = st.text_input(
        "Sweep directory", key="sa_path", placeholder="runs/sweeps/sobol-assumptions"
    )
    if st.button("Load", key="sa_load", type="primary"):
        try:
            st.session_state[RESULT] = sa.load(path)  # relative to the current folder
        except InputError as exc:
            ui.error(exc)

analysis = st.session_state.get(RESULT)
if analysis is None:
    st.info("Run an analysis or load a sweep to see its indices.")
    st.stop()

st.divider()
st.caption(f"Showing: {analysis.source}")
if analysis.table.empty:
    st.warning(
        "No outcome varied across the design points, so there are no indices. "
        + "; ".join(f"{charts.label(o)}: {why}" for o, why in analysis.skipped.items())
    )
    st.stop()
outcome = st.selectbox(
    "Outcome",
    analysis.outcomes,
    key="sa_outcome",
    format_func=lambda o: charts.label(o),
)
for name, why in analysis.skipped.items():
    st.caption(f"No indices for {charts.label(name)}: {why}.")
indices = sa.index_frame(analysis, outcome)
title = (
    "Sobol' indices" if analysis.method == "sobol" else "Morris screening"
) + f": {charts.label(outcome)}"
spec = charts.sensitivity_chart(indices, title)
ui.chart(spec, key="sa_chart")
with st.expander("Indices table and downloads"):
    table = analysis.table[analysis.table["outcome"] == outcome]
    st.dataframe(table, hide_index=True, width="stretch")
    ui.table_downloads(lambda: analysis.table, f"{analysis.method}-indices", "dl_sa", "Indices")
    ui.chart_downloads({"Indices": spec}, f"{analysis.method}-{outcome}", "dl_sa_chart")

st.markdown("#### Where is it likely? (scenario discovery)")
if analysis.sweep is not None:
    probs = analysis.sweep.values(outcome)
    c1, c2, c3 = st.columns(3)
    threshold = c1.slider(
        "A point is of interest when the probability is at least",
        0.01,
        1.0,
        value=float(min(0.99, max(0.01, round(float(probs.mean()) * 1.5, 2)))),
        step=0.01,
        key=f"sa_threshold_{outcome}",
        help=f"Across points it ranges from {probs.min():.1%} to {probs.max():.1%}.",
    )
    algorithm = c2.radio(
        "Algorithm",
        ["prim", "tree"],
        key="sa_algorithm",
        horizontal=True,
        format_func=lambda a: (
            "PRIM (EMA Workbench)" if a == "prim" else "decision tree (scikit-learn)"
        ),
    )
    density = c3.slider("Minimum density (PRIM)", 0.3, 1.0, 0.6, 0.05, key="sa_density")
    if st.button("Find regions", key="sa_discover"):
        try:
            with st.spinner("Looking for boxes..."):
                analysis.discoveries[outcome] = sa.discover(
                    analysis, outcome, threshold, algorithm, density
                )
        except InputError as exc:
            ui.error(exc)
found_boxes = analysis.discoveries.get(outcome)
if found_boxes is None:
    st.caption(
        "No regions yet for this outcome."
        + (
            ""
            if analysis.sweep is not None
            else " This directory has no finished sweep "
            "to search, and `redline analyze --method discover` has not written any."
        )
    )
    st.stop()
boxes, limits = found_boxes
if limits.empty:
    st.info(
        "No box reaches that density; lower the threshold or the minimum density, or try "
        "the decision tree."
    )
    st.stop()
if not boxes.empty:
    st.dataframe(boxes, hide_index=True, width="stretch")
for box in sorted(limits["box"].unique()):
    rows = sa.box_frame(limits, box)
    ui.chart(charts.boxes_chart(rows, f"Box {box}"), key=f"sa_box_{box}")
    st.dataframe(rows, hide_index=True, width="stretch")
