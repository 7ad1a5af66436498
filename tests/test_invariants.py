"""Hypothesis: the model's invariants hold month by month for any valid draw of the key
parameters, any shipped scenario and any seed.

Each property runs a small ensemble (a handful of examples, 40 replications each) and
checks every replication in every month, reading either the recorded series or the
actors' state between months (what the Assembly has approved, Moscow's highest reward).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import simulate
from model.agents import LETHAL, OFFENSIVE, TROOPS, WEAPONS
from model.model import RedlineModel
from model.outcomes import OUTCOMES
from model.scenario import check, load_scenario

REPS = 40
SCENARIOS = [
    "november-2024",
    "july-2024",
    "red-line",
    "atrocity",
    "ceasefire-2025",
    "stockpile-crunch",
    "assembly-majority",
]
PROPERTY = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def worlds(draw):
    """A shipped scenario with a random horizon and random values of the parameters that
    shape the rules most: Seoul's eagerness and switches, the Assembly, the stockpile,
    the start of each ladder, Moscow's hawks and the war's end."""
    name = draw(st.sampled_from(SCENARIOS))
    horizon = draw(st.integers(1, 24))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    ov = {
        "seoul.initial_rung": draw(st.integers(0, 4)),
        "seoul.threat_weight": draw(st.floats(0.0, 20.0, allow_nan=False)),
        "seoul.domestic_cost_weight": draw(st.floats(0.0, 4.0, allow_nan=False)),
        "seoul.change_cost": draw(st.floats(0.0, 5.0, allow_nan=False)),
        "seoul.approval": draw(st.floats(0.05, 0.9, allow_nan=False)),
        "seoul.assembly_opposition_seats": draw(st.integers(0, 300)),
        "seoul.party_discipline": draw(st.floats(0.5, 1.0, allow_nan=False)),
        "seoul.step_by_step": draw(st.booleans()),
        "seoul.max_rungs_per_step": draw(st.integers(1, 3)),
        "seoul.defensive_needs_approval": draw(st.booleans()),
        "seoul.assembly_approval_required": draw(st.booleans()),
        "seoul.troops_need_approval": draw(st.booleans()),
        "seoul.troops_excluded": draw(st.booleans()),
        "seoul.stockpile_days": draw(st.floats(50.0, 90.0, allow_nan=False)),
        "seoul.min_stockpile_days": draw(st.floats(55.0, 65.0, allow_nan=False)),
        "seoul.production_days_per_month": draw(st.floats(0.0, 3.0, allow_nan=False)),
        "pyongyang.troops_deployed": draw(st.integers(0, 2)),
        "moscow.initial_reward_rung": draw(st.integers(0, 4)),
        "moscow.initial_posture": draw(st.integers(0, 2)),
        "moscow.hawks_prevail": draw(unit),
        "moscow.tech_transfer_propensity": draw(unit),
        "moscow.indirect_counts_as_direct": draw(st.booleans()),
        "war.ceasefire_hazard": draw(st.floats(0.0, 0.3, allow_nan=False)),
    }
    if ov["seoul.stockpile_days"] < ov["seoul.min_stockpile_days"]:
        ov["seoul.initial_rung"] = min(ov["seoul.initial_rung"], 2)  # no shells from below
    base = load_scenario(name, overrides=ov).to_yaml_dict()
    months = load_scenario(name).months()[:horizon]
    base["horizon_months"] = horizon
    base["injects"] = [e for e in base["injects"] if e["month"] in months]
    return check(base, "hypothesis draw")


seeds = st.integers(0, 2**32 - 1)


def play(sc, seed):
    """Step the ensemble month by month; the state at the start and after each month."""
    m = RedlineModel(sc, REPS, seed=seed)
    keep = {
        "rung": lambda: m.seoul.rung,
        "max_rung": lambda: m.seoul.max_rung,
        "approved": lambda: m.seoul.approved_rung,
        "passed": lambda: m.seoul.passed,
        "reward": lambda: m.moscow.reward,
        "max_reward": lambda: m.moscow.max_reward,
        "posture": lambda: m.moscow.posture,
        "crossed": lambda: m.moscow.seoul_crossed(),
    }
    rows = [{k: np.array(f()) for k, f in keep.items()}]
    needs = m.seoul.needs_vote()
    for _ in range(m.months):
        m.step()
        rows.append({k: np.array(f()) for k, f in keep.items()})
    m.release()
    return needs, {k: np.stack([r[k] for r in rows]) for k in keep}


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_rungs_stay_on_their_ladders(sc, seed):
    s = simulate(sc, reps=REPS, seed=seed).series
    for name, top in [
        ("seoul_rung", 5),
        ("moscow_reward_rung", 4),
        ("moscow_posture", 3),
        ("pyongyang_troops", 2),
        ("nato_rung", 3),
    ]:
        assert s[name].min() >= 0 and s[name].max() <= top, name


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_seoul_moves_step_by_step_and_sends_no_troops_while_excluded(sc, seed):
    p = sc.parameters.seoul
    s = simulate(sc, reps=REPS, seed=seed).series
    rung = np.vstack([np.full(REPS, p.initial_rung), s["seoul_rung"].astype(int)])
    if p.troops_excluded:
        assert (rung < TROOPS).all()
    if p.step_by_step:
        before, now = rung[:-1], rung[1:]
        indirect = (before == 1) & (now == LETHAL)
        assert (np.abs(now - before)[~indirect] <= p.max_rungs_per_step).all()


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_no_vote_needing_rung_above_what_the_assembly_approved(sc, seed):
    needs, h = play(sc, seed)
    rung, approved = h["rung"], h["approved"]
    needed = needs[np.arange(REPS)[None, :], rung]  # months x reps: does this rung need a vote?
    assert ((rung <= approved) | ~needed).all()
    rose = approved[1:] > approved[:-1]
    assert (h["passed"][1:][rose]).all(), "the approved rung rises only with a passed vote"
    if not needs.any():
        assert not h["passed"].any()


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_moscows_highest_reward_never_falls_and_technology_stays(sc, seed):
    _, h = play(sc, seed)
    top, reward = h["max_reward"], h["reward"]
    assert (np.diff(top, axis=0) >= 0).all()
    assert (top >= reward).all()
    tech = np.where(top[:-1] >= 2, top[:-1], 0)  # the technology given before each month
    assert (reward[1:] >= tech).all()


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_collapse_stays_and_needs_seouls_crossing(sc, seed):
    _, h = play(sc, seed)
    posture = h["posture"]
    collapsed = posture == 3
    assert (collapsed[:-1] <= collapsed[1:]).all(), "once collapsed, always collapsed"
    new = collapsed[1:] & ~collapsed[:-1]
    assert h["crossed"][:-1][new].all(), "only over Moscow's red line as read that month"


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_outcomes_nest(sc, seed):
    o = simulate(sc, reps=REPS, seed=seed).outcomes
    chain = [
        ("troops_sent", "months_to_troops"),
        ("offensive_weapons", "months_to_offensive_weapons"),
        ("lethal_aid", "months_to_lethal_aid"),
        ("weapons_supplied", "months_to_weapons"),
    ]
    for (hi, hi_m), (lo, lo_m) in zip(chain, chain[1:]):
        assert (~o[hi] | o[lo]).all(), f"{hi} without {lo}"
        both = o[hi]
        assert (o.loc[both, lo_m] <= o.loc[both, hi_m]).all()
    assert (~o.relations_collapsed | o.moscow_retaliated).all()
    both = o.relations_collapsed
    assert (o.loc[both, "months_to_retaliation"] <= o.loc[both, "months_to_collapse"]).all()
    assert (o.lethal_aid == (o.seoul_max_rung >= LETHAL)).all()
    assert (o.offensive_weapons == (o.seoul_max_rung >= OFFENSIVE)).all()
    assert (o.weapons_supplied == (o.seoul_max_rung >= WEAPONS)).all()
    assert (o.red_line_crossed == (o.moscow_max_reward_rung >= 3)).all()
    assert (o.assembly_votes >= o.assembly_approvals).all()


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_months_to_columns_are_months_of_the_run_or_missing(sc, seed):
    """1..horizon, or 0 only where the outcome already held at the start, or missing
    exactly when the outcome never happened."""
    at_start = RedlineModel(sc, REPS, seed=seed)
    held = {name: at_start.first[name] == 0 for name in OUTCOMES}
    at_start.release()
    o = simulate(sc, reps=REPS, seed=seed).outcomes
    H = sc.horizon_months
    for out in OUTCOMES.values():
        months = o[out.months]
        assert pd.api.types.is_integer_dtype(months)
        assert (months.isna() == ~o[out.name]).all(), out.name
        given_months = months.to_numpy(dtype=float, na_value=np.nan)
        start = held[out.name]
        assert (given_months[start] == 0).all(), out.name
        rest = given_months[~start]
        rest = rest[~np.isnan(rest)]
        assert ((rest >= 1) & (rest <= H)).all(), out.name


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_stockpile_never_below_the_floor_from_a_start_above_it(sc, seed):
    p = sc.parameters.seoul
    res = simulate(sc, reps=REPS, seed=seed)
    if p.stockpile_days >= p.min_stockpile_days:
        assert res.series["stockpile_days"].min() >= p.min_stockpile_days - 1e-9
        assert (res.outcomes.min_stockpile_days >= p.min_stockpile_days - 1e-9).all()


@PROPERTY
@given(sc=worlds(), seed=seeds)
def test_shells_move_only_from_the_shell_rungs_and_only_in_war(sc, seed):
    s = simulate(sc, reps=REPS, seed=seed).series
    sent = s["shells_transferred"]
    assert (sent >= 0).all()
    assert (sent[s["seoul_rung"] < LETHAL] == 0).all()
    assert (sent[s["ceasefire"]] == 0).all()


@settings(max_examples=4, deadline=None)
@given(sc=worlds(), seed=seeds)
def test_same_inputs_and_seed_give_the_same_worlds(sc, seed):
    a = simulate(sc, reps=REPS, seed=seed)
    b = simulate(sc, reps=REPS, seed=seed)
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)


@pytest.mark.parametrize("scenario", ["november-2024", "red-line", "july-2024"])
def test_every_parameter_as_a_per_replication_array_gives_the_scalar_run(scenario):
    """Sweeps pass a parameter as one value per replication ((R,) for state arithmetic,
    (R, 1) for per-option terms). Passing every parameter that way, each at its scalar
    value, must change nothing: a formula that mixes the two shapes builds an R x R table
    (one replication's numbers read into another's, or an allocation of terabytes in a
    large block) and shows here as a difference or a crash."""
    from model.parameters import SPECS, get
    from model.simulation import simulate_outcomes

    sc = load_scenario(scenario)
    reps = 97  # odd, and unlike any ladder's length, so no accidental broadcast fits
    varying = {
        name: np.full(reps, get(sc.parameters, name))
        for name, spec in SPECS.items()
        if name != "horizon_months"
    }
    scalar = simulate_outcomes(sc, reps, 11)
    arrays = simulate_outcomes(sc, reps, 11, varying=varying)
    pd.testing.assert_frame_equal(scalar, arrays)


def test_replications_are_independent_when_every_parameter_varies():
    """Each replication reads only its own parameters: with every numeric parameter given a
    different value in each replication, replication i's month-by-month record (every
    decision's odds over every option and the terms behind them, every vote) matches a run
    in which all replications take replication i's values (the draws are the same, by
    position). A formula that reads another replication's state or parameters (a mean
    over the ensemble, a broadcast across it) changes the odds here even where it changes
    no choice."""
    from model.parameters import SPECS, get

    sc = load_scenario("november-2024")
    reps, rng = 41, np.random.default_rng(5)
    varying = {}
    for name, spec in SPECS.items():
        if name == "horizon_months" or spec.kind is bool:
            continue
        base = float(get(sc.parameters, name))
        values = rng.uniform(max(spec.lo, 0.5 * base), min(spec.hi, 1.5 * base), reps)
        varying[name] = np.rint(values).astype(int) if spec.kind is int else values

    def record(values, i):
        model = RedlineModel(sc, reps, 4, trace=[i], varying=values)
        model.run()
        model.release()
        return model.log

    for i in (0, 17, 40):
        mixed = record(varying, i)
        assert len({str(m["decisions"]) for m in mixed}) > 1
        assert mixed == record({n: np.full(reps, v[i]) for n, v in varying.items()}, i)
