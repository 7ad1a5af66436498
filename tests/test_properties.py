"""Hypothesis: over random valid parameters and seeds the constraints always hold."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model import SPECS, InputError, load_scenario, simulate
from model.agents import LETHAL, OFFENSIVE, TROOPS

NAMES = [n for n in SPECS if n != "horizon_months"]


@st.composite
def overrides(draw):
    chosen = draw(st.lists(st.sampled_from(NAMES), max_size=12, unique=True))
    out = {}
    for name in chosen:
        spec = SPECS[name]
        if spec.kind is bool:
            out[name] = draw(st.booleans())
        elif spec.kind is int:
            out[name] = draw(st.integers(spec.lo, spec.hi))
        else:
            out[name] = draw(st.floats(spec.lo, spec.hi, allow_nan=False))
    out["horizon_months"] = draw(st.integers(1, 18))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ov=overrides(),
    seed=st.integers(0, 2**32),
    name=st.sampled_from(["november-2024", "july-2024", "atrocity", "ceasefire-2025"]),
)
def test_constraints_and_outcomes_hold(ov, seed, name):
    base = load_scenario(name)
    # keep the scenario's injects inside a shorter horizon
    base = base.model_copy(
        update={
            "injects": [e for e in base.injects if e.month in base.months()[: ov["horizon_months"]]]
        }
    )
    try:
        sc = base.with_overrides(ov)
    except InputError:  # values that cannot hold together: refused by name, not simulated
        assume(False)
    p = sc.parameters
    H = sc.horizon_months
    res = simulate(sc, reps=40, seed=seed)
    s, o = res.series, res.outcomes

    # ladders in range
    assert s["seoul_rung"].min() >= 0 and s["seoul_rung"].max() <= 5
    assert 0 <= s["moscow_reward_rung"].min() and s["moscow_reward_rung"].max() <= 4
    assert 0 <= s["moscow_posture"].min() and s["moscow_posture"].max() <= 3
    assert 0 <= s["pyongyang_troops"].min() and s["pyongyang_troops"].max() <= 2
    assert 0 <= s["nato_rung"].min() and s["nato_rung"].max() <= 3

    rung = np.vstack([np.full(40, p.seoul.initial_rung), s["seoul_rung"].astype(int)])
    # e. no troops
    if p.seoul.troops_excluded and p.seoul.initial_rung < TROOPS:
        assert (rung < TROOPS).all()
    # d. step by step; indirect supply straight from non-lethal support is one step
    # (RULES step_by_step, indirect_track)
    if p.seoul.step_by_step:
        steps = np.abs(np.diff(rung, axis=0))
        indirect = (rung[:-1] == 1) & (rung[1:] == LETHAL)
        assert np.where(indirect, 1, steps).max() <= p.seoul.max_rungs_per_step
    # defensive first: rung 2 held in an earlier month before any offensive rung
    if p.seoul.initial_rung < 2:
        reached2 = np.maximum.accumulate(rung >= 2, axis=0)
        earlier = np.vstack([np.zeros((1, 40), bool), reached2[:-1]])
        assert not ((rung >= OFFENSIVE) & ~earlier).any()
    # b. Assembly
    # (a motion the Assembly passed before the start counts: approved_at_start)
    if (
        p.seoul.assembly_approval_required
        and max(p.seoul.initial_rung, p.seoul.approved_at_start) < LETHAL
    ):
        assert (o.loc[o.lethal_aid, "assembly_approvals"] >= 1).all()
    assert (o.assembly_votes >= o.assembly_approvals).all()
    # c. stockpile floor
    if p.seoul.stockpile_days >= p.seoul.min_stockpile_days:
        assert s["stockpile_days"].min() >= p.seoul.min_stockpile_days - 1e-9
    assert (o.shells_transferred >= 0).all()
    assert (o.loc[o.seoul_max_rung < LETHAL, "shells_transferred"] == 0).all()
    # f./h. absorbing collapse, irreversible technology
    collapsed = np.maximum.accumulate(s["moscow_posture"] == 3, axis=0)
    assert (s["moscow_posture"][collapsed] == 3).all()
    reward = s["moscow_reward_rung"].astype(int)
    floor = np.maximum.accumulate(np.where(reward >= 2, reward, 0), axis=0)
    assert (reward >= floor).all()

    # outcomes are consistent: months within horizon, null exactly when it did not happen
    for event, col in [
        ("lethal_aid", "months_to_lethal_aid"),
        ("relations_collapsed", "months_to_collapse"),
        ("red_line_crossed", "months_to_red_line"),
        ("ceasefire", "months_to_ceasefire"),
        ("offensive_weapons", "months_to_offensive_weapons"),
        ("troops_sent", "months_to_troops"),
    ]:
        months = o[col]
        assert (months.isna() == ~o[event]).all()
        assert months.dropna().between(0, H).all()
    assert (o.lethal_aid == (o.seoul_max_rung >= LETHAL)).all()
    assert (o.offensive_weapons <= o.lethal_aid).all()
    # relations collapse exactly when the posture series reaches collapse, in that month
    # (0: the world started collapsed)
    assert (o.relations_collapsed.to_numpy() == collapsed[-1]).all()
    first = 0 if p.moscow.initial_posture == 3 else collapsed.argmax(axis=0) + 1
    when = np.broadcast_to(first, collapsed[-1].shape)[collapsed[-1]]
    assert (o.months_to_collapse[o.relations_collapsed].to_numpy() == when).all()
    assert pd.api.types.is_integer_dtype(o.months_to_lethal_aid)
    assert len(res.months) == H and res.timeseries.month.nunique() == H
