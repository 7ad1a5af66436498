"""Chart builders and the frames they draw, tested without Streamlit."""

import json
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from dashboard import charts
from model import load_scenario, simulate
from model.simulation import OUTCOMES, summarize


@pytest.fixture(scope="module")
def red_line():
    return simulate(load_scenario("red-line"), reps=300, seed=5)


def test_outcome_summary_is_the_models_summary_in_card_order(red_line):
    s = charts.outcome_summary(red_line).set_index("outcome")
    assert list(s.index) == charts.CARD_ORDER
    core = summarize(red_line.outcomes).set_index("outcome")
    for name in OUTCOMES:
        assert s.loc[name, "probability"] == core.loc[name, "probability"]
        assert s.loc[name, "count"] == core.loc[name, "count"]
    assert s.loc["moscow_retaliated", "title"] == "Moscow retaliates"
    assert (s["ci_low"] <= s["probability"]).all() and (s["probability"] <= s["ci_high"]).all()
    assert (s["reps"] == 300).all()


def test_band_frame_quantiles_are_ordered_and_exact():
    values = np.tile(np.arange(101, dtype=float), (3, 1))  # 3 months x 101 replications
    values[1] += 10
    bands = charts.band_frame(values, ["a", "b", "c"])
    assert list(bands["month"]) == ["a", "b", "c"]
    assert list(bands["median"]) == [50, 60, 50]
    assert list(bands["q05"]) == [5, 15, 5] and list(bands["q95"]) == [95, 105, 95]
    cols = ["q05", "q25", "median", "q75", "q95"]
    assert (np.diff(bands[cols].to_numpy(), axis=1) >= 0).all()


def test_timing_frame_adds_up_to_each_probability(red_line):
    frame = charts.timing_frame(red_line.outcomes, red_line.months, list(OUTCOMES))
    for name, group in frame.groupby("outcome"):
        p = red_line.outcomes[name].mean()
        assert group["share"].sum() == pytest.approx(p)
        assert group["cumulative"].iloc[-1] == pytest.approx(p)
        assert (np.diff(group["cumulative"]) >= 0).all()
    months = frame[frame["outcome"] == "lethal_aid"]["month"].tolist()
    assert months[0] == "start" and months[1:] == red_line.months


@pytest.fixture(scope="module")
def majority():
    """A scenario whose Assembly passes motions (the ruling bloc holds it)."""
    return simulate(load_scenario("assembly-majority"), reps=400, seed=2)


def test_assembly_frame_is_the_monthly_share_of_votes_held_and_passed(red_line, majority):
    for res in (red_line, majority):
        frame = charts.assembly_frame(res)
        held = frame[frame["measure"] == "vote held"]["share"].to_numpy()
        passed = frame[frame["measure"] == "vote passed"]["share"].to_numpy()
        assert held == pytest.approx(res.series["assembly_vote"].mean(axis=1))
        assert passed == pytest.approx(res.series["assembly_passed"].mean(axis=1))
        assert len(frame) == 2 * len(res.months)
        assert (passed <= held + 1e-12).all()  # that month's votes, not approval in force
    # approval in force accumulates, the month's passed votes do not
    passed = charts.assembly_frame(majority).query("measure == 'vote passed'")["share"]
    assert passed.sum() > 0
    assert passed.iloc[-1] < majority.series["assembly_approved"].mean(axis=1)[-1]


def test_assembly_chart_is_titled_sized_and_has_a_legend(majority):
    spec = charts.assembly_chart(charts.assembly_frame(majority))
    assert spec["title"]["text"] == "Assembly votes on lethal aid"
    assert spec["height"] >= charts.HEIGHT
    enc = spec["encoding"]
    assert enc["color"]["legend"] is not None and enc["color"]["sort"] == [
        "vote held",
        "vote passed",
    ]
    assert "domain" not in enc["y"].get("scale", {})  # fitted to the data, not 0-100%
    svg = vlc.vegalite_to_svg(spec)
    assert ">vote held<" in svg and ">vote passed<" in svg


def test_ladder_chart_carries_the_bands_and_the_ladder(red_line):
    bands = charts.ladder_frames(red_line)
    spec = charts.ladder_chart(bands["seoul_rung"], "seoul_rung")
    data = charts.dataset(spec)
    assert len(data) == len(red_line.months)
    assert data["median"].tolist() == bands["seoul_rung"]["median"].tolist()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [0, len(charts.LADDERS["seoul_rung"][1]) - 1]
    assert "indirect lethal" in y["axis"]["labelExpr"]
    assert spec["layer"][0]["mark"]["color"] == charts.LADDER_COLOURS["seoul_rung"]


def test_filled_specs_are_independent_copies(red_line):
    bands = charts.ladder_frames(red_line)["moscow_posture"]
    a = charts.ladder_chart(bands, "moscow_posture")
    a["datasets"]["main"].clear()
    a["title"] = "changed"
    b = charts.ladder_chart(bands, "moscow_posture")
    assert len(b["datasets"]["main"]) == len(bands) and b["title"] != "changed"


def test_every_chart_is_valid_vega_lite_and_renders(red_line):
    """The cached templates must give what Altair itself validates and Vega draws."""
    view = charts.outcome_summary(red_line)
    timing = charts.timing_frame(red_line.outcomes, red_line.months)
    frames = {"a": timing, "b": timing}
    specs = [
        charts.ladder_chart(
            charts.ladder_frames(red_line)["moscow_reward_rung"], "moscow_reward_rung"
        ),
        charts.stockpile_chart(
            charts.band_frame(red_line.series["stockpile_days"], red_line.months), 60.0
        ),
        charts.timing_chart(timing),
        charts.cumulative_chart(timing),
        charts.assembly_chart(charts.assembly_frame(red_line)),
        charts.probability_chart(charts.comparison_frame({"x": view, "y": view})),
        charts.compare_timing_chart(frames, "lethal_aid"),
        charts.compare_lines_chart(
            {"a": charts.ladder_frames(red_line)["seoul_rung"]}, "mean", "t", "rung"
        ),
    ]
    for spec in specs:
        alt.Chart.from_dict(spec)  # raises on an invalid specification
        svg = vlc.vegalite_to_svg(spec)
        assert svg.startswith("<svg") and "NaN" not in svg


def test_timing_chart_leaves_out_the_start_month(red_line):
    timing = charts.timing_frame(red_line.outcomes, red_line.months)
    data = charts.dataset(charts.timing_chart(timing))
    assert data["months_after_start"].min() == 1
    assert set(data["outcome"]) == set(charts.TIMING_OUTCOMES)


def test_probability_chart_keeps_scenario_order_and_intervals(red_line):
    s = charts.outcome_summary(red_line)
    spec = charts.probability_chart(
        charts.comparison_frame({"second": s, "first": s}), outcomes=["lethal_aid", "ceasefire"]
    )
    data = charts.dataset(spec)
    assert set(data["outcome"]) == {"lethal_aid", "ceasefire"}
    assert spec["layer"][0]["encoding"]["color"]["sort"] == ["second", "first"]
    assert spec["layer"][1]["mark"]["type"] == "errorbar"


def _sweep_frame(x="seoul.public_opposition", y=None):
    rows = []
    for a in [0.2, 0.5, 0.8]:
        for b in [None] if y is None else [1.0, 2.0]:
            for outcome in ("lethal_aid", "relations_collapsed"):
                p = a / 2 + (b or 0) / 10
                row = {
                    x: a,
                    "outcome": outcome,
                    "title": charts.label(outcome),
                    "probability": p,
                    "ci_low": p - 0.05,
                    "ci_high": p + 0.05,
                }
                if y:
                    row[y] = b
                rows.append(row)
    return pd.DataFrame(rows)


def test_sweep_line_reads_dotted_parameter_names():
    """Vega-Lite reads 'a.b' as a nested field; the builder must escape the dot."""
    spec = charts.sweep_line_chart(_sweep_frame(), "seoul.public_opposition", ["lethal_aid"])
    assert set(charts.dataset(spec)["outcome"]) == {"lethal_aid"}
    svg = vlc.vegalite_to_svg(spec)
    assert "NaN" not in svg and ">0.50<" in svg  # an x tick of the swept range


def _y_ticks(svg: str) -> list[float]:
    """The probability axis's tick labels (as shares) in a rendered chart."""
    return [float(t) / 100 for t in re.findall(r">(\d+(?:\.\d+)?)%<", svg)]


def test_sweep_line_has_a_legend_and_a_probability_axis_fitted_to_the_data():
    frame = _sweep_frame()
    frame[["probability", "ci_low", "ci_high"]] = frame[["probability", "ci_low", "ci_high"]] / 20
    spec = charts.sweep_line_chart(
        frame, "seoul.public_opposition", ["lethal_aid", "relations_collapsed"]
    )
    svg = vlc.vegalite_to_svg(spec)
    for outcome in ("lethal_aid", "relations_collapsed"):
        assert f">{charts.label(outcome)}<" in svg  # the legend names each line
    top = max(_y_ticks(svg))
    assert frame["ci_high"].max() <= top < 0.1  # fitted: not a 0-100% axis
    # the axis and the title are in words, not the dotted name
    assert spec["title"]["text"] == "Probability as public opposition to lethal aid varies"
    assert "Public opposition to lethal aid (share of public)" in svg


def test_sweep_heatmap_has_one_cell_per_point_and_a_colour_scale_fitted_to_the_grid():
    frame = _sweep_frame(y="nato.pressure")
    frame["probability"] = frame["probability"] / 25  # a 0.4%-4% grid
    spec = charts.sweep_heatmap(frame, "seoul.public_opposition", "nato.pressure", "lethal_aid")
    data = charts.dataset(spec)
    assert len(data) == 6
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["scheme"] == "viridis" and "domain" not in colour["scale"]
    assert colour["legend"]["format"] == ".1%"  # a grid under 10% is told to a decimal
    # dark text on the light half of the grid's own range, light text on the dark half
    middle = (data["probability"].min() + data["probability"].max()) / 2
    assert data["light"].tolist() == (data["probability"] > middle).tolist()
    svg = vlc.vegalite_to_svg(spec)
    assert svg.count("<path") >= 6 and "NaN" not in svg
    cells = re.findall(
        r'aria-roledescription="rect mark"[^>]*fill="rgb\((\d+), (\d+), (\d+)\)"', svg
    )
    greens = [int(g) for _, g, _ in cells]
    assert len(greens) == 6
    # viridis end to end: the lowest cell dark purple, the highest yellow (on a 0-100%
    # scale a 4% grid is all dark purple)
    assert min(greens) < 20 and max(greens) > 200
    assert "NATO's push on Seoul (intensity, 0-1)" in svg


def test_sensitivity_chart_sorts_by_the_first_index():
    frame = pd.DataFrame(
        {
            "parameter": ["a", "b", "c", "a", "b", "c"],
            "index": ["S1"] * 3 + ["ST"] * 3,
            "value": [0.1, 0.5, 0.3, 0.2, 0.6, 0.4],
            "conf": 0.05,
        }
    )
    spec = charts.sensitivity_chart(frame, "t")
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["B", "C", "A"]  # in words
    data = charts.dataset(spec)
    assert data["low"].tolist() == pytest.approx((frame["value"] - 0.05).tolist())


def test_boxes_chart_scales_each_range_to_the_explored_range():
    limits = pd.DataFrame(
        {
            "box": [1, 1],
            "parameter": ["a", "b"],
            "low": [2.0, 0.0],
            "high": [4.0, 5.0],
            "design_low": [0.0, 0.0],
            "design_high": [8.0, 10.0],
        }
    )
    data = charts.dataset(charts.boxes_chart(limits))
    assert data["low_share"].tolist() == [0.25, 0.0]
    assert data["high_share"].tolist() == [0.5, 0.5]


def test_palette_is_okabe_ito_and_type_is_large(red_line):
    spec = charts.assembly_chart(charts.assembly_frame(red_line))
    assert spec["config"]["range"]["category"] == charts.OKABE_ITO
    assert spec["config"]["axis"]["labelFontSize"] >= 14
    assert json.dumps(spec).count("#") >= len(charts.OKABE_ITO)


def test_the_compare_table_has_a_row_per_outcome_and_marks_noise(red_line):
    from dashboard import deltas

    s = charts.outcome_summary(red_line)
    changes = {"b": deltas.changes(red_line.outcomes, red_line.outcomes, charts.CARD_ORDER)}
    table = charts.comparison_table({"a": s, "b": s}, changes)
    assert list(table.index) == [charts.label(o) for o in charts.CARD_ORDER]
    assert list(table.columns) == ["a", "b"]
    row = s.set_index("outcome").loc["lethal_aid"]
    assert table.loc[charts.label("lethal_aid"), "a"] == (
        f"{row.probability:.1%} ({row.ci_low:.1%}–{row.ci_high:.1%})"
    )
    assert all(cell.endswith("; ±0.0 pp") for cell in table["b"])
