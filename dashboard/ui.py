"""Small Streamlit pieces the pages share: projector styling, outcome cards, charts with
their downloads, and table downloads. Each takes data computed elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd
import streamlit as st

from model.outcomes import OUTCOMES

from . import charts, exports

PROJECTOR_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 3.1rem; font-weight: 700; line-height: 1.1; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; font-weight: 600; }
[data-testid="stMetricDelta"] { font-size: 1.1rem; }
[data-testid="stCaptionContainer"] p { font-size: 0.98rem; }
.block-container { padding-top: 3.5rem; }
.stTabs [data-baseweb="tab"] p { font-size: 1.05rem; }
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
    summary_row: pd.Series, baseline_row: pd.Series | None = None, baseline_label: str = "defaults"
) -> None:
    """One outcome: probability (large), change against a baseline, 95% interval, count."""
    title, meaning = charts.label(summary_row["outcome"]), OUTCOMES[summary_row["outcome"]].meaning
    delta, arrow = None, "auto"
    if baseline_row is not None:
        diff = (summary_row["probability"] - baseline_row["probability"]) * 100
        delta = f"{diff:+.1f} pp vs {baseline_label}"
        if abs(diff) < 0.05:  # no arrow for "no change"
            delta, arrow = f"±0.0 pp vs {baseline_label}", "off"
    median = summary_row["median_months"]
    when = "" if pd.isna(median) else f" · median month {median:g}"
    with st.container(border=True):
        st.metric(
            title,
            percent(summary_row["probability"]),
            delta,
            delta_color="off",
            delta_arrow=arrow,
            help=f"{meaning}, within the horizon. Share of replications with a Wilson "
            "95% interval; the change compares with the same seed and replications.",
        )
        st.caption(
            f"95% interval {percent(summary_row['ci_low'])} – "
            f"{percent(summary_row['ci_high'])} · {int(summary_row['count']):,} of "
            f"{int(summary_row['reps']):,} replications{when}"
        )


def cards(
    summary: pd.DataFrame,
    baseline: pd.DataFrame | None = None,
    rows: Sequence[Sequence[str]] = (
        charts.KEY_OUTCOMES,
        tuple(charts.CARD_ORDER[len(charts.KEY_OUTCOMES) :]),
    ),
    baseline_label: str = "defaults",
) -> None:
    by = summary.set_index("outcome", drop=False)
    base = baseline.set_index("outcome", drop=False) if baseline is not None else None
    for row in rows:
        cols = st.columns(len(row))
        for col, outcome in zip(cols, row):
            with col:
                card(by.loc[outcome], None if base is None else base.loc[outcome], baseline_label)


def chart(spec: dict, key: str | None = None) -> None:
    st.vega_lite_chart(spec, width="stretch", theme=None, key=key)


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


def error(exc) -> None:
    """Bad input shown in the page: one line naming file, field and what is allowed."""
    st.error(exc.render(), icon=":material/error:")
