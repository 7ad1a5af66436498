"""Evidence: every parameter with its value, unit, source and excerpt; assumptions flagged."""

import streamlit as st

from dashboard import calibrated, evidence, session, state, ui
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

st.markdown("#### From outside the two documents: the record and other facts")
st.caption(
    "Excerpts that are not from the two analysed documents, marked so wherever they are "
    "cited: the public record from July 2024 to December 2025 (the calibration's targets, "
    "the hindcasts' injects and the scoreboard's outcomes; no parameter rests on them) and "
    "the Assembly's seats."
)
st.dataframe(
    evidence.record_table(load_register()),
    hide_index=True,
    width="stretch",
    column_config={
        "outside the documents": st.column_config.CheckboxColumn("outside the documents"),
        "text": st.column_config.TextColumn("what happened", width="large"),
    },
)


@st.cache_data(show_spinner=False)
def _scoreboard(directory: str | None):
    from model.calibration import load_targets
    from model.calibration import scoreboard as sb
    from model.calibration.calibrated import load_calibration

    targets = load_targets("targets")
    cal = load_calibration(directory, targets=targets) if directory else None
    return sb.score(sb.model_runs(sb.DEFAULT_REPS, sb.DEFAULT_SEED, cal), targets)


st.markdown("#### Forecast scoreboard")
choices = calibrated.available()
directory = next(iter(choices.values()), None)
try:
    with st.spinner("Scoring the forecasts…"):
        board = _scoreboard(directory)
except InputError as exc:
    ui.error(exc)
    st.stop()
st.caption(
    "Each forecast of something the record answers, scored: the model from July and "
    "from November 2024 (2,000 worlds each, seed 1, the documents' scenarios without the "
    "record's events), with its own weights and"
    + (" with calibrated ones" if directory else " (no calibration at hand)")
    + "; Asmolov's “above 50%” and Seok's words, read as numbers (an assumption, said in "
    "the basis column). Brier score: (probability − outcome)², 0 best, 1 worst. The same as "
    "`redline scoreboard`."
)
ui.chart(evidence.scoreboard_chart(board), key="chart_scoreboard")
st.dataframe(
    evidence.scoreboard_frame(board),
    hide_index=True,
    width="stretch",
    column_config={
        "probability": st.column_config.NumberColumn(format="percent"),
        "Brier score": st.column_config.NumberColumn(format="%.3f"),
        "log score": st.column_config.NumberColumn(format="%.3f"),
        "held out": st.column_config.CheckboxColumn("held out"),
        "basis": st.column_config.TextColumn(width="large"),
    },
)
