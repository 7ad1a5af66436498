"""Each named rule in model.agents.RULES, and each documented mechanism, binds.

A rule is tested twice where it can be: on its own mask (a model with a few
hand-set replications) and in an ensemble (the recorded series never break it,
and the ensemble is not idle: the rule had something to stop). Directions are
measured with common random numbers: the same seed, one parameter changed.
"""

import numpy as np
import pytest
from conftest import EAGER, eager, first_month, run, scenario, with_start

from model import simulate
from model.agents import LETHAL, OFFENSIVE, RULES, SEOUL_RUNGS, TROOPS, WEAPONS, move_costs
from model.model import RedlineModel
from model.scenario import Inject

NO_VOTES = {
    "seoul.defensive_needs_approval": False,
    "seoul.assembly_approval_required": False,
    "seoul.troops_need_approval": False,
}
FAR = 10**6  # first_month's "never"


COVERED: set[str] = set()


def rule(*names):
    """Mark a test as the one that pins the named rules of RULES."""

    def mark(test):
        COVERED.update(names)
        return test

    return mark


def model(sc, reps, seed=0):
    return RedlineModel(sc, reps, seed=seed)


def moves(series: np.ndarray, start) -> tuple[np.ndarray, np.ndarray]:
    """(last month's value, this month's value), both months x reps."""
    full = with_start(series.astype(int), start)
    return full[:-1], full[1:]


def test_every_rule_is_named_described_and_sourced():
    """The register the explain and narrative layers read: a sentence and a source each."""
    for name, (meaning, source) in RULES.items():
        assert name.isidentifier() and meaning and source, name


def test_every_rule_has_its_test_here():
    assert COVERED == set(RULES), (
        f"untested: {set(RULES) - COVERED}, unknown: {COVERED - set(RULES)}"
    )


# --- Seoul: step by step ---------------------------------------------------------------
@rule("step_by_step", "indirect_track")
def test_step_by_step_mask_counts_the_indirect_track_as_one_step(nov):
    m = model(nov, 3)
    m.seoul.rung = np.array([1, 2, 0])
    b = m.seoul.rule_step_by_step()
    assert not b[0, 2] and not b[0, LETHAL], "1->2 and the indirect track 1->3 are one step"
    assert b[0, OFFENSIVE] and b[0, TROOPS]
    assert not b[1, 1] and not b[1, LETHAL] and b[1, TROOPS] and b[1, 0]
    assert b[2, LETHAL], "the indirect track starts from non-lethal support only"
    free = model(nov.with_overrides({"seoul.step_by_step": False}), 3)
    free.seoul.rung = np.array([1, 2, 0])
    assert not free.seoul.rule_step_by_step().any()


@rule("step_by_step")
@pytest.mark.parametrize("k", [1, 2])
def test_seoul_moves_at_most_max_rungs_per_step(k):
    res = run("red-line", reps=500, **eager(**NO_VOTES, **{"seoul.max_rungs_per_step": k}))
    before, now = moves(res.series["seoul_rung"], 1)
    indirect = (before == 1) & (now == LETHAL)
    assert (np.abs(now - before)[~indirect] <= k).all()
    assert (np.abs(now - before) == k).any(), "the limit is reached, not idle"


def test_without_the_doctrine_seoul_jumps_rungs():
    res = run("red-line", reps=500, **eager(**NO_VOTES, **{"seoul.step_by_step": False}))
    before, now = moves(res.series["seoul_rung"], 1)
    indirect = (before == 1) & (now == LETHAL)
    assert (np.abs(now - before)[~indirect] > 1).any()


# --- Seoul: corresponding measures ----------------------------------------------------
@rule("corresponding_measures")
def test_corresponding_measures_need_the_level_of_cooperation(nov):
    per = nov.parameters.seoul.cooperation_per_rung  # 0.5: rung k needs 0.5 * (k - 1)
    m = model(nov, 4)
    m.seoul.rung = np.array([1, 1, 1, 1])
    m.nato.rung = np.array([2, 2, 2, 2])
    threat = np.array([per - 0.01, per, 2 * per, 3 * per - 0.01])
    b = m.seoul.rule_corresponding_measures(threat)
    assert list(b[:, 2]) == [True, False, False, False]
    assert list(b[:, LETHAL]) == [True, True, False, False]
    assert list(b[:, OFFENSIVE]) == [True, True, True, True]
    assert not b[:, :2].any(), "holding or stepping back is never a corresponding measure"
    m.seoul.intolerable_left = np.array([3, 0, 0, 0])
    assert not m.seoul.rule_corresponding_measures(threat)[0].any(), "an atrocity justifies"
    m.nato.rung = np.array([0, 0, 0, 0])
    assert m.seoul.rule_corresponding_measures(threat)[:, 2:].all(), "not without NATO"


def test_seoul_rises_only_when_the_threat_justifies_the_rung():
    res = run("red-line", reps=800, **EAGER)
    s = res.series
    per = res.scenario.parameters.seoul.cooperation_per_rung
    before, now = moves(s["seoul_rung"], 1)
    rose = now > before
    assert rose.sum() > 100
    assert (s["threat"][rose] >= per * (now[rose] - 1) - 1e-9).all()
    assert (s["nato_rung"][rose] >= 1).all()


@pytest.mark.parametrize("name", ["assembly-majority", "red-line"])
@pytest.mark.parametrize(
    "more",
    [{"pyongyang.troops_deployed": 2}, {"moscow.initial_reward_rung": 2}],
    ids=["more-troops", "more-technology"],
)
def test_more_cooperation_at_the_start_never_lowers_assistance(name, more):
    """Corresponding measures answer a level: more troops or technology at the start
    (common random numbers, Seoul eager) never leave Seoul lower."""
    base = run(name, reps=1000, seed=7, **EAGER).series["seoul_rung"]
    high = run(name, reps=1000, seed=7, **eager(**more)).series["seoul_rung"]
    assert high.mean() >= base.mean() - 0.02
    assert (high >= LETHAL).any(0).mean() >= (base >= LETHAL).any(0).mean() - 0.01


# --- Seoul: defensive first, indirect track, no troops ---------------------------------
@rule("defensive_first")
def test_defensive_first_mask(nov):
    m = model(nov, 3)
    m.seoul.max_rung = np.array([1, 2, 3])
    b = m.seoul.rule_defensive_first()
    assert b[0, OFFENSIVE] and b[0, TROOPS] and not b[0, :OFFENSIVE].any()
    assert not b[1:].any()


def test_offensive_weapons_only_after_a_lower_weapons_rung():
    """Direct offensive weapons only after weapons of a lower rung were sent in an earlier
    month: defensive weapons, or indirect supply reached by the indirect track."""
    res = run("red-line", reps=1000, **EAGER)
    rung = res.series["seoul_rung"]
    lower = first_month((rung >= WEAPONS) & (rung < OFFENSIVE))
    f4 = first_month(rung >= OFFENSIVE)
    offensive = f4 < FAR
    assert offensive.sum() > 5
    assert (lower[offensive] < f4[offensive]).all()


@rule("indirect_track")
def test_indirect_track_reaches_lethal_supply_without_cheongung():
    res = run("red-line", reps=600, **EAGER)
    before, now = moves(res.series["seoul_rung"], 1)
    assert ((before == 1) & (now == LETHAL)).any(), "1 -> 3 in one month happens"
    assert not ((before == 0) & (now == LETHAL)).any(), "only from non-lethal support"


@rule("no_troops")
def test_no_troops_mask_and_switch(nov):
    m = model(nov, 2)
    assert m.seoul.rule_no_troops()[:, TROOPS].all() and not m.seoul.rule_no_troops()[:, :5].any()
    m = model(nov.with_overrides({"seoul.troops_excluded": False}), 2)
    assert not m.seoul.rule_no_troops().any()


def test_troops_are_unreachable_while_excluded_and_reachable_when_not():
    free = eager(**NO_VOTES, **{"seoul.step_by_step": False})
    assert not run("red-line", reps=500, **free).outcomes.troops_sent.any()
    unbanned = run("red-line", reps=500, **free, **{"seoul.troops_excluded": False})
    assert unbanned.outcomes.troops_sent.mean() > 0.2


# --- Seoul: stockpile floor -------------------------------------------------------------
@rule("stockpile_floor")
def test_stockpile_floor_blocks_a_rung_it_cannot_feed(nov):
    m = model(nov.with_overrides({"seoul.production_days_per_month": 0.0}), 3)
    m.seoul.rung = np.array([2, 2, 3])
    m.seoul.stockpile = np.array([61.0, 75.0, 60.0])
    b = m.seoul.rule_stockpile_floor()
    assert b[0, LETHAL] and b[0, OFFENSIVE], "1 day of headroom feeds neither 2 nor 4 days"
    assert not b[1].any()
    assert not b[2, LETHAL], "the rule stops a step up, not holding a rung"


def test_transfers_never_break_the_floor_and_a_higher_floor_sends_fewer_shells():
    lo = run("red-line", reps=600, **eager(**NO_VOTES, **{"seoul.stockpile_days": 64.0}))
    assert lo.outcomes.shells_transferred.sum() > 0
    assert lo.series["stockpile_days"].min() >= 60.0 - 1e-9
    hi = run(
        "red-line",
        reps=600,
        **eager(**NO_VOTES, **{"seoul.stockpile_days": 64.0, "seoul.min_stockpile_days": 63.0}),
    )
    assert hi.series["stockpile_days"].min() >= 63.0 - 1e-9
    assert hi.outcomes.shells_transferred.sum() < lo.outcomes.shells_transferred.sum()


def test_a_stockpile_at_the_floor_keeps_seoul_off_the_shell_rungs():
    kw = {"seoul.stockpile_days": 60.5, "seoul.production_days_per_month": 0.0}
    res = run("red-line", reps=500, **eager(**NO_VOTES, **kw))
    assert not (res.series["seoul_rung"] >= LETHAL).any()
    assert (run("red-line", reps=500, **eager(**NO_VOTES)).series["seoul_rung"] >= LETHAL).any()


# --- Seoul: standing commitments ---------------------------------------------------------
@rule("standing_commitments")
def test_standing_commitments_mask(nov):
    m = model(nov, 4)
    m.seoul.rung = np.array([3, 3, 3, 3])
    threat = np.array([1.5, 1.5, 1.5, 0.9])  # rung 3 needs 1.0
    m.ceasefire[:] = [False, True, False, False]
    m.seoul.review_left = np.array([0, 0, 2, 0])
    b = m.seoul.rule_standing_commitments(threat)
    assert b[0, :LETHAL].all() and not b[0, LETHAL:].any(), "no cause: no stepping back"
    assert not b[1:].any(), "a ceasefire, a reviewing government or a receded threat"


def test_seoul_steps_back_only_with_a_cause():
    res = run("ceasefire-2025", reps=800, **eager(**NO_VOTES))
    s = res.series
    per = res.scenario.parameters.seoul.cooperation_per_rung
    before, now = moves(s["seoul_rung"], 1)
    down = now < before
    assert down.sum() > 20, "enough steps back for the check below to bite"
    receded = s["threat"] < per * (before - 1)
    assert (s["ceasefire"] | receded)[down].all()


# --- Seoul: a paralysed government -----------------------------------------------------------
PARALYSIS = {"month": "2025-06", "type": "government_paralysis", "months": 4}  # months 7-10


@rule("government_paralysed")
def test_government_paralysed_mask(nov):
    m = model(nov, 2)
    m.seoul.rung = np.array([2, 2])
    m.seoul.paralysed_left = np.array([1, 0])
    b = m.seoul.rule_government_paralysed()
    assert b[0].sum() == 5 and not b[0, 2] and not b[1].any()


def test_a_paralysed_government_holds_its_course():
    base = run("red-line", reps=600, **EAGER).series["seoul_rung"]
    para = run("red-line", reps=600, injects=[PARALYSIS], **EAGER).series["seoul_rung"]
    assert (base[7:11] != base[6]).any(), "without it, Seoul moves in those months"
    assert (para[7:11] == para[6]).all()
    assert (para[11:] != para[10]).any(), "and moves again once it is over"


# --- Seoul: the Assembly's approval ------------------------------------------------------
@pytest.mark.parametrize("defensive", [True, False])
@pytest.mark.parametrize("lethal", [True, False])
@pytest.mark.parametrize("troops", [True, False])
def test_three_switches_decide_which_rungs_need_a_vote(nov, defensive, lethal, troops):
    sc = nov.with_overrides(
        {
            "seoul.defensive_needs_approval": defensive,
            "seoul.assembly_approval_required": lethal,
            "seoul.troops_need_approval": troops,
        }
    )
    needs = model(sc, 2).seoul.needs_vote()
    assert list(needs[0]) == [False, False, defensive, lethal, lethal, troops]


@rule("assembly_approval")
def test_assembly_approval_mask_is_relative_to_the_approved_rung(nov):
    m = model(nov, 2)
    m.seoul.approved_rung = np.array([1, 3])
    b = m.seoul.rule_assembly_approval()
    assert list(b[0]) == [False, False, True, True, True, True]
    assert list(b[1]) == [False, False, False, False, True, True]


def test_no_rung_needing_a_vote_is_reached_without_a_passed_vote():
    res = run("red-line", reps=800, **EAGER)
    s = res.series
    reached = first_month(s["seoul_rung"] >= WEAPONS)
    passed = first_month(s["assembly_passed"])
    climbed = reached < FAR
    assert climbed.sum() > 50
    assert (passed[climbed] <= reached[climbed]).all()
    o = res.outcomes
    assert (o.assembly_votes > 0).sum() > (o.assembly_approvals > 0).sum(), "votes are lost"


def test_with_every_switch_off_no_vote_is_held():
    res = run("red-line", reps=500, **eager(**NO_VOTES))
    assert res.outcomes.lethal_aid.mean() > 0.5
    assert res.outcomes.assembly_votes.sum() == 0 and not res.series["assembly_motion"].any()


def test_defensive_weapons_without_a_vote_when_their_switch_is_off():
    off = {"seoul.defensive_needs_approval": False}
    s = run("november-2024", reps=500, **eager(**off)).series
    climbed = (s["seoul_rung"] == WEAPONS).any(0)
    never_voted = ~s["assembly_vote"].any(0)
    assert (climbed & never_voted).sum() > 50


# --- The Assembly: votes, floor access, anticipated ratification ---------------------------
def pass_chance(sc, reps=1, threat=1.6, **state):
    m = model(sc, reps)
    for key, value in state.items():
        setattr(m.seoul, key, np.asarray(value, dtype=float))
    return m.seoul.pass_chance(np.full(reps, threat))


def test_approval_raises_the_chance_of_passing(nov):
    chance = pass_chance(nov, 3, approval=[0.1, 0.3, 0.6])
    assert chance[0] < chance[1] < chance[2]

    def rate(approval):
        o = run("red-line", reps=500, **eager(**{"seoul.approval": approval})).outcomes
        return o.assembly_approvals.sum() / o.assembly_votes.sum()

    assert rate(0.1) < rate(0.2) < rate(0.4)


def test_discipline_lowers_the_pass_chance_when_the_opposition_line_is_against(nov):
    def chance(d, **state):
        return pass_chance(nov.with_overrides({"seoul.party_discipline": d}), **state)[0]

    assert chance(0.6) > chance(0.85) > chance(1.0), "the line is against at 74% opposition"
    assert chance(0.6, opinion=[0.3]) <= chance(1.0, opinion=[0.3]), "and never hurts when for"

    def rate(d):
        o = run("red-line", reps=500, **eager(**{"seoul.party_discipline": d})).outcomes
        return o.assembly_approvals.sum() / o.assembly_votes.sum()

    assert rate(0.6) > rate(0.85) > rate(1.0)


def test_defectors_follow_the_democrats_pro_ukrainian_leaning(nov):
    def chance(d, lean):
        sc = nov.with_overrides({"seoul.party_discipline": d, "seoul.opposition_pro_ukraine": lean})
        return pass_chance(sc)[0]

    assert chance(0.7, 0.3) < chance(0.7, 0.9)
    assert chance(1.0, 0.3) == chance(1.0, 0.9), "with full discipline nobody defects"

    def rate(lean):
        o = run("red-line", reps=500, **eager(**{"seoul.opposition_pro_ukraine": lean})).outcomes
        return o.assembly_approvals.sum() / o.assembly_votes.sum()

    assert rate(0.3) < rate(0.6) < rate(0.9)


def test_close_votes_happen_in_a_red_line_world():
    s = run("red-line", reps=500).series
    yes = s["assembly_yes"].astype(int)
    close = s["assembly_vote"] & (np.abs(yes - 151) <= 10)
    assert close.sum() > 20
    assert (close & s["assembly_passed"]).any() and (close & ~s["assembly_passed"]).any()
    assert (s["assembly_passed"] == (s["assembly_vote"] & (yes >= 151))).all()


def test_floor_access_depends_on_who_holds_the_majority(nov):
    m = model(nov, 3)
    m.opposition_seats = np.array([192, 151, 150])
    line = np.array([0.0, 0.0, 0.0])
    access = nov.parameters.seoul.floor_access
    assert list(m.seoul.floor_chance(line)) == [access, access, 1.0]
    assert m.seoul.floor_chance(np.array([1.0, 1.0, 1.0]))[0] == 1.0


@pytest.mark.parametrize("seats,kept", [(192, True), (151, True), (150, False), (130, False)])
def test_motions_are_kept_from_the_floor_only_by_an_opposition_majority(seats, kept):
    res = run("red-line", reps=400, **eager(**{"seoul.assembly_opposition_seats": seats}))
    s = res.series
    assert s["assembly_motion"].sum() > 100
    assert (res.outcomes.assembly_motions_blocked.sum() > 0) == kept
    assert ((s["assembly_motion"] & ~s["assembly_vote"]).any()) == kept


def test_a_new_majority_opens_the_floor_from_its_month():
    change = {"month": "2025-03", "type": "assembly_majority_change", "value": 130}  # month 4
    s = run("red-line", reps=500, injects=[change], **EAGER).series
    kept = s["assembly_motion"] & ~s["assembly_vote"]
    assert kept[:4].any()
    assert s["assembly_motion"][4:].sum() > 100 and not kept[4:].any()


def test_seoul_rarely_puts_a_motion_it_expects_to_lose():
    """ratification_prospect: weighing a motion's chance keeps hopeless ones off the floor."""

    def motions(weight):
        res = run("red-line", reps=800, **{"seoul.ratification_weight": weight})
        o = res.outcomes
        rate = o.assembly_approvals.sum() / o.assembly_votes.sum()
        return res.series["assembly_motion"].sum(), rate

    (blind, blind_rate), (wary, wary_rate) = motions(0.0), motions(2.0)
    assert blind > 1.5 * wary
    assert wary_rate > blind_rate, "the motions it does put pass more often"


# --- Opinion and approval ----------------------------------------------------------------------
@rule("public_opinion")
def test_opposition_raises_the_domestic_cost_of_weapons(nov):
    m = model(nov, 2)
    m.seoul.opinion = np.array([0.5, 0.9])
    cost = m.seoul.terms(m.seoul.threat())["domestic_cost"]
    assert (cost[1, WEAPONS:] < cost[0, WEAPONS:]).all() and (cost[:, WEAPONS:] < 0).all()
    assert (cost[:, OFFENSIVE] < cost[:, LETHAL]).all(), "offensive weapons cost more"


def test_an_inject_moves_opinion_once_in_its_month():
    quiet = {"seoul.poll_noise": 0.0, "war.ceasefire_hazard": 0.0}
    res = run(
        reps=500, injects=[{"month": "2025-02", "type": "troops_reinforced"}], **quiet
    )  # month 3
    s, o = res.series, res.outcomes
    shift = res.scenario.parameters.seoul.opinion_shift_troops
    troops_before, troops = moves(s["pyongyang_troops"][:3], 1)
    calm = ~(troops > troops_before).any(0) & ~o.red_line_crossed & ~o.lethal_aid
    op = s["public_opposition"][:, calm.to_numpy()]
    assert op.shape[1] > 100
    assert np.allclose(op[:3], 0.742)
    assert np.allclose(op[3], 0.742 - shift)
    assert (np.diff(op[3:], axis=0) > 0).all() and (op[3:] < 0.742).all(), "then it reverts"


def test_atrocity_and_red_line_lower_opposition_in_their_month():
    base = run(reps=300, **{"seoul.poll_noise": 0.0}).series["public_opposition"]
    atro = run("atrocity", reps=300, **{"seoul.poll_noise": 0.0}).series["public_opposition"]
    red = run("red-line", reps=300, **{"seoul.poll_noise": 0.0}).series["public_opposition"]
    assert (atro[3] < base[3] - 0.1).all() and np.array_equal(atro[:3], base[:3])
    assert (red[2] < base[2]).all() and red[2].mean() < base[2].mean() - 0.08
    assert np.array_equal(red[:2], base[:2])


def test_polls_scatter_around_latent_opinion_and_do_not_move_it():
    res = run(reps=1000)
    noise = res.scenario.parameters.seoul.poll_noise
    err = res.series["public_opposition_poll"] - res.series["public_opposition"]
    assert abs(err.mean()) < 0.002 and err.std() == pytest.approx(noise, rel=0.05)
    exact = run(reps=300, **{"seoul.poll_noise": 0.0}).series
    noisy = run(reps=300, **{"seoul.poll_noise": 0.2}).series
    assert np.array_equal(exact["public_opposition_poll"], exact["public_opposition"])
    for name in exact:
        if name != "public_opposition_poll":
            assert np.array_equal(exact[name], noisy[name]), name


def test_without_events_latent_opinion_stays_at_its_anchor():
    res = run(reps=500, **{"seoul.poll_noise": 0.0})
    s, o = res.series, res.outcomes
    before, troops = moves(s["pyongyang_troops"], 1)
    calm = ~(troops > before).any(0) & ~o.red_line_crossed & ~o.lethal_aid
    assert calm.sum() > 100
    assert (s["public_opposition"][:, calm.to_numpy()] == 0.742).all()


def test_approval_falls_when_seoul_first_sends_weapons():
    res = run("red-line", reps=600, **eager(**NO_VOTES))
    p = res.scenario.parameters.seoul
    s = res.series
    approval = with_start(s["approval"], p.approval)
    drop = np.diff(approval, axis=0)
    before, now = moves(s["seoul_rung"], 1)
    entry = first_month(s["seoul_rung"] >= WEAPONS)
    worlds = np.flatnonzero(entry < FAR)
    assert len(worlds) > 300
    for j in worlds:
        t = entry[j]
        assert (drop[:t, j] == 0).all()
        cost = p.approval_cost_weapons + (p.approval_cost_lethal if now[t, j] >= LETHAL else 0)
        assert drop[t, j] == pytest.approx(-cost)
    free = run(
        "red-line",
        reps=300,
        **eager(
            **NO_VOTES, **{"seoul.approval_cost_weapons": 0.0, "seoul.approval_cost_lethal": 0.0}
        ),
    )
    assert (free.series["approval"] == p.approval).all()


@pytest.mark.parametrize("preference,role", [("pragmatic", 0.05), ("global-pivotal", 0.3)])
def test_government_change_sets_approval_and_global_role(nov, preference, role):
    m = model(nov, 50)
    m.schedule(
        Inject(month="2024-11", type="government_change", preference=preference, approval=0.45)
    )
    m.step()
    q = nov.parameters.seoul
    assert role == (q.pragmatic_global_role if preference == "pragmatic" else q.global_role)
    assert (m.seoul.global_role == role).all()
    assert np.allclose(m.seoul.approval[~m.seoul.entered_weapons], 0.45)
    assert (m.seoul.approval_base == 0.45).all()
    assert (m.seoul.review_left == q.new_government_review_months - 1).all()


# --- Pyongyang ---------------------------------------------------------------------------------
@rule("troops_stay")
def test_troops_stay_mask(nov):
    patience = nov.parameters.pyongyang.patience_months
    m = model(nov, 4)
    m.pyongyang.troops = np.array([1, 1, 2, 2])
    m.pyongyang.shortfall_months = np.array([0, patience, patience - 1, 0])
    m.ceasefire[:] = [False, False, False, True]
    b = m.pyongyang.rule_troops_stay()
    assert b[0, 0] and not b[0, 1:].any()
    assert not b[1].any(), "a reward that failed for months lets them go"
    assert b[2, :2].all() and not b[2, 2]
    assert not b[3].any(), "a ceasefire lets them go home"


def test_troops_stay_while_the_war_goes_on_unless_the_reward_fails():
    kw = {"pyongyang.troops_deployed": 2, "moscow.initial_reward_rung": 0}
    sc = scenario(**kw, **{"pyongyang.patience_months": 3})
    m = model(sc, 600, seed=3)
    patience = sc.parameters.pyongyang.patience_months
    early, withdrew = 0, 0
    for _ in range(sc.horizon_months):
        troops, short = m.pyongyang.troops.copy(), m.pyongyang.shortfall_months.copy()
        m.step()
        left = (m.pyongyang.troops < troops) & ~m.ceasefire
        early += (left & (short < patience)).sum()
        withdrew += left.sum()
    assert withdrew > 50 and early == 0
    patient = run(reps=600, **kw, **{"pyongyang.patience_months": 36}).series
    before, now = moves(patient["pyongyang_troops"], 2)
    assert not ((now < before) & ~patient["ceasefire"]).any()


def test_a_ceasefire_lets_the_troops_go_home():
    s = run("ceasefire-2025", reps=500).series
    assert s["pyongyang_troops"][7].mean() > 0.5 and s["pyongyang_troops"][-1].mean() < 0.1


def test_combat_experience_from_the_second_month_and_it_raises_the_threat(nov):
    m = model(nov.with_overrides({"war.ceasefire_hazard": 0.0}), 20)
    for month in range(1, 4):  # deployed in October: November is their second month
        m.step()
        assert (m.pyongyang.combat_months[m.pyongyang.troops >= 1] == month).all()
    july = model(scenario("july-2024", **{"war.ceasefire_hazard": 0.0}), 400, seed=2)
    sent = 0
    for _ in range(12):  # troops Pyongyang sends itself: not in the month they arrive
        before, combat = july.pyongyang.troops.copy(), july.pyongyang.combat_months.copy()
        july.step()
        arrived = (before == 0) & (july.pyongyang.troops >= 1)
        sent += arrived.sum()
        assert (july.pyongyang.combat_months[arrived] == combat[arrived]).all()
    assert sent > 10
    t = model(nov, 4)
    t.pyongyang.combat_months = np.array([0, 6, 12, 24])
    threat = t.seoul.threat()
    assert threat[0] < threat[1] < threat[2] == threat[3], "full after a year"


def test_combat_experience_of_an_injected_deployment_starts_a_month_later():
    """Troops deployed by an inject fight from their second month, as troops Pyongyang
    sends itself do."""
    sc = scenario(
        "july-2024",
        injects=[{"month": "2024-10", "type": "troops_deployed"}],  # month 3
        **{"war.ceasefire_hazard": 0.0, "pyongyang.change_cost": 20.0},
    )
    m = model(sc, 50, seed=1)
    for _ in range(4):
        m.step()
    assert (m.pyongyang.troops == 1).all()
    assert (m.pyongyang.combat_months == 0).all(), "in the month they arrive they do not fight"
    m.step()
    assert (m.pyongyang.combat_months == 1).all()


# --- Moscow --------------------------------------------------------------------------------------
@rule("technology_irreversible")
def test_technology_irreversible_mask_and_series(nov):
    m = model(nov, 3)
    m.moscow.max_reward = np.array([1, 2, 4])
    b = m.moscow.rule_technology_irreversible()
    assert not b[0].any(), "food, energy and cash can be cut"
    assert list(b[1]) == [True, True, False, False, False]
    assert list(b[2]) == [True, True, True, True, False]
    reward = run("red-line", reps=400).series["moscow_reward_rung"]
    assert (reward[2:] >= 3).all(), "transferred in month 2 and never taken back"


@rule("reward_earned")
def test_reward_earned_mask(nov):
    m = model(nov, 3)
    m.pyongyang.troops = np.array([1, 2, 2])
    m.moscow.reward = np.array([2, 3, 1])
    b = m.moscow.rule_reward_earned()
    assert list(b[0]) == [True, False, False, False, False]
    assert list(b[1]) == [True, True, False, False, False]
    assert not b[2, 1:].any(), "a reward already short is not pushed up by the rule"
    m.ceasefire[:] = True
    assert not m.moscow.rule_reward_earned().any()


@pytest.mark.parametrize("deployed_earns", [1, 0])
def test_moscow_never_cuts_below_what_fighting_troops_earned(deployed_earns):
    """July 2024: no troops at first, so Moscow cuts freely; once they fight it may not
    cut below what they earned (with a deployment earning nothing, only reinforced
    troops hold the reward up)."""
    res = run(
        "july-2024",
        reps=800,
        **{
            "moscow.change_cost": 0.5,
            "moscow.retreat_cost": 0.5,
            "moscow.earned_reward_deployed": deployed_earns,
        },
    )
    s = res.series
    q = res.scenario.parameters.moscow
    troops = s["pyongyang_troops"]
    earned = np.select(
        [troops >= 2, troops >= 1], [q.earned_reward_reinforced, q.earned_reward_deployed], 0
    )
    before, now = moves(s["moscow_reward_rung"], q.initial_reward_rung)
    cut = (now < before) & ~s["ceasefire"]
    assert (cut & (troops == 0)).sum() > 20
    assert (cut & (troops >= 1)).any() == (deployed_earns == 0)
    assert (now[cut] >= earned[cut]).all()
    assert not (cut & (troops == 2)).any()


@rule("collapse_absorbing")
def test_collapse_is_absorbing():
    res = run(reps=800, **{"seoul.initial_rung": 4})
    posture = res.series["moscow_posture"]
    collapsed = np.maximum.accumulate(posture == 3, axis=0)
    assert collapsed[-1].mean() > 0.3
    assert (posture[collapsed] == 3).all()


@rule("collapse_needs_red_line")
def test_collapse_needs_the_red_line_mask(nov):
    m = model(nov, 3)
    m.seoul.max_rung = np.array([2, 3, 4])
    m.moscow.hawks = np.array([True, True, True])
    assert list(m.moscow.rule_collapse_needs_red_line()[:, 3]) == [True, False, False]
    m.moscow.hawks = np.array([False, False, False])
    assert list(m.moscow.rule_collapse_needs_red_line()[:, 3]) == [True, True, False]
    dove = model(nov.with_overrides({"moscow.indirect_counts_as_direct": False}), 3)
    dove.seoul.max_rung = np.array([2, 3, 4])
    dove.moscow.hawks = np.array([True, True, True])
    assert list(dove.moscow.rule_collapse_needs_red_line()[:, 3]) == [True, True, False]


INDIRECT = {"seoul.initial_rung": 3, "seoul.change_cost": 20.0, "seoul.retreat_cost": 20.0}


@pytest.mark.parametrize("switch", [True, False])
def test_indirect_supply_collapses_relations_only_where_the_hawks_prevail(switch):
    def collapse(hawks):
        o = run(
            reps=600,
            **INDIRECT,
            **{"moscow.hawks_prevail": hawks, "moscow.indirect_counts_as_direct": switch},
        ).outcomes
        assert (o.seoul_max_rung == LETHAL).all()
        return o.relations_collapsed.mean()

    assert collapse(0.0) == 0
    assert (collapse(1.0) > 0.5) == switch


def test_hawks_are_drawn_once_per_world_and_only_their_worlds_collapse():
    sc = scenario(**INDIRECT, **{"moscow.hawks_prevail": 0.5})
    m = model(sc, 800, seed=3)
    hawks = m.moscow.hawks.copy()
    assert 0.4 < hawks.mean() < 0.6
    m.run()
    assert (m.moscow.hawks == hawks).all()
    collapsed = m.moscow.posture == 3
    assert collapsed[hawks].mean() > 0.5 and not collapsed[~hawks].any()


def test_distrust_accumulates_while_seoul_sends_weapons_and_raises_hostility():
    hold = {"seoul.change_cost": 20.0, "seoul.retreat_cost": 20.0}

    def ensemble(rung, weight=1.0):
        sc = scenario(**hold, **{"seoul.initial_rung": rung, "moscow.distrust_weight": weight})
        return simulate(sc, reps=800, seed=3, keep_model=True)

    low = ensemble(1)
    start = low.scenario.parameters.moscow.sanctions_signal
    assert np.allclose(low.model.moscow.distrust, start), "nothing new at rung 1"
    assert (ensemble(2).model.moscow.distrust > start + 0.1).all()
    calm, wary = (
        ensemble(2, 0.0).series["moscow_posture"],
        ensemble(2, 3.0).series["moscow_posture"],
    )
    assert wary.mean() > calm.mean()


def test_moscow_softens_more_slowly_than_it_hardens(nov):
    """retreat_cost: a memory of distrust (asmolov-24). At the defaults one rung down must
    cost Moscow more than one rung up."""
    q = nov.parameters.moscow
    cost = move_costs(np.array([1]), 4, q.change_cost, q.retreat_cost)[0]
    assert cost[0] > cost[2], f"softening costs {cost[0]}, hardening {cost[2]}"


def test_a_higher_retreat_cost_means_fewer_steps_down():
    def downs(cost):
        s = run(reps=600, **{"moscow.retreat_cost": cost}).series
        before, now = moves(s["moscow_posture"], 1)
        return (now < before).sum()

    assert downs(0.0) > downs(3.0) > downs(20.0) == 0


# --- one rung a month (Moscow, Pyongyang, NATO) ------------------------------------------------
@rule("one_rung_a_month")
def test_one_rung_a_month():
    res = run(reps=600)
    s = res.series
    for name, start in [
        ("nato_rung", 2),
        ("moscow_reward_rung", 1),
        ("moscow_posture", 1),
        ("pyongyang_troops", 1),
    ]:
        before, now = moves(s[name], start)
        assert (np.abs(now - before) <= 1).all(), name
        assert (now != before).any(), name
    m = model(scenario(), 2)
    m.nato.rung = np.array([0, 3])
    assert list(m.nato.blocked_for("pressure")["one_rung_a_month"][0]) == [
        False,
        False,
        True,
        True,
    ]


# --- red lines, Yoon's condition, post-war liability -------------------------------------------
@rule("red_lines")
def test_lethal_supply_drives_moscow_toward_collapse():
    quiet = run(reps=600).outcomes.relations_collapsed.mean()
    lethal = run(reps=600, **{"seoul.initial_rung": 4}).outcomes.relations_collapsed.mean()
    assert lethal > quiet + 0.3


def test_moscows_rung_three_is_seouls_red_line():
    res = run("red-line", reps=300)
    o, s = res.outcomes, res.series
    assert o.red_line_crossed.all() and (o.months_to_red_line == 3).all()
    red = res.scenario.parameters.seoul.threat_red_line
    assert (s["threat"][2] - s["threat"][1] > red).all()


@rule("intolerable_event")
def test_an_atrocity_lowers_the_threshold_for_weapons(nov):
    m = model(nov, 2)
    m.seoul.intolerable_left = np.array([0, 4])
    term = m.seoul.terms(m.seoul.threat())["intolerable_event"]
    assert (term[1, WEAPONS:] > 0).all() and not term[0].any() and not term[1, :WEAPONS].any()
    base = run(reps=800, seed=5, **NO_VOTES).outcomes.weapons_supplied.mean()
    atro = run("atrocity", reps=800, seed=5, **NO_VOTES).outcomes.weapons_supplied.mean()
    assert atro > base + 0.05


@rule("postwar_liability")
def test_after_a_ceasefire_pyongyang_is_more_liability_than_asset(nov):
    m = model(nov, 4)
    m.pyongyang.troops = np.array([0, 2, 0, 2])
    m.pyongyang.supplied = np.array([1e6, 1e6, 8e6, 8e6])
    lev = m.pyongyang.leverage()
    assert lev[1] > lev[0] and lev[2] > lev[0] and lev[3] > lev[1]
    m.ceasefire[:] = True
    assert np.allclose(m.pyongyang.leverage(), lev * nov.parameters.pyongyang.postwar_leverage)


# --- injects -----------------------------------------------------------------------------------
def test_a_set_inject_takes_effect_in_its_month():
    """war.ceasefire_hazard set to 1 in month 3 (2025-02): a ceasefire in month 3 everywhere."""
    inj = {"month": "2025-02", "type": "set", "parameter": "war.ceasefire_hazard", "value": 1.0}
    res = run(reps=300, injects=[inj], **{"war.ceasefire_hazard": 0.0})
    cf = res.series["ceasefire"]
    assert not cf[:3].any()
    assert cf[3].all(), (
        f"the ceasefire came in month {int(res.outcomes.months_to_ceasefire[0]) - 1}"
    )


def test_a_set_inject_changes_what_seoul_reads_from_its_month_on():
    inj = {"month": "2025-04", "type": "set", "parameter": "seoul.poll_noise", "value": 0.0}
    s = run(reps=300, injects=[inj]).series  # month 5
    exact = s["public_opposition_poll"] == s["public_opposition"]
    assert not exact[:5].any() and exact[5:].all()


GOVERNMENT = {"month": "2025-09", "type": "government_change", "preference": "pragmatic"}


def test_a_pragmatic_government_pulls_less_than_a_global_pivotal_one():
    """Pragmatic diplomacy (seok-24) lowers Seoul's course against both no change and a
    Global Pivotal State government. Votes are off: with them on, any new government's
    approval (reset to the scenario's level, above a predecessor's weapons-worn approval)
    eases the Assembly's factional refusal, and in an eager red-line world that outweighs
    the preference itself; the Assembly claims in `redline validate` cover approval."""
    kw = NO_VOTES
    pivot = {**GOVERNMENT, "preference": "global-pivotal"}
    base = run("red-line", reps=1000, **kw).series["seoul_rung"]
    prag = run("red-line", reps=1000, injects=[GOVERNMENT], **kw).series["seoul_rung"]
    glob = run("red-line", reps=1000, injects=[pivot], **kw).series["seoul_rung"]
    assert prag[10:].mean() < glob[10:].mean() and prag[10:].mean() < base[10:].mean()


def test_a_new_government_may_step_back_from_its_predecessors_course(nov):
    m = model(nov, 3)
    m.seoul.rung = np.array([3, 3, 3])
    m.seoul.review_left = np.array([0, 2, 0])
    b = m.seoul.rule_standing_commitments(np.array([2.0, 2.0, 2.0]))
    assert b[0, :LETHAL].all() and not b[1].any() and b[2, :LETHAL].all()


# --- decisions keep their reasons ----------------------------------------------------------------
def test_traced_decisions_carry_terms_runner_up_and_blocking_rules():
    sc = scenario("red-line", **EAGER)
    res = simulate(sc, reps=50, seed=2, trace=list(range(4, 14)))
    decisions = [d for month in res.log for d in month["decisions"]]
    kinds = {(d["actor"], d["decision"]) for d in decisions}
    assert kinds == {
        ("pyongyang", "shipments"),
        ("pyongyang", "troops"),
        ("pyongyang", "provocation"),
        ("moscow", "reward"),
        ("moscow", "posture"),
        ("nato", "pressure"),
        ("seoul", "assistance"),
    }
    seoul = [d for d in decisions if d["actor"] == "seoul" and d["replication"] == 4]
    assert len(seoul) == sc.horizon_months
    d = seoul[0]
    assert d["from"] == SEOUL_RUNGS[1] and d["replication"] == 4
    assert set(d["terms_chosen"]) >= {
        "threat_response",
        "alliance_pressure",
        "domestic_cost",
        "retaliation_risk",
        "ratification_prospect",
        "change_cost",
    }
    blocked = d["blocked"]
    assert "no_troops" in blocked[SEOUL_RUNGS[TROOPS]]
    assert "defensive_first" in blocked[SEOUL_RUNGS[OFFENSIVE]]
    assert "step_by_step" in blocked[SEOUL_RUNGS[OFFENSIVE]]
    # In a first month with no motion, none has failed and none is cooling off, so a rung
    # that needs a vote is open (choosing it would put a motion): the record names the
    # Assembly only where it refused.
    quiet = [
        x
        for x in decisions
        if x["actor"] == "seoul"
        and x in res.log[0]["decisions"]
        and not any(v["replication"] == x["replication"] for v in res.log[0]["votes"])
    ]
    assert quiet, "some traced world put no motion in its first month"
    for x in quiet:
        assert "assembly_approval" not in x["blocked"].get(SEOUL_RUNGS[WEAPONS], [])
        assert x["runner_up"] is not None and x["runner_up"] not in x["blocked"]
    refused = [
        x
        for x in decisions
        if x["actor"] == "seoul" and "assembly_approval" in sum(x["blocked"].values(), [])
    ]
    for x in refused:  # every month the Assembly blocks is a month after a motion failed
        month = next(m for m in res.log if x in m["decisions"])
        i = x["replication"]
        failed_now = any(v["replication"] == i and not v["passed"] for v in month["votes"])
        earlier = res.log[: res.log.index(month)]
        failed_before = any(
            v["replication"] == i and not v["passed"] for m in earlier for v in m["votes"]
        )
        assert failed_now or failed_before
    assert res.series["seoul_rung"][0, 4] == d["chosen_index"]
    assert sum(d["probabilities"].values()) == pytest.approx(1.0)
    assert all(d["probabilities"][k] == 0 for k in blocked)
    # where a runner-up exists, its terms are recorded and the logit odds match them
    ranked = [d for d in decisions if d["runner_up"] is not None]
    assert {d["actor"] for d in ranked} == {"pyongyang", "moscow", "nato", "seoul"}
    for d in ranked:
        assert set(d["terms_runner_up"]) == set(d["terms_chosen"])
        gain = sum(d["terms_chosen"].values()) - sum(d["terms_runner_up"].values())
        odds = d["probabilities"][d["chosen"]] / d["probabilities"][d["runner_up"]]
        rationality = sc.parameters.decision.rationality
        assert odds == pytest.approx(np.exp(rationality * gain), rel=1e-6)
        assert not d["blocked"].get(d["runner_up"]), "the runner-up was open"
