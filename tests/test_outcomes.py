"""The outcomes table is the one definition every interface reports."""

import numpy as np
import pytest

from model import load_scenario, simulate
from model.agents import MOSCOW_POSTURES
from model.interop import outcome_names, run_model
from model.outcomes import MEASURES, OUTCOME_COLUMNS, OUTCOMES, proportion, wilson


@pytest.fixture(scope="module")
def red_line():
    return simulate(load_scenario("red-line"), reps=400, seed=11)


def test_outcome_files_carry_every_outcome_and_its_months(red_line):
    o = red_line.outcomes
    assert list(o.columns) == OUTCOME_COLUMNS
    for out in OUTCOMES.values():
        hit = o[out.name].to_numpy()
        months = o[out.months]
        assert months[hit].notna().all() and months[~hit].isna().all()
    assert set(MEASURES) <= set(o.columns)


def test_summary_and_interop_report_every_outcome(red_line):
    assert list(red_line.summary()["outcome"]) == list(OUTCOMES)
    names = outcome_names()
    assert all(name in names for name in OUTCOMES)


def test_retaliation_is_read_from_the_recorded_posture(red_line):
    hostile = MOSCOW_POSTURES.index("hostile measures")
    posture = red_line.series["moscow_posture"]  # months x reps, as recorded
    hit = (posture >= hostile).any(axis=0)
    o = red_line.outcomes
    assert hit.sum() > 0, "the red-line scenario should make Moscow hostile somewhere"
    assert (o["moscow_retaliated"].to_numpy() == hit).all()
    first = (posture >= hostile).argmax(axis=0) + 1
    assert (o.loc[hit, "months_to_retaliation"].to_numpy() == first[hit]).all()


def test_outcomes_nest_as_their_definitions_imply(red_line):
    o = red_line.outcomes
    assert (~o["relations_collapsed"] | o["moscow_retaliated"]).all()
    both = o["relations_collapsed"]
    assert (o.loc[both, "months_to_retaliation"] <= o.loc[both, "months_to_collapse"]).all()
    assert (~o["troops_sent"] | o["offensive_weapons"]).all()
    assert (~o["offensive_weapons"] | o["lethal_aid"]).all()


def test_wilson_is_the_score_interval():
    low, high = wilson(0, 100)
    assert low == 0.0 and 0.03 < high < 0.04  # 1.96^2 / (100 + 1.96^2) = 0.0370
    low, high = wilson(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    p, lo, hi = proportion(np.array([True, False, False, False]))
    assert p == 0.25 and lo < p < hi


def test_run_model_returns_retaliation():
    out = run_model(reps=50, seed=1, **{"seoul__public_opposition": 0.742})
    assert "moscow_retaliated" in out and 0.0 <= out["moscow_retaliated"] <= 1.0
