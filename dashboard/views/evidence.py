"""Evidence: every parameter with its value, unit, source and excerpt; assumptions flagged."""

import streamlit as st

from dashboard import evidence, session, state, ui
from model import InputError
from model.evidence import load_register

current = session.current()
try:
    scenario = state.build_scenario(current, session.uploads())
    base = state.base_scenario(current.scenario, session.uploads())
except InputError as exc:
    ui.error(exc)
    st.stop()

table = evidence.parameter_table(
    scenario.flat_parameters(), base.flat_parameters(), load_register()
)
n, k = len(table), int(table["assumption"].sum())
st.markdown(f"### Evidence for **{current.label()}**")
c1, c2, c3 = st.columns(3)
c1.metric("Parameters", n)
c2.metric("From the documents", n - k)
c3.metric(
    "Assumptions",
    k,
    help="Judgement calls with a stated reason, not numbers from a "
    "source. The Sensitivity page shows which of them matter.",
)

f1, f2, f3 = st.columns([2, 1, 2])
groups = f1.multiselect(
    "Actors",
    list(state.GROUPS) + ["run"],
    key="ev_groups",
    format_func=lambda g: state.GROUPS.get(g, "Run (horizon)"),
)
which = f2.radio("Show", ["all", "assumptions", "sourced", "changed"], key="ev_which")
search = f3.text_input("Search names and evidence", key="ev_search")
shown = table
if groups:
    shown = shown[shown["group"].isin(groups)]
if which == "assumptions":
    shown = shown[shown["assumption"]]
elif which == "sourced":
    shown = shown[~shown["assumption"]]
elif which == "changed":
    shown = shown[shown["changed"]]
if search:
    text = shown["parameter"] + " " + shown["evidence"] + " " + shown["citation"]
    shown = shown[text.str.contains(search, case=False, regex=False)]

st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=620,
    column_config={
        "assumption": st.column_config.CheckboxColumn(
            "assumption", help="no source: a judgement call, with its reason"
        ),
        "changed": st.column_config.CheckboxColumn("changed"),
        "evidence": st.column_config.TextColumn("evidence or reason", width="large"),
        "citation": st.column_config.TextColumn("citation", width="medium"),
        "group": None,
    },
)
st.caption(
    f"{len(shown)} of {n} parameters. Hover a slider's (?) on the Scenario page for the "
    "same evidence."
)
ui.table_downloads(lambda: table, "redline-evidence", "dl_evidence", "Evidence table")

name = st.selectbox(
    "Read one in full",
    list(shown["parameter"]),
    key="ev_detail",
    index=None,
    placeholder="pick a parameter",
)
if name is not None:
    row = table.set_index("parameter").loc[name]
    kind = "**Assumption**" if row["assumption"] else f"**Source** {row['source']}"
    st.markdown(f"`{name}` = **{row['value']}** {row['unit']} (range {row['range']}) · {kind}")
    st.info(
        row["evidence"]
        + (f"\n\n{row['citation']}" if row["citation"] else "")
        + (f"\n\n*Note:* {row['note']}" if row["note"] else "")
    )

st.markdown("#### The model's rules and their sources")
st.dataframe(evidence.rules_table(), hide_index=True, width="stretch")
