"""Chart builders: pure functions from simulation results to tidy frames and charts.

Nothing here imports Streamlit, so every chart can be tested (and exported to
PNG or SVG) on its own. Frames first (`*_frame`), then charts (`*_chart`) that
take those frames and return a Vega-Lite specification (a dict) authored with
Altair.

Speed: building an Altair chart costs about 50 ms (schema wrapping and
validation) and a Scenario page shows eight, which alone would break the
one-second budget for a slider move. So each chart's structure is built by
Altair once per shape (`_*_template`, cached) against a named dataset, and a
run only fills in the data (`fill`). The result is what `altair.Chart.to_dict`
would give with the data inlined as `datasets`.

Colours are the Okabe-Ito palette, which stays distinct for the common forms
of colour blindness; sequential scales use viridis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache

import altair as alt
import numpy as np
import pandas as pd

from model.agents import MOSCOW_POSTURES, MOSCOW_REWARDS, SEOUL_RUNGS
from model.outcomes import MONTHS_COLUMNS, OUTCOMES
from model.simulation import summarize

from . import labels
from .deltas import Change

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY = OKABE_ITO[:6]
FONT = 15  # axis and legend text, readable from the back of a seminar room
WIDTH, HEIGHT = 620, 380  # with autosize 'fit' the height includes titles and axes

# Cards in the order a seminar reads them: the headline outcomes first.
KEY_OUTCOMES = [
    "weapons_supplied",
    "lethal_aid",
    "moscow_retaliated",
    "relations_collapsed",
    "red_line_crossed",
]
CARD_ORDER = [*KEY_OUTCOMES, *(o for o in OUTCOMES if o not in KEY_OUTCOMES)]

# Series -> (title, level names, short names for the axis) for the escalation ladders.
LADDERS: dict[str, tuple[str, list[str], list[str]]] = {
    "seoul_rung": (
        "Seoul's assistance rung",
        SEOUL_RUNGS,
        ["humanitarian", "non-lethal", "defensive", "indirect lethal", "offensive", "troops"],
    ),
    "moscow_reward_rung": (
        "Moscow's reward to Pyongyang",
        MOSCOW_REWARDS,
        [
            "diplomatic cover",
            "food, energy, cash",
            "conventional tech",
            "missile tech",
            "nuclear tech",
        ],
    ),
    "moscow_posture": (
        "Moscow's posture toward Seoul",
        MOSCOW_POSTURES,
        ["working relations", "warnings", "hostile measures", "collapse"],
    ),
}
LADDER_COLOURS = {"seoul_rung": BLUE, "moscow_reward_rung": VERMILLION, "moscow_posture": PURPLE}
TIMING_OUTCOMES = ["lethal_aid", "relations_collapsed"]  # shown by default
TIMING_CHOICES = tuple(OUTCOMES)


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Large type and a colour-blind-safe categorical range, for a projector."""
    return (
        chart.configure_axis(labelFontSize=FONT - 1, titleFontSize=FONT, titleFontWeight="normal")
        .configure_legend(
            labelFontSize=FONT - 1, titleFontSize=FONT, orient="bottom", labelLimit=400
        )
        .configure_title(fontSize=FONT + 3, anchor="start", subtitleFontSize=FONT - 1)
        .configure_header(labelFontSize=FONT, titleFontSize=FONT)
        .configure_range(category=OKABE_ITO)
        .configure_view(strokeWidth=0)
    )


# ---------------------------------------------------------------- frames


def label(outcome: str) -> str:
    """The words for an outcome (its card title); unknown names pass through."""
    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


def outcome_summary(result) -> pd.DataFrame:
    """Probability, Wilson 95% interval, count and median months for every card outcome."""
    out = summarize(result.outcomes)
    out["reps"] = result.reps
    out["title"] = out["outcome"].map(label)
    return out.set_index("outcome").loc[CARD_ORDER].reset_index()


def band_frame(values: np.ndarray, months: Sequence[str]) -> pd.DataFrame:
    """Median, mean and the 50% and 90% bands of a (months x replications) series."""
    values = np.asarray(values, dtype=float)
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    return pd.DataFrame(
        {
            "month": list(months),
            "step": np.arange(1, len(months) + 1),
            "q05": q[0],
            "q25": q[1],
            "median": q[2],
            "q75": q[3],
            "q95": q[4],
            "mean": values.mean(axis=1),
        }
    )


def ladder_frames(result) -> dict[str, pd.DataFrame]:
    return {name: band_frame(result.series[name], result.months) for name in LADDERS}


def timing_frame(
    outcomes: pd.DataFrame, months: Sequence[str], names: Sequence[str] = TIMING_OUTCOMES
) -> pd.DataFrame:
    """For each outcome in `names` and month: the share of replications where it first
    happens then, and the cumulative share by then. Month 0 holds outcomes already true at
    the start."""
    n = len(outcomes)
    rows = []
    for name in names:
        col = MONTHS_COLUMNS[name]
        when = outcomes.loc[outcomes[name], col].astype("int64").to_numpy()
        counts = np.bincount(when, minlength=len(months) + 1)[: len(months) + 1]
        cumulative = np.cumsum(counts) / n
        for k in range(len(months) + 1):
            rows.append(
                {
                    "outcome": name,
                    "title": OUTCOMES[name].label,
                    "months_after_start": k,
                    "month": "start" if k == 0 else months[k - 1],
                    "share": counts[k] / n,
                    "cumulative": cumulative[k],
                }
            )
    return pd.DataFrame(rows)


ASSEMBLY_MEASURES = {"vote held": "assembly_vote", "vote passed": "assembly_passed"}


def assembly_frame(result) -> pd.DataFrame:
    """Share of worlds in which the National Assembly held, and passed, a lethal-aid vote
    in each month (that month's votes, not approval carried over from earlier ones)."""
    s = result.series
    rows = []
    for measure, key in ASSEMBLY_MEASURES.items():
        share = np.asarray(s[key], dtype=float).mean(axis=1)
        rows += [
            {"month": m, "step": i + 1, "measure": measure, "share": float(v)}
            for i, (m, v) in enumerate(zip(result.months, share))
        ]
    return pd.DataFrame(rows)


def comparison_frame(summaries: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Label -> outcome_summary, stacked with a `label` column (Compare page)."""
    return pd.concat([df.assign(label=label) for label, df in summaries.items()], ignore_index=True)


def comparison_table(
    summaries: Mapping[str, pd.DataFrame], changes: Mapping[str, Mapping[str, Change]]
) -> pd.DataFrame:
    """The Compare page's summary: a row per outcome (card order, in words), a column per
    scenario, each cell the probability with its 95% interval and, for every scenario in
    `changes`, its change against the reference (marked when within noise)."""
    columns = {}
    for name, summary in summaries.items():
        by = summary.set_index("outcome")
        cells = []
        for o in CARD_ORDER:
            r = by.loc[o]
            cell = f"{r['probability']:.1%} ({r['ci_low']:.1%}–{r['ci_high']:.1%})"
            if name in changes:
                cell += f"; {changes[name][o].text()}"
            cells.append(cell)
        columns[name] = cells
    table = pd.DataFrame(columns, index=[label(o) for o in CARD_ORDER])
    table.index.name = "outcome"
    return table


# ---------------------------------------------------------------- charts

MAIN = "main"  # the dataset every template reads


def fill(template: str, **frames: pd.DataFrame) -> dict:
    """A cached template (JSON text) with its named datasets filled in."""
    spec = json.loads(template)
    spec["datasets"] = {
        name: json.loads(frame.to_json(orient="records", date_format="iso"))
        for name, frame in frames.items()
    }
    return spec


def dataset(spec: dict, name: str = MAIN) -> pd.DataFrame:
    """The data a chart shows (for tests and the page's tables)."""
    return pd.DataFrame(spec["datasets"][name])


def _frozen(chart: alt.TopLevelMixin) -> str:
    return json.dumps(style(chart).to_dict())


def _month_axis(title: str = "month") -> alt.X:
    return alt.X(
        "month:O", sort=None, title=title, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")
    )


def ladder_chart(bands: pd.DataFrame, name: str, height: int = HEIGHT) -> dict:
    """Median (solid), mean (dashed), 50% and 90% bands of one escalation ladder."""
    return fill(_ladder_template(name, height), main=bands)


@cache
def _ladder_template(name: str, height: int) -> str:
    title, levels, short = LADDERS[name]
    colour = LADDER_COLOURS[name]
    y_scale = alt.Scale(domain=[0, len(levels) - 1], nice=False)
    axis = alt.Axis(
        values=list(range(len(levels))),
        title=None,
        labelLimit=200,
        labelOverlap=False,
        labelExpr=f"datum.value + ' ' + {json.dumps(short)}[datum.value]",
    )
    base = alt.Chart().encode(x=_month_axis())
    tooltip = [
        "month:O",
        alt.Tooltip("median:Q", title="median"),
        alt.Tooltip("mean:Q", format=".2f"),
        alt.Tooltip("q05:Q", title="5%"),
        alt.Tooltip("q95:Q", title="95%"),
    ]
    layers = [
        base.mark_area(opacity=0.18, color=colour, interpolate="step-after").encode(
            y=alt.Y("q05:Q", scale=y_scale, axis=axis), y2="q95:Q"
        ),
        base.mark_area(opacity=0.35, color=colour, interpolate="step-after").encode(
            y=alt.Y("q25:Q", axis=axis), y2="q75:Q"
        ),
        base.mark_line(color=colour, strokeWidth=3, interpolate="step-after").encode(
            y=alt.Y("median:Q", axis=axis), tooltip=tooltip
        ),
        base.mark_line(
            color="black", strokeDash=[5, 4], strokeWidth=1.5, interpolate="monotone"
        ).encode(y=alt.Y("mean:Q", axis=axis)),
    ]
    return _frozen(
        alt.layer(*layers, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                title, subtitle="solid: median · dashed: mean · bands: 50% and 90% of replications"
            ),
        )
    )


def stockpile_chart(bands: pd.DataFrame, floor: float, height: int = HEIGHT) -> dict:
    """Seoul's shell stockpile (days of wartime use) with the legal minimum."""
    return fill(_stockpile_template(float(floor), height), main=bands)


@lru_cache(maxsize=64)
def _stockpile_template(floor: float, height: int) -> str:
    base = alt.Chart().encode(x=_month_axis())
    layers = [
        base.mark_area(opacity=0.18, color=GREEN).encode(
            y=alt.Y("q05:Q", title="days of wartime use", scale=alt.Scale(zero=False)), y2="q95:Q"
        ),
        base.mark_area(opacity=0.35, color=GREEN).encode(y="q25:Q", y2="q75:Q"),
        base.mark_line(color=GREEN, strokeWidth=3).encode(
            y="median:Q", tooltip=["month:O", alt.Tooltip("median:Q", format=".1f")]
        ),
        base.mark_rule(color=VERMILLION, strokeDash=[6, 3], strokeWidth=2).encode(
            y=alt.datum(floor)
        ),
    ]
    return _frozen(
        alt.layer(*layers, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                "Seoul's shell stockpile",
                subtitle=f"median with 50% and 90% bands · dashed: the {floor:g}-day legal minimum",
            ),
        )
    )


def timing_chart(frame: pd.DataFrame, height: int = HEIGHT) -> dict:
    """When things happen: the share of all replications in which each outcome first
    happens in each month (so the bars of one outcome sum to its probability)."""
    names = tuple(dict.fromkeys(frame["outcome"]))
    return fill(_timing_template(names, height), main=frame[frame["months_after_start"] > 0])


@lru_cache(maxsize=16)
def _timing_template(names: tuple[str, ...], height: int) -> str:
    order = [OUTCOMES[e].label for e in names]
    return _frozen(
        alt.Chart(alt.NamedData(MAIN))
        .mark_bar(opacity=0.9)
        .encode(
            x=alt.X("months_after_start:O", title="months after the start"),
            xOffset=alt.XOffset("title:N", sort=order),
            y=alt.Y("share:Q", title="share of replications", axis=alt.Axis(format="%")),
            color=alt.Color("title:N", title=None, sort=order),
            tooltip=["title:N", "month:O", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                "When things happen",
                subtitle="share of replications in which it first happens that month",
            ),
        )
    )


def cumulative_chart(frame: pd.DataFrame, height: int = HEIGHT) -> dict:
    """Cumulative probability of each outcome by month."""
    names = tuple(dict.fromkeys(frame["outcome"]))
    return fill(_cumulative_template(names, height), main=frame)


@lru_cache(maxsize=16)
def _cumulative_template(names: tuple[str, ...], height: int) -> str:
    order = [OUTCOMES[e].label for e in names]
    return _frozen(
        alt.Chart(alt.NamedData(MAIN))
        .mark_line(point=True, strokeWidth=2.5, interpolate="step-after")
        .encode(
            x=alt.X("months_after_start:Q", title="months after the start"),
            y=alt.Y("cumulative:Q", title="probability by then", axis=alt.Axis(format="%")),
            color=alt.Color("title:N", title=None, sort=order),
            strokeDash=alt.StrokeDash("title:N", title=None, sort=order),
            tooltip=["title:N", "month:O", alt.Tooltip("cumulative:Q", format=".1%")],
        )
        .properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                "Cumulative probability",
                subtitle="share of replications in which it has happened by that month",
            ),
        )
    )


def assembly_chart(frame: pd.DataFrame, height: int = HEIGHT) -> dict:
    """Votes held and votes passed in each month, as shares of worlds (bars side by side,
    the axis fitted to the data: votes are rare, and a 0-100% axis would hide them)."""
    return fill(_assembly_template(height), main=frame)


@lru_cache(maxsize=4)
def _assembly_template(height: int) -> str:
    order = list(ASSEMBLY_MEASURES)
    return _frozen(
        alt.Chart(alt.NamedData(MAIN))
        .mark_bar()
        .encode(
            x=_month_axis(),
            xOffset=alt.XOffset("measure:N", sort=order),
            y=alt.Y(
                "share:Q",
                title="share of worlds",
                axis=alt.Axis(format=".1%", tickMinStep=0.001),
            ),
            color=alt.Color(
                "measure:N",
                sort=order,
                scale=alt.Scale(domain=order, range=[SKY, BLUE]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=["month:O", "measure:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                "Assembly votes on lethal aid",
                subtitle="share of worlds with a vote that month: held, and passed",
            ),
        )
    )


def probability_chart(frame: pd.DataFrame, outcomes: Sequence[str] | None = None) -> dict:
    """Probabilities with 95% intervals, one colour per scenario (the `label` column)."""
    outcomes = tuple(outcomes or OUTCOMES)
    data = frame[frame["outcome"].isin(outcomes)]
    labels = tuple(dict.fromkeys(data["label"]))
    return fill(_probability_template(outcomes, labels), main=data)


@lru_cache(maxsize=64)
def _probability_template(outcomes: tuple[str, ...], labels: tuple[str, ...]) -> str:
    order = [OUTCOMES[o].label for o in outcomes]
    y = alt.Y("title:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    colour = alt.Color("label:N", title=None, sort=list(labels))
    base = alt.Chart().encode(y=y, yOffset=alt.YOffset("label:N", sort=list(labels)))
    bars = base.mark_bar(opacity=0.85).encode(
        color=colour,
        x=alt.X(
            "probability:Q",
            title="probability",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=[
            "label:N",
            "title:N",
            alt.Tooltip("probability:Q", format=".1%"),
            alt.Tooltip("ci_low:Q", format=".1%", title="95% low"),
            alt.Tooltip("ci_high:Q", format=".1%", title="95% high"),
        ],
    )
    errors = base.mark_errorbar(color="black", thickness=1.5).encode(
        x=alt.X("ci_low:Q", title="probability"), x2="ci_high:Q"
    )
    height = max(200, 26 * len(outcomes) * max(1, len(labels)))
    return _frozen(
        alt.layer(bars, errors, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                "Probability within the horizon",
                subtitle="bars: estimate · whiskers: 95% interval (Wilson)",
            ),
        )
    )


def compare_lines_chart(
    frames: Mapping[str, pd.DataFrame],
    value: str,
    title: str,
    y_title: str,
    fmt: str = ".2f",
    height: int = 260,
) -> dict:
    """One line per scenario of a per-month value (e.g. the mean Seoul rung)."""
    data = pd.concat([f.assign(label=k) for k, f in frames.items()], ignore_index=True)
    return fill(
        _compare_lines_template(tuple(frames), value, title, y_title, fmt, height), main=data
    )


@lru_cache(maxsize=64)
def _compare_lines_template(labels, value, title, y_title, fmt, height) -> str:
    return _frozen(
        alt.Chart(alt.NamedData(MAIN))
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("step:O", title="months after the start"),
            y=alt.Y(f"{value}:Q", title=y_title),
            color=alt.Color("label:N", title=None, sort=list(labels)),
            strokeDash=alt.StrokeDash("label:N", title=None, sort=list(labels)),
            tooltip=["label:N", "month:O", alt.Tooltip(f"{value}:Q", format=fmt)],
        )
        .properties(width=WIDTH, height=height, title=title)
    )


def compare_timing_chart(
    frames: Mapping[str, pd.DataFrame], outcome: str, height: int = 260
) -> dict:
    """Cumulative probability of one outcome by month, one line per scenario."""
    data = pd.concat(
        [f[f["outcome"] == outcome].assign(label=k) for k, f in frames.items()], ignore_index=True
    )
    return fill(_compare_timing_template(tuple(frames), outcome, height), main=data)


@lru_cache(maxsize=64)
def _compare_timing_template(labels, outcome, height) -> str:
    return _frozen(
        alt.Chart(alt.NamedData(MAIN))
        .mark_line(point=True, strokeWidth=2.5, interpolate="step-after")
        .encode(
            x=alt.X("months_after_start:Q", title="months after the start"),
            y=alt.Y("cumulative:Q", title="cumulative probability", axis=alt.Axis(format="%")),
            color=alt.Color("label:N", title=None, sort=list(labels)),
            strokeDash=alt.StrokeDash("label:N", title=None, sort=list(labels)),
            tooltip=["label:N", "month:O", alt.Tooltip("cumulative:Q", format=".1%")],
        )
        .properties(
            width=WIDTH, height=height, title=f"{OUTCOMES[outcome].label}: cumulative probability"
        )
    )


def sweep_line_chart(
    frame: pd.DataFrame, parameter: str, outcomes: Sequence[str], height: int = 340
) -> dict:
    """Probability of each chosen outcome against one swept parameter, with 95% bands.
    A legend names each line; the probability axis is fitted to the bands (a 0-4% sweep
    fills the chart instead of hugging the floor of a 0-100% axis)."""
    outcomes = tuple(outcomes)
    data = frame[frame["outcome"].isin(outcomes)]
    return fill(_sweep_line_template(parameter, outcomes, height), main=data)


def _percent_axis(title: str) -> alt.Axis:
    # a fitted axis can span less than a point: a decimal keeps its ticks apart
    return alt.Axis(format=".1%", title=title, tickMinStep=0.001)


@lru_cache(maxsize=64)
def _sweep_line_template(parameter: str, outcomes: tuple[str, ...], height: int) -> str:
    order = [OUTCOMES[o].label for o in outcomes]
    words = labels.with_unit(parameter)
    legend = alt.Legend(
        title=None, orient="bottom", symbolType="stroke", symbolStrokeWidth=3, symbolSize=500
    )
    x = alt.X(
        field=_escape(parameter), type="quantitative", title=words, scale=alt.Scale(zero=False)
    )
    y_scale = alt.Scale(zero=False, nice=True, clamp=True)
    base = alt.Chart().encode(x=x)
    band = base.mark_area(opacity=0.2).encode(
        color=alt.Color("title:N", sort=order, legend=None),
        y=alt.Y("ci_low:Q", axis=_percent_axis("probability"), scale=y_scale),
        y2="ci_high:Q",
    )
    line = base.mark_line(point=True, strokeWidth=2.5).encode(
        color=alt.Color("title:N", title=None, sort=order, legend=legend),
        y=alt.Y("probability:Q", axis=_percent_axis("probability"), scale=y_scale),
        strokeDash=alt.StrokeDash("title:N", sort=order, legend=None),
        tooltip=[
            alt.Tooltip(
                field=_escape(parameter), type="quantitative", title=labels.label(parameter)
            ),
            alt.Tooltip("title:N", title="outcome"),
            alt.Tooltip("probability:Q", format=".1%"),
            alt.Tooltip("ci_low:Q", format=".1%", title="95% low"),
            alt.Tooltip("ci_high:Q", format=".1%", title="95% high"),
        ],
    )
    return _frozen(
        # the line layer first: its legend (colour and dash) is the one drawn
        alt.layer(line, band, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                f"Probability as {labels.inline(labels.label(parameter))} varies",
                subtitle="lines: estimate · bands: 95% interval (Wilson) · axis fitted to the data",
            ),
        )
    )


def _escape(name: str) -> str:
    """Vega-Lite reads a dot in a field name as nesting; dotted SPECS names need escaping."""
    return name.replace(".", "\\.")


def sweep_heatmap(
    frame: pd.DataFrame, x_param: str, y_param: str, outcome: str, height: int = 380
) -> dict:
    """Probability of one outcome over a two-parameter grid, labelled cells. The colour
    scale runs from the grid's lowest to its highest probability (a 0-4% grid spans all of
    viridis, not its dark end), and says so; cell text is dark on the light half."""
    data = frame[frame["outcome"] == outcome]
    low, high = float(data["probability"].min()), float(data["probability"].max())
    middle = (low + high) / 2
    data = data.assign(light=data["probability"] > middle if high > low else False)
    fmt = ".1%" if high < 0.1 else ".0%"
    return fill(_heatmap_template(x_param, y_param, outcome, fmt, height), main=data)


@lru_cache(maxsize=64)
def _heatmap_template(x_param: str, y_param: str, outcome: str, fmt: str, height: int) -> str:
    x_words, y_words = labels.with_unit(x_param), labels.with_unit(y_param)
    level = "format(datum.value, '.4~g')"  # grid levels such as 0.4633333333 read 0.4633
    x = alt.X(
        field=_escape(x_param),
        type="ordinal",
        title=x_words,
        sort="ascending",
        axis=alt.Axis(labelExpr=level, labelAngle=0),
    )
    y = alt.Y(
        field=_escape(y_param),
        type="ordinal",
        title=y_words,
        sort="descending",
        axis=alt.Axis(labelExpr=level),
    )
    tooltip = [
        alt.Tooltip(field=_escape(x_param), type="quantitative", title=labels.label(x_param)),
        alt.Tooltip(field=_escape(y_param), type="quantitative", title=labels.label(y_param)),
        alt.Tooltip("probability:Q", format=".1%"),
        alt.Tooltip("ci_low:Q", format=".1%", title="95% low"),
        alt.Tooltip("ci_high:Q", format=".1%", title="95% high"),
    ]
    cells = (
        alt.Chart()
        .mark_rect()
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            color=alt.Color(
                "probability:Q",
                scale=alt.Scale(scheme="viridis", zero=False, nice=False),
                legend=alt.Legend(
                    format=fmt, orient="right", title=["probability", "(lowest to", "highest)"]
                ),
            ),
        )
    )
    text = (
        alt.Chart()
        .mark_text(fontSize=FONT - 2)
        .encode(
            x=x,
            y=y,
            text=alt.Text("probability:Q", format=fmt),
            color=alt.condition("datum.light", alt.value("black"), alt.value("white")),
        )
    )
    return _frozen(
        alt.layer(cells, text, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(
                f"{OUTCOMES[outcome].label}: probability",
                subtitle="colours span this grid's lowest to highest probability",
            ),
        )
    )


def sensitivity_chart(frame: pd.DataFrame, title: str = "Sensitivity") -> dict:
    """Indices with intervals. `frame`: parameter, index (S1, ST, mu_star...), value, conf."""
    data = frame.assign(
        low=frame["value"] - frame["conf"].fillna(0),
        high=frame["value"] + frame["conf"].fillna(0),
        words=frame["parameter"].map(labels.label),
    )
    first = data["index"].iloc[0]
    order = tuple(data[data["index"] == first].sort_values("value", ascending=False)["words"])
    indices = tuple(dict.fromkeys(data["index"]))
    return fill(_sensitivity_template(order, indices, title), main=data)


@lru_cache(maxsize=64)
def _sensitivity_template(order: tuple[str, ...], indices: tuple[str, ...], title: str) -> str:
    base = alt.Chart().encode(
        y=alt.Y("words:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=360)),
        yOffset=alt.YOffset("index:N", sort=list(indices)),
    )
    bars = base.mark_bar(opacity=0.85).encode(
        color=alt.Color("index:N", title=None, sort=list(indices)),
        x=alt.X("value:Q", title="index"),
        tooltip=[
            alt.Tooltip("words:N", title="parameter"),
            "index:N",
            alt.Tooltip("value:Q", format=".3f"),
            alt.Tooltip("conf:Q", format=".3f", title="± (95%)"),
        ],
    )
    errors = base.mark_errorbar(color="black", thickness=1.5).encode(
        x=alt.X("low:Q", title="index"), x2="high:Q"
    )
    height = max(180, 24 * len(order) * len(indices))
    return _frozen(
        alt.layer(bars, errors, data=alt.NamedData(MAIN)).properties(
            width=WIDTH,
            height=height,
            title=alt.TitleParams(title, subtitle="whiskers: 95% confidence interval"),
        )
    )


def boxes_chart(frame: pd.DataFrame, title: str = "Discovered region") -> dict:
    """A scenario-discovery box: for each restricted parameter, its range inside the box
    (thick bar) against the range the sweep explored (thin grey line), both scaled to 0-1.
    `frame`: parameter, low, high, design_low, design_high (as `redline analyze` writes)."""
    span = (frame["design_high"] - frame["design_low"]).replace(0, 1)
    data = frame.assign(
        low_share=(frame["low"] - frame["design_low"]) / span,
        high_share=(frame["high"] - frame["design_low"]) / span,
        zero=0.0,
        one=1.0,
        words=frame["parameter"].map(labels.label),
    )
    return fill(_boxes_template(title, len(data)), main=data)


@lru_cache(maxsize=64)
def _boxes_template(title: str, rows: int) -> str:
    y = alt.Y("words:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
    full = (
        alt.Chart()
        .mark_rule(color="#999999", strokeWidth=3)
        .encode(
            y=y,
            x=alt.X(
                "zero:Q",
                title="share of the range the sweep explored",
                scale=alt.Scale(domain=[0, 1]),
            ),
            x2="one:Q",
        )
    )
    box = (
        alt.Chart()
        .mark_bar(color=BLUE, height=16)
        .encode(
            y=y,
            x="low_share:Q",
            x2="high_share:Q",
            tooltip=[
                alt.Tooltip("words:N", title="parameter"),
                alt.Tooltip("low:Q", format=".4g", title="box from"),
                alt.Tooltip("high:Q", format=".4g", title="box to"),
                alt.Tooltip("design_low:Q", format=".4g", title="explored from"),
                alt.Tooltip("design_high:Q", format=".4g", title="explored to"),
            ],
        )
    )
    return _frozen(
        alt.layer(full, box, data=alt.NamedData(MAIN)).properties(
            width=WIDTH, height=max(200, 70 * rows), title=title
        )
    )
