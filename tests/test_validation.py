"""`redline validate`: every claim says how it is known, and a tested claim can fail."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_rel

from model import validation
from model.scenario import load_scenario
from model.validation import (
    BY_CONSTRUCTION,
    KINDS,
    LETHAL_AID,
    MIN_REPS,
    STATICS,
    TESTED,
    Run,
    Runs,
    Static,
    construction_checks,
    judge,
    paired,
    vary,
)


def static(words: str) -> Static:
    return next(s for s in STATICS if words in s.claim)


@pytest.fixture(scope="module")
def runs():
    """One set of runs for the whole module, at the replications `redline validate` uses."""
    return Runs(MIN_REPS, 2024)


def test_every_check_has_a_kind_and_rules_are_labelled_by_construction(monkeypatch):
    # Kinds do not depend on the replications: a small ensemble lists every check quickly.
    monkeypatch.setattr(validation, "MIN_REPS", 200)
    results = validation.checks(reps=200)
    assert len(results) == 3 + 3 + len(STATICS)
    assert all(c.kind in KINDS for c in results)
    kind = {c.claim: c.kind for c in results}
    for words in ("no troops while they are excluded", "direct offensive weapons only after"):
        assert [kind[c] for c in kind if words in c] == [BY_CONSTRUCTION]
    assert [kind[c] for c in kind if "Assembly must approve" in c] == [BY_CONSTRUCTION]
    for s in STATICS:  # every comparative static could come out either way
        assert kind[s.claim] == TESTED
    compare = [c for c in results if c.passed is None]
    assert [c.source for c in compare] == ["asmolov-19"] and "above 50%" in compare[0].target


def test_paired_difference_is_the_paired_t_statistic():
    rng = np.random.default_rng(1)
    base = rng.random(500) < 0.3
    changed = base | (rng.random(500) < 0.1)
    r = paired(base, changed)
    assert r.diff == pytest.approx(changed.mean() - base.mean())
    assert r.diff / r.se == pytest.approx(ttest_rel(changed * 1.0, base * 1.0).statistic)
    assert r.moves(+1) and not r.moves(-1) and r.verdict(-1) == "beyond noise, the wrong way"


def test_identical_runs_are_within_noise():
    x = np.random.default_rng(2).random(MIN_REPS) < 0.1
    r = paired(x, x)
    assert r.diff == 0 and not r.beyond_noise and r.verdict(+1) == "within noise"


def test_a_parameter_that_does_nothing_is_judged_within_noise(runs):
    # Shells per day only converts stockpile days into shells for reporting.
    null = Static(
        "shells per day raise lethal aid",
        "none",
        vary(("red-line",), "seoul.wartime_shells_per_day", 10_000, 50_000, str),
        (LETHAL_AID,),
        +1,
    )
    check = judge(null, runs)
    assert check.passed is False and "within noise" in check.measured
    assert "beyond noise" not in check.measured


def test_approval_claim_passes_and_fails_with_its_values_swapped(runs):
    claim = static("higher government approval")
    assert judge(claim, runs).passed is True
    done = len(runs)
    swapped = dataclasses.replace(claim, pairs=tuple((b, a) for a, b in claim.pairs))
    check = judge(swapped, runs)
    assert check.passed is False and check.kind == TESTED
    assert "beyond noise, the wrong way" in check.measured
    assert len(runs) == done  # the same runs, reused: a swap costs no new simulation


def test_claim_in_several_scenarios_fails_if_one_goes_the_wrong_way(runs):
    claim = static("higher government approval")
    (base, changed), *_ = claim.pairs
    mixed = dataclasses.replace(claim, pairs=(*claim.pairs, (changed, base)))
    assert judge(mixed, runs).passed is False


def test_each_judged_measure_must_move(runs):
    claim = static("higher government approval")
    nothing = dataclasses.replace(
        LETHAL_AID, label="a constant", values=lambda r: np.full(len(r.outcomes), 1.0)
    )
    assert judge(dataclasses.replace(claim, measures=(LETHAL_AID, nothing)), runs).passed is False


class FakeRuns:
    """Every shipped scenario answers with the same made-up run."""

    def __init__(self, run):
        self.run = run

    def __call__(self, world):
        return self.run


def fake_run(rung, passed, approved, troops_sent=False):
    rung = np.array(rung, dtype=np.int8)[:, None]
    return Run(
        load_scenario("november-2024"),
        pd.DataFrame({"troops_sent": [troops_sent]}),
        {
            "seoul_rung": rung,
            "assembly_passed": np.array(passed, dtype=bool)[:, None],
            "assembly_approved": np.array(approved, dtype=bool)[:, None],
        },
    )


def test_by_construction_checks_count_what_would_break_the_rules():
    fine = fake_run([1, 2, 3, 4], passed=[1, 1, 0, 0], approved=[0, 0, 1, 1])
    assert [c.passed for c in construction_checks(FakeRuns(fine))] == [True, True, True]
    bad = construction_checks(
        FakeRuns(fake_run([1, 4, 3, 3], [0, 0, 0, 0], [0, 0, 0, 0], troops_sent=True))
    )
    assert [c.passed for c in bad] == [False, False, False]
    assert all(c.kind == BY_CONSTRUCTION for c in bad)
    assert "0 violations" == bad[1].target and "violations in" in bad[1].measured
