"""The Sweep page's adapter (dashboard/sweep.py): a grid design run by model.experiments."""

import numpy as np
import pandas as pd
import pytest
import yaml

from dashboard import charts, sweep
from dashboard.state import DASHBOARD_MAX_SWEEP_REPS
from model import InputError, load_scenario
from model.experiments import parse_design, run_sweep
from model.outcomes import wilson

SEATS = "seoul.assembly_opposition_seats"


def test_levels_of_each_kind_of_parameter():
    assert sweep.Factor(SEATS, 100, 200, 5).values() == [100, 125, 150, 175, 200]
    assert sweep.Factor(SEATS, 100, 102, 5).values() == [100, 101, 102]  # integers once each
    assert sweep.Factor("seoul.step_by_step", 0, 1).values() == [False, True]
    assert sweep.Factor("nato.pressure", 0.0, 1.0, 3).values() == [0.0, 0.5, 1.0]
    assert sweep.Factor("nato.pressure", 0.4, 0.4, 5).values() == [0.4]


def test_the_design_is_the_grid_of_the_factors_levels():
    d = sweep.design(
        load_scenario("red-line"),
        [sweep.Factor(SEATS, 100, 200, 5), sweep.Factor("nato.pressure", 0.0, 1.0, 3)],
        reps=50,
        seed=4,
    )
    points, _ = d.points()
    assert d.spec.sampler == "grid" and d.n_points == len(points) == 15
    assert list(points.columns) == ["point", SEATS, "nato.pressure"]
    assert sorted(set(points[SEATS])) == [100, 125, 150, 175, 200]
    assert d.total_replications == 15 * 50 and d.spec.seed == 4
    assert d.outcomes == list(charts.CARD_ORDER)
    # blocks hold whole points, and there are few enough for a progress bar that moves
    blocks = d.blocks()
    assert all(b.rep_start == 0 and b.rep_stop == 50 for b in blocks)
    assert 1 < len(blocks) <= sweep.PROGRESS_BLOCKS


@pytest.mark.parametrize(
    "factors, reps, field, words",
    [
        ([], 10, "sweep", "one or two different parameters"),
        ([sweep.Factor("nato.pressure", 0, 1, 3)] * 2, 10, "sweep", "one or two different"),
        ([sweep.Factor("nato.pressure", 0, 2, 3)], 10, "nato.pressure", "0.0 to 1.0"),
        ([sweep.Factor("horizon_months", 6, 24, 3)], 10, "horizon_months", "Scenario page"),
        ([sweep.Factor("nato.pressur", 0, 1, 3)], 10, "nato.pressur", "did you mean"),
        (
            [sweep.Factor("nato.pressure", 0, 1, 41)],
            DASHBOARD_MAX_SWEEP_REPS // 40,
            "sweep",
            f"{DASHBOARD_MAX_SWEEP_REPS:,} replications",
        ),
        (
            [sweep.Factor(SEATS, 0, 300, 41), sweep.Factor("nato.pressure", 0, 1, 41)],
            1,
            "sweep",
            f"at most {sweep.MAX_GRID_POINTS} points",
        ),
    ],
)
def test_a_sweep_beyond_the_page_s_limits_is_refused_by_name(factors, reps, field, words):
    with pytest.raises(InputError) as info:
        sweep.design(load_scenario(), factors, reps, 1)
    assert info.value.field == field and words in info.value.render()


def test_horizon_is_not_offered():
    assert "horizon_months" not in sweep.sweepable()
    assert "seoul.public_opposition" in sweep.sweepable()


def _small():
    return load_scenario("red-line"), [sweep.Factor(SEATS, 100, 190, 2)]


def test_summary_rows_are_the_sweeps_package_s_with_wilson_intervals():
    base, factors = _small()
    ticks = []
    frame = sweep.run(base, factors, reps=120, seed=8, progress=lambda i, n: ticks.append((i, n)))
    assert ticks[-1] == (240, 240) and [i for i, _ in ticks] == sorted({i for i, _ in ticks})
    assert len(frame) == 2 * len(charts.CARD_ORDER)
    assert frame["outcome"].tolist() == list(charts.CARD_ORDER) * 2
    assert frame["title"].tolist() == [charts.label(o) for o in frame["outcome"]]
    assert (frame["replications"] == 120).all()
    for row in frame.itertuples():
        assert row.probability == row.count / 120
        assert (row.ci_low, row.ci_high) == wilson(int(row.count), 120)


def test_same_seed_same_numbers_and_another_seed_others():
    base, factors = _small()
    frame = sweep.run(base, factors, reps=120, seed=8)
    pd.testing.assert_frame_equal(frame, sweep.run(base, factors, reps=120, seed=8))
    other = sweep.run(base, factors, reps=120, seed=9)
    assert not np.array_equal(frame["count"].to_numpy(), other["count"].to_numpy())


def test_the_page_gives_the_numbers_redline_sweep_gives_for_the_same_design(tmp_path):
    """The adapter runs the package's blocks and summary, not a loop of its own: the same
    design written as a file and run by `run_sweep` gives the identical summary."""
    base, factors = _small()
    mine = sweep.design(base, factors, 120, 8)
    text = yaml.safe_dump(mine.spec.model_dump(mode="json", exclude_defaults=True))
    assert "red-line" in text
    report = run_sweep(parse_design(text, "design.yaml"), tmp_path / "sw", workers=1)
    cli = pd.read_parquet(report.out / "summary.parquet")
    cli["outcome"] = cli["outcome"].astype(str)
    frame = sweep.run(base, factors, reps=120, seed=8)
    pd.testing.assert_frame_equal(frame.drop(columns="title"), cli, check_exact=True)


def test_the_page_s_charts_read_the_frame():
    base = load_scenario("red-line")
    one = sweep.run(base, [sweep.Factor("nato.pressure", 0.2, 0.8, 3)], reps=40, seed=2)
    spec = charts.sweep_line_chart(one, "nato.pressure", ["lethal_aid", "ceasefire"])
    data = charts.dataset(spec)
    assert set(data["outcome"]) == {"lethal_aid", "ceasefire"} and len(data) == 6
    assert data["ci_low"].le(data["probability"]).all()
    two = sweep.run(
        base,
        [sweep.Factor("nato.pressure", 0.2, 0.8, 3), sweep.Factor("seoul.step_by_step", 0, 1)],
        reps=40,
        seed=2,
    )
    heat = charts.sweep_heatmap(two, "nato.pressure", "seoul.step_by_step", "lethal_aid")
    assert len(charts.dataset(heat)) == 6
