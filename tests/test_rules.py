"""Each named rule of section 1 (a-h) binds, tested on its own."""

import numpy as np
from conftest import EAGER, first_month, run

from model import simulate
from model.agents import LETHAL, TROOPS
from model.model import RedlineModel


def eager(**extra):
    return {**EAGER, **extra}


# a. public opinion ------------------------------------------------------------------
def test_opposition_raises_domestic_cost_of_lethal_rungs(nov):
    m = RedlineModel(nov, 2, seed=0)
    m.seoul.opposition = np.array([0.5, 0.9])
    cost = m.seoul.terms()["domestic_cost"]
    assert cost[1, LETHAL] < cost[0, LETHAL] < 0
    assert (cost[:, 4] < cost[:, LETHAL]).all(), "offensive weapons cost more than indirect supply"


def test_opinion_moves_with_atrocity_troops_and_red_line():
    quiet = {"seoul.opinion_noise": 0.0}
    base = run("november-2024", reps=50, **quiet).series["public_opposition"]
    atro = run("atrocity", reps=50, **quiet).series["public_opposition"]
    feb = 3  # 2025-02 is the fourth month from 2024-11
    assert atro[feb].mean() < base[feb].mean() - 0.1
    assert (atro[feb] < base[feb]).all()
    red = run("red-line", reps=50, **quiet).series["public_opposition"]
    assert red[2].mean() < base[2].mean() - 0.05
    assert (red[2] <= base[2]).all()
    troops = run("july-2024", reps=200, **quiet)
    deployed = np.diff(troops.series["pyongyang_troops"].astype(int), axis=0) > 0
    month, rep = np.argwhere(deployed)[0]
    before, after = troops.series["public_opposition"][month : month + 2, rep]
    assert after < before, "a troop deployment lowers opposition"


# b. National Assembly approval -------------------------------------------------------
def test_no_lethal_rung_without_a_passed_vote():
    res = run(
        reps=1000,
        **eager(
            **{
                "seoul.assembly_opposition_seats": 300,
                "seoul.party_discipline": 1.0,
                "seoul.opposition_party_threshold": 0.8,
            }
        ),
    )
    o = res.outcomes
    assert o.assembly_votes.sum() > 50, "Seoul keeps asking"
    assert o.assembly_approvals.sum() <= 10, "a hostile Assembly almost never approves"
    assert not o.loc[o.assembly_approvals == 0, "lethal_aid"].any()
    assert o.lethal_aid.sum() <= (o.assembly_approvals > 0).sum()


def test_lethal_aid_follows_a_recorded_vote_when_required():
    o = run(reps=1000, **eager(**{"seoul.assembly_opposition_seats": 100})).outcomes
    assert o.lethal_aid.sum() > 50
    assert (o.loc[o.lethal_aid, "assembly_approvals"] >= 1).all()
    assert (o.assembly_votes >= o.assembly_approvals).all()


def test_switching_approval_off_allows_lethal_aid_without_votes():
    o = run(reps=500, **eager(**{"seoul.assembly_approval_required": False})).outcomes
    assert o.lethal_aid.sum() > 50
    assert o.assembly_votes.sum() == 0


def test_bigger_opposition_makes_votes_fail_more():
    def pass_rate(seats):
        o = run(reps=1000, **eager(**{"seoul.assembly_opposition_seats": seats})).outcomes
        return o.assembly_approvals.sum() / max(o.assembly_votes.sum(), 1)

    assert pass_rate(200) < pass_rate(100)


# c. 60-day stockpile -------------------------------------------------------------------
def test_transfers_never_take_stockpile_below_the_floor():
    res = run(
        reps=800,
        **eager(**{"seoul.assembly_approval_required": False, "seoul.stockpile_days": 64.0}),
    )
    assert res.outcomes.shells_transferred.sum() > 0
    assert res.series["stockpile_days"].min() >= 60.0 - 1e-9
    assert (res.outcomes.min_stockpile_days >= 60.0 - 1e-9).all()


def test_higher_floor_means_fewer_shells_and_production_refills():
    lo = run(reps=600, **eager(**{"seoul.assembly_approval_required": False}))
    hi = run(
        reps=600,
        **eager(**{"seoul.assembly_approval_required": False, "seoul.min_stockpile_days": 66.0}),
    )
    assert hi.outcomes.shells_transferred.sum() < lo.outcomes.shells_transferred.sum()
    stock = lo.series["stockpile_days"]
    sent = lo.series["shells_transferred"]
    refilled = (np.diff(stock, axis=0) > 0) & (sent[1:] == 0)
    assert refilled.any(), "production refills the stockpile in months without transfers"
    assert stock.max() <= 70.0 + 1e-9, "refills stop at the stockpile target"


def test_stockpile_rule_blocks_a_rung_it_cannot_feed(nov):
    m = RedlineModel(nov.with_overrides({"seoul.production_days_per_month": 0.0}), 2, seed=0)
    m.seoul.rung = np.array([2, 2])
    m.seoul.stockpile = np.array([61.0, 75.0])
    blocked = m.seoul.rule_stockpile_floor()
    assert blocked[0, LETHAL] and blocked[0, 4]
    assert not blocked[1, LETHAL] and not blocked[1, 4]


# d. step by step -------------------------------------------------------------------------
def test_at_most_max_rungs_per_step():
    for k in (1, 2):
        res = run(
            reps=500,
            **eager(**{"seoul.assembly_approval_required": False, "seoul.max_rungs_per_step": k}),
        )
        rung = np.vstack([np.full(500, 1), res.series["seoul_rung"].astype(int)])
        assert np.abs(np.diff(rung, axis=0)).max() <= k
    free = run(
        reps=500,
        **eager(**{"seoul.assembly_approval_required": False, "seoul.step_by_step": False}),
    )
    rung = np.vstack([np.full(500, 1), free.series["seoul_rung"].astype(int)])
    assert np.abs(np.diff(rung, axis=0)).max() > 1, "without the doctrine Seoul can jump"


def test_steps_up_only_as_corresponding_measures(nov):
    m = RedlineModel(nov, 3, seed=0)
    m.seoul.rung = np.array([1, 1, 1])
    m.seoul.coop_mark = np.array([5.0, 1.0, 5.0])
    m.seoul.intolerable_left = np.array([0, 0, 3])
    m.nato.rung = np.array([2, 2, 2])
    blocked = m.seoul.rule_corresponding_measures(np.array([4.0, 4.0, 4.0]))
    assert blocked[0, 2] and not blocked[0, 1] and not blocked[0, 0]
    assert not blocked[1, 2], "new cooperation allows a step up"
    assert not blocked[2, 2], "an intolerable event allows a step up"
    m.nato.rung = np.array([0, 0, 0])
    assert m.seoul.rule_corresponding_measures(np.array([4.0, 4.0, 4.0]))[1, 2], (
        "without NATO coordination no step up"
    )


def test_defensive_weapons_come_before_lethal_ones():
    res = run(reps=1000, **eager(**{"seoul.assembly_approval_required": False}))
    rung = res.series["seoul_rung"]
    f2, f3 = first_month(rung >= 2), first_month(rung >= LETHAL)
    lethal = f3 < 10**6
    assert lethal.sum() > 100
    assert (f2[lethal] < f3[lethal]).all()


# e. no troops -------------------------------------------------------------------------------
def test_troops_unreachable_while_excluded():
    o = run(
        reps=1000,
        **eager(**{"seoul.assembly_approval_required": False, "seoul.step_by_step": False}),
    ).outcomes
    assert not o.troops_sent.any()
    o = run(
        reps=1000,
        **eager(
            **{
                "seoul.assembly_approval_required": False,
                "seoul.step_by_step": False,
                "seoul.troops_excluded": False,
            }
        ),
    ).outcomes
    assert o.troops_sent.any()
    assert (o.seoul_max_rung <= TROOPS).all()


# f. red lines -------------------------------------------------------------------------------
def test_lethal_supply_drives_moscow_toward_collapse():
    quiet = run(reps=1000)
    lethal = run(reps=1000, **{"seoul.initial_rung": 4})
    assert (
        lethal.outcomes.relations_collapsed.mean() > quiet.outcomes.relations_collapsed.mean() + 0.3
    )


def test_indirect_supply_counts_as_direct_when_moscow_says_so():
    kw = {"seoul.initial_rung": 3, "seoul.change_cost": 20.0}
    hawk = run(reps=1000, **kw, **{"moscow.indirect_counts_as_direct": True})
    dove = run(reps=1000, **kw, **{"moscow.indirect_counts_as_direct": False})
    assert hawk.outcomes.relations_collapsed.mean() > dove.outcomes.relations_collapsed.mean()


def test_moscow_severs_ties_only_over_the_red_line(nov):
    m = RedlineModel(nov, 3, seed=0)
    m.moscow.posture = np.array([2, 2, 2])
    m.seoul.max_rung = np.array([2, 3, 4])
    assert list(m.moscow.rule_collapse_needs_red_line()[:, 3]) == [True, False, False]
    dove = RedlineModel(nov.with_overrides({"moscow.indirect_counts_as_direct": False}), 3, seed=0)
    dove.moscow.posture = np.array([2, 2, 2])
    dove.seoul.max_rung = np.array([2, 3, 4])
    assert list(dove.moscow.rule_collapse_needs_red_line()[:, 3]) == [True, True, False]
    o = run(reps=2000).outcomes
    assert not (o.relations_collapsed & ~o.lethal_aid).any()


def test_seouls_red_line_is_moscows_rung_three():
    res = run("red-line", reps=200)
    o = res.outcomes
    assert o.red_line_crossed.all()
    assert (o.months_to_red_line == 3).all(), "the inject lands in 2025-01, month 3"
    assert ((o.moscow_max_reward_rung >= 3) == o.red_line_crossed).all()


# g. Yoon's April 2023 condition ------------------------------------------------------------
def test_atrocity_lowers_the_threshold_for_lethal_aid(nov):
    m = RedlineModel(nov, 2, seed=0)
    m.seoul.intolerable_left = np.array([0, 4])
    terms = m.seoul.terms()["intolerable_event"]
    assert terms[1, LETHAL] > 0 and terms[0, LETHAL] == 0 and terms[1, 2] == 0
    base, atro = run(reps=2000, seed=5), run("atrocity", reps=2000, seed=5)
    assert atro.outcomes.lethal_aid.mean() > base.outcomes.lethal_aid.mean()


# h. Moscow's hesitation, Pyongyang's leverage, post-war liability ---------------------------
def test_moscow_hesitates_over_technology():
    shy = run(reps=1500, **{"moscow.tech_transfer_propensity": 0.0})
    keen = run(reps=1500, **{"moscow.tech_transfer_propensity": 0.9})
    assert keen.outcomes.red_line_crossed.mean() > shy.outcomes.red_line_crossed.mean() + 0.05


def test_leverage_grows_with_troops_and_shells_and_falls_after_ceasefire(nov):
    m = RedlineModel(nov, 4, seed=0)
    m.pyongyang.troops = np.array([0, 2, 0, 2])
    m.pyongyang.supplied = np.array([1e6, 1e6, 8e6, 8e6])
    lev = m.pyongyang.leverage()
    assert lev[1] > lev[0] and lev[2] > lev[0] and lev[3] > lev[1]
    m.ceasefire[:] = True
    assert np.allclose(m.pyongyang.leverage(), lev * nov.parameters.pyongyang.postwar_leverage)


def test_technology_once_given_is_not_taken_back():
    res = run("red-line", reps=500)
    reward = res.series["moscow_reward_rung"][2:]
    assert (reward >= 3).all()


def test_collapse_is_absorbing():
    res = run(reps=1000, **{"seoul.initial_rung": 4})
    posture = res.series["moscow_posture"]
    collapsed = np.maximum.accumulate(posture == 3, axis=0)
    assert collapsed.any()
    assert (posture[collapsed] == 3).all()


def test_ceasefire_ends_pyongyang_deployments_and_seoul_transfers():
    res = run("ceasefire-2025", reps=300, **eager(**{"seoul.assembly_approval_required": False}))
    after = res.series["ceasefire"].all(axis=1)
    assert after.sum() >= 1
    assert res.series["shells_transferred"][after].sum() == 0
    troops = res.series["pyongyang_troops"]
    assert troops[-1].mean() < troops[after.argmax()].mean()


# decisions keep their reasons -----------------------------------------------------------------
def test_decisions_keep_terms_runner_up_and_blocking_rules(nov):
    res = simulate(nov, reps=20, seed=2, trace=[4])
    seoul = [d for m in res.log for d in m["decisions"] if d["actor"] == "seoul"]
    assert len(seoul) == nov.horizon_months
    d = seoul[0]
    assert set(d["terms_chosen"]) >= {
        "threat_response",
        "alliance_pressure",
        "domestic_cost",
        "retaliation_risk",
        "economic_gain",
        "change_cost",
    }
    assert d["runner_up"] and d["terms_runner_up"]
    assert "no_troops" in d["blocked"]["troops"]
    assert 0 < d["probability"] <= 1
    assert res.series["seoul_rung"][0, 4] == d["chosen_index"]
