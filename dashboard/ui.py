"""Small Streamlit pieces the pages share: projector styling, outcome cards, charts with
their downloads, and table downloads. Each takes data computed elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import pandas as pd
import streamlit as st

from model.outcomes import OUTCOMES

from . import charts, exports, labels
from .deltas import Change

# Cards are keyed "card_<kind>_<outcome>" (Streamlit gives a keyed container the class
# st-key-<key>, inside a layout wrapper that is the flex item of its horizontal
# container): they grow from 15rem and wrap to the next row, so a 1024 px projector with
# the sidebar open shows two a row and a wide screen five; their labels and numbers wrap
# instead of ending in "…". Charts in a row ("chartbox_<key>") wrap from 34rem.
# No motion: Streamlit animates its "running" indicator and fades stale elements while a
# script runs, and in a browser without a GPU that costs about a fifth of a core per
# second of waiting (measured in Chromium here: 0.72 s of page CPU for a 2 s run, 0.34 s
# without). In a room of laptops the waits grow with the load, so the animations fed
# the load (benchmarks/bench_dashboard.py). A still page also reads better on a projector.
PROJECTOR_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 3.1rem; font-weight: 700; line-height: 1.1; }
[data-testid="stMetricValue"] * { overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; font-weight: 600; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricDelta"] { font-size: 1.1rem; }
[data-testid="stMetricDelta"] div { white-space: normal; }
[data-testid="stCaptionContainer"] p { font-size: 0.98rem; }
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-card_"]) {
  flex: 1 1 15rem; min-width: min(15rem, 100%); max-width: 26rem; }
[class*="st-key-card_"] { width: 100%; min-width: 0; }
[class*="st-key-card_more_"] [data-testid="stMetricValue"] { font-size: 2.4rem; }
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-chartbox_"]) {
  flex: 1 1 34rem; min-width: min(34rem, 100%); }
[class*="st-key-chartbox_"] { width: 100%; min-width: 0; }
.block-container { padding-top: 3.5rem; }
.stTabs [data-baseweb="tab"] p { font-size: 1.05rem; }
*, *::before, *::after { animation: none !important; transition: none !important; }
</style>
"""


@lru_cache(maxsize=1)
def favicon():
    """A red line across a blue square, drawn here so the browser fetches nothing."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (64, 64), charts.BLUE)
    ImageDraw.Draw(img).line([(6, 50), (58, 14)], fill=charts.VERMILLION, width=10)
    return img


def projector_style() -> None:
    st.html(PROJECTOR_CSS)


def percent(p: float) -> str:
    return f"{p:.1%}"


def card(
    summary_row: pd.Series,
    change: Change | None = None,
    baseline_label: str = "the scenario's own values",
    note: str | None = None,
) -> None:
    """One outcome: probability (large), change against a baseline (marked when within
    Monte Carlo noise) or a `note` in its place, 95% interval, count and median month."""
    title, meaning = charts.label(summary_row["outcome"]), OUTCOMES[summary_row["outcome"]].meaning
    delta, arrow = note, "off"
    if change is not None:
        delta = change.text()
        arrow = "off" if change.none or change.within_noise else "auto"
    median = summary_row["median_months"]
    when = "" if pd.isna(median) else f" · median month {median:g}"
    compared = (
        f" The change compares with {baseline_label}, same seed and replications; "
        "“within noise” means chance alone gives differences this size (95%)."
        if change is not None
        else ""
    )
    st.metric(
        title,
        percent(summary_row["probability"]),
        delta,
        delta_color="off",
        delta_arrow=arrow,
        help=f"{meaning}, within the horizon: the share of replications, with a Wilson "
        f"95% interval.{compared}",
    )
    st.caption(
        f"95% interval {percent(summary_row['ci_low'])} – "
        f"{percent(summary_row['ci_high'])} · {int(summary_row['count']):,} of "
        f"{int(summary_row['reps']):,} replications{when}"
    )


def cards(
    summary: pd.DataFrame,
    changes: Mapping[str, Change] | None = None,
    baseline_label: str = "the scenario's own values",
) -> None:
    """Every outcome's card: the headline outcomes first, then the others (smaller),
    each set in a row that wraps to the width of the screen."""
    by = summary.set_index("outcome", drop=False)
    rest = [o for o in charts.CARD_ORDER if o not in charts.KEY_OUTCOMES]
    for kind, row in (("head", charts.KEY_OUTCOMES), ("more", rest)):
        with st.container(horizontal=True, gap="small", key=f"cards_{kind}"):
            for outcome in row:
                with st.container(border=True, key=f"card_{kind}_{outcome}"):
                    card(
                        by.loc[outcome],
                        None if changes is None else changes[outcome],
                        baseline_label,
                    )


def chart(spec: dict, key: str | None = None) -> None:
    st.vega_lite_chart(spec, width="stretch", theme=None, key=key)


def chart_row(specs: Mapping[str, dict]) -> None:
    """Charts side by side where the screen is wide enough for their titles, one under
    the other where it is not (a 1024 px projector with the sidebar open)."""
    with st.container(horizontal=True, gap="medium"):
        for key, spec in specs.items():
            with st.container(key=f"chartbox_{key}"):
                chart(spec, key=key)


def table_downloads(frame_fn, stem: str, key: str, label: str) -> None:
    """CSV and Parquet buttons; the bytes are made only when clicked (`frame_fn()`)."""
    c1, c2 = st.columns(2)
    c1.download_button(
        f"{label} (CSV)",
        data=lambda: exports.csv_bytes(frame_fn()),
        file_name=f"{stem}.csv",
        mime=exports.MIME["csv"],
        key=f"{key}_csv",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        f"{label} (Parquet)",
        data=lambda: exports.parquet_bytes(frame_fn()),
        file_name=f"{stem}.parquet",
        mime=exports.MIME["parquet"],
        key=f"{key}_parquet",
        on_click="ignore",
        width="stretch",
    )


def chart_downloads(specs: dict[str, dict], stem: str, key: str) -> None:
    """Pick one of the page's charts and download it as PNG or SVG (made when clicked)."""
    if not specs:
        return
    c1, c2, c3 = st.columns([2, 1, 1])
    name = c1.selectbox("Chart", list(specs), key=f"{key}_pick")
    spec = specs[name]
    file_stem = f"{stem}-{exports.slug(name)}"
    c2.download_button(
        "PNG",
        data=lambda: exports.chart_bytes(spec, "png"),
        file_name=f"{file_stem}.png",
        mime=exports.MIME["png"],
        key=f"{key}_png",
        on_click="ignore",
        width="stretch",
    )
    c3.download_button(
        "SVG",
        data=lambda: exports.chart_bytes(spec, "svg"),
        file_name=f"{file_stem}.svg",
        mime=exports.MIME["svg"],
        key=f"{key}_svg",
        on_click="ignore",
        width="stretch",
    )


def error(exc, prefix: str = "") -> None:
    """Bad input shown in the page: one line naming the file, the field (in words) and
    what is allowed."""
    st.error(prefix + labels.error_text(exc), icon=":material/error:")
