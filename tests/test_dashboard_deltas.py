"""Changes in probability and whether they are within Monte Carlo noise (dashboard.deltas)."""

import numpy as np
import pytest

from dashboard import deltas
from model import load_scenario, simulate


def flags(n: int, true: range | list) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(true)] = True
    return out


def test_eight_against_ten_of_a_thousand_is_noise():
    """The issue's case: +0.2 points, 8 to 10 worlds of 1,000."""
    before = flags(1000, range(8))
    now = flags(1000, range(10))
    change = deltas.paired(now, before)
    assert change.points == pytest.approx(0.2)
    assert change.within_noise and change.text() == "+0.2 pp, within noise"
    assert deltas.two_sample(10, 1000, 8, 1000).within_noise


def test_a_large_change_is_not_noise():
    change = deltas.paired(flags(1000, range(60)), flags(1000, range(20)))
    assert not change.within_noise and change.text() == "+4.0 pp"
    assert deltas.two_sample(60, 1000, 20, 1000).text() == "+4.0 pp"
    assert deltas.paired(flags(1000, range(20)), flags(1000, range(60))).text() == "-4.0 pp"


def test_no_world_changed_is_no_change():
    same = flags(500, range(40))
    change = deltas.paired(same, same)
    assert change.none and not change.points and change.text() == "±0.0 pp"


def test_worlds_that_swap_are_a_zero_change_within_noise():
    """Ten worlds gain it and ten lose it: the share is unchanged, the worlds are not."""
    change = deltas.paired(flags(1000, range(10, 30)), flags(1000, range(20)))
    assert change.diff == 0 and not change.none
    assert change.text() == "±0.0 pp, within noise"


def test_pairing_uses_the_common_random_numbers():
    """Five worlds that all change the same way: with the same worlds in both runs that is
    a real change (paired); as two independent runs of 1,000 it would be noise."""
    before = flags(1000, range(100))
    now = flags(1000, range(110))
    assert not deltas.paired(now, before).within_noise
    assert deltas.two_sample(110, 1000, 100, 1000).within_noise


def test_the_standard_errors_are_the_textbook_ones():
    rng = np.random.default_rng(3)
    a, b = rng.random(400) < 0.3, rng.random(400) < 0.2
    d = a.astype(float) - b.astype(float)
    assert deltas.paired(a, b).se == pytest.approx(d.std(ddof=1) / np.sqrt(400))
    p1, p0 = a.mean(), b.mean()
    expected = np.sqrt(p1 * (1 - p1) / 400 + p0 * (1 - p0) / 400)
    assert deltas.two_sample(int(a.sum()), 400, int(b.sum()), 400).se == pytest.approx(expected)


def test_a_paired_change_needs_the_same_worlds():
    with pytest.raises(ValueError, match="same replications"):
        deltas.paired(np.zeros(10, bool), np.zeros(11, bool))


def test_changes_reads_outcome_tables_of_two_runs():
    base = simulate(load_scenario("november-2024"), reps=300, seed=4).outcomes
    more = simulate(
        load_scenario("november-2024", overrides={"seoul.assembly_opposition_seats": 120}),
        reps=300,
        seed=4,
    ).outcomes
    out = deltas.changes(more, base, ["weapons_supplied", "troops_sent"])
    assert out["weapons_supplied"].diff == pytest.approx(
        more["weapons_supplied"].mean() - base["weapons_supplied"].mean()
    )
    assert out["troops_sent"].none
    shorter = deltas.changes(more.iloc[:200], base, ["weapons_supplied"])  # not the same worlds
    k1, k0 = int(more["weapons_supplied"].iloc[:200].sum()), int(base["weapons_supplied"].sum())
    assert shorter["weapons_supplied"] == deltas.two_sample(k1, 200, k0, 300)
