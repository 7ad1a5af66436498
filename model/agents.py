"""The four actors and every rule they obey, one class each.

Each agent holds its state as numpy arrays of length R (one entry per
replication) and decides for all replications at once: it scores each option on
its ladder as a sum of named terms, masks the options its rules block, and draws
a logit choice (see choice.py). Read a class top to bottom to see all of one
actor's rules; each rule is a method named ``rule_*`` returning a boolean mask of
blocked options (R x K), so it can be tested on its own.
"""

from __future__ import annotations

import mesa
import numpy as np

from .choice import allowed_mask, ladder_steps, logit_choice, total_utility

SEOUL_RUNGS = [
    "humanitarian, reconstruction and financial aid",
    "non-lethal military support and a monitoring team",
    "defensive weapons (Cheongung air defence)",
    "indirect lethal supply (shells routed through allies)",
    "direct offensive weapons (155 mm shells, howitzers, MLRS, tanks)",
    "troops",
]
MOSCOW_REWARDS = [
    "diplomatic cover and UNSC vetoes",
    "food, energy and cash",
    "conventional military technology",
    "ballistic-missile technology",
    "nuclear technology",
]
MOSCOW_POSTURES = ["working relations", "warnings", "hostile measures", "relations collapse"]
TROOP_LEVELS = ["none", "deployed", "reinforced"]
SHELL_MOVES = ["cut shipments by a quarter", "hold shipments", "raise shipments by a quarter"]
PROVOCATION = ["no provocation", "military provocation on the Peninsula"]
NATO_RUNGS = [
    "statements",
    "Trust Fund contributions",
    "intelligence sharing",
    "concrete requests (Patriot missiles, shells)",
]

LETHAL = 3  # Seoul's first lethal rung; also Moscow's red line
OFFENSIVE = 4
TROOPS = 5
SEOUL_RED_LINE = 3  # Moscow's reward rungs 3-4 cross Seoul's red line

# Named rules: what each blocks or weighs, and the evidence it rests on.
RULES = {
    "public_opinion": (
        "opposition to lethal aid raises the cost of lethal rungs and moves with events",
        "seok-13,seok-14",
    ),
    "assembly_approval": (
        "lethal supply (rung 3+) and troops need a passed National Assembly vote",
        "asmolov-16,seok-15",
    ),
    "stockpile_floor": (
        "shell transfers may not take the stockpile below the minimum days",
        "seok-16",
    ),
    "step_by_step": ("Seoul moves at most max_rungs_per_step rungs a month", "seok-11"),
    "corresponding_measures": (
        "Seoul steps up only in answer to new Russia-DPRK military "
        "cooperation (or an intolerable event), in coordination with NATO",
        "seok-10,asmolov-11,asmolov-15",
    ),
    "defensive_first": ("lethal rungs only after defensive weapons have been supplied", "seok-18"),
    "no_troops": ("troops (rung 5) are excluded", "seok-12,seok-17"),
    "red_lines": (
        "Seoul's lethal supply drives Moscow toward collapse; Moscow's rung 3+ is Seoul's red line",
        "asmolov-18,asmolov-19,seok-7",
    ),
    "intolerable_event": ("an atrocity lowers Seoul's threshold for lethal aid", "asmolov-15"),
    "technology_irreversible": ("technology once transferred cannot be taken back", "seok-7"),
    "collapse_absorbing": (
        "relations once collapsed stay collapsed within the horizon",
        "asmolov-13",
    ),
    "collapse_needs_red_line": (
        "Moscow severs ties only once Seoul has crossed its red line "
        "(lethal supply; indirect counts only if read as direct)",
        "asmolov-13,asmolov-19,asmolov-18",
    ),
    "one_rung_a_month": (
        "Moscow, Pyongyang and NATO move one rung a month at most",
        "assumption: great-power moves are incremental",
    ),
    "postwar_liability": ("after a ceasefire Pyongyang is more liability than asset", "seok-2"),
}


def _one_rung(current: np.ndarray, k: int) -> np.ndarray:
    return ladder_steps(current, k) > 1


class Actor(mesa.Agent):
    """Shared plumbing: parameters, the ensemble size and the decision recorder."""

    name = "actor"

    def __init__(self, model):
        super().__init__(model)
        self.p = model.params  # scalars or (R,) arrays: for per-replication arithmetic
        self.k = model.columns  # scalars or (R, 1) arrays: for (R x options) terms
        self.R = model.reps

    DECISIONS: dict[str, list[str]] = {}

    def blocked_for(self, decision: str) -> dict[str, np.ndarray]:
        """The rules that block options of `decision` now: rule name -> (R x K) mask."""
        return {}

    def choose(self, decision, options, terms, blocked, current, gumbel):
        """The logit choice, unless a player holds this seat and has chosen.

        A player's move (model.forced) replaces the draw only where the rules allow
        it; where they do not, the actor holds. The model's own choice is kept for
        the record either way.
        """
        shape = (self.R, len(options))
        terms = {k: np.broadcast_to(v, shape) for k, v in terms.items()}
        utility = total_utility(terms)
        allowed = allowed_mask(blocked, current, len(options))
        model_choice = logit_choice(utility, allowed, gumbel, self.k.decision.rationality)
        choice = model_choice
        forced = self.model.forced.get((self.name, decision))
        if forced is not None:
            ok = allowed[np.arange(self.R), np.clip(forced, 0, len(options) - 1)]
            choice = np.where(forced < 0, model_choice, np.where(ok, forced, current))
        self.model.trace_decision(
            self.name,
            decision,
            options,
            terms,
            blocked,
            allowed,
            utility,
            choice,
            current,
            model_choice,
            forced,
        )
        return choice


class Pyongyang(Actor):
    """Trades shells and troops for rewards; wants Moscow indebted before the war ends."""

    name = "pyongyang"
    DECISIONS = {"shipments": SHELL_MOVES, "troops": TROOP_LEVELS, "provocation": PROVOCATION}

    def current(self, decision: str) -> np.ndarray:
        return {
            "shipments": np.ones(self.R, int),
            "troops": self.troops,
            "provocation": np.zeros(self.R, int),
        }[decision]

    def blocked_for(self, decision):
        return {"one_rung_a_month": _one_rung(self.troops, 3)} if decision == "troops" else {}

    def __init__(self, model, state):
        super().__init__(model)
        self.troops = state["pyongyang_troops"]
        self.shells = state["pyongyang_shells"]
        self.supplied = state["pyongyang_supplied"]
        self.provocation = np.zeros(self.R, dtype=bool)

    def leverage(self) -> np.ndarray:
        """Grows with troops and with the value of shells supplied relative to GDP (seok-3, seok-7)."""
        q = self.p.pyongyang
        debt = self.supplied * q.value_per_shell / 1e9 / q.gdp_bn
        lev = 0.5 * self.troops / 2 + 0.5 * np.minimum(debt / 0.2, 1.0)
        return np.where(self.model.ceasefire, lev * q.postwar_leverage, lev)

    def step(self):
        q, m = self.k.pyongyang, self.model
        war = (~m.ceasefire).astype(float)
        reward = m.moscow.reward_value()

        # Shipments: cut, hold or raise by a quarter, within production capacity.
        g = np.array([-1.0, 0.0, 1.0])
        new = np.minimum(self.shells[:, None] * (1 + 0.25 * g), q.max_shells_per_month)
        cap = np.maximum(q.max_shells_per_month, 1.0)
        terms = {
            "indebt_moscow": q.indebt_weight * 0.5 * war[:, None] * g,
            "capacity_strain": -2.0 * ((new / cap) ** 2 - (self.shells[:, None] / cap) ** 2),
            "no_buyer_after_ceasefire": -3.0 * (1 - war)[:, None] * g,
            "change_cost": -q.change_cost * np.abs(g),
        }
        move = self.choose(
            "shipments",
            SHELL_MOVES,
            terms,
            {},
            np.ones(self.R, int),
            m.rng.gumbel(size=(self.R, 3)),
        )
        self.shells = new[np.arange(self.R), move]
        self.supplied = self.supplied + self.shells * war

        # Troops: none, deployed, reinforced; one level a month; home after a ceasefire.
        t = np.arange(3) / 2
        terms = {
            "indebt_moscow": q.indebt_weight * war[:, None] * t,
            "reward_expected": q.reciprocity_weight * reward[:, None] * t,
            "casualty_cost": -q.casualty_weight * t**2,
            "war_over": -5.0 * (1 - war)[:, None] * t,
            "change_cost": -q.change_cost * ladder_steps(self.troops, 3),
        }
        self.troops = self.choose(
            "troops",
            TROOP_LEVELS,
            terms,
            self.blocked_for("troops"),
            self.troops,
            m.rng.gumbel(size=(self.R, 3)),
        )

        # Provocations on the Peninsula, emboldened by Russian backing (seok-6).
        backing = reward + 0.3 * m.treaty + 0.2 * self.troops / 2
        terms = {
            "emboldened": q.provocation_weight * backing[:, None] * np.array([0.0, 1.0]),
            "restraint": -q.provocation_restraint * np.array([0.0, 1.0]),
        }
        forced = m.forced_provocation
        pick = self.choose(
            "provocation",
            PROVOCATION,
            terms,
            {},
            np.zeros(self.R, int),
            m.rng.gumbel(size=(self.R, 2)),
        )
        self.provocation = (pick == 1) | forced


class Moscow(Actor):
    """Rewards Pyongyang and sets its posture toward Seoul."""

    name = "moscow"
    DECISIONS = {"reward": MOSCOW_REWARDS, "posture": MOSCOW_POSTURES}
    VALUE = np.array([0.0, 0.25, 0.5, 0.8, 1.0])
    IRREVERSIBILITY = np.array([0.0, 0.0, 0.3, 1.0, 2.0])
    CROSSES_SEOUL_LINE = np.array([0.0, 0.0, 0.0, 1.0, 1.0])
    HOSTILITY = np.array([0.0, 1 / 3, 2 / 3, 1.0])
    RELATIONS_LOST = np.array([0.0, 0.2, 0.8, 2.5])

    def __init__(self, model, state):
        super().__init__(model)
        self.reward = state["moscow_reward"]
        self.max_reward = state["moscow_max_reward"]
        self.posture = state["moscow_posture"]

    def reward_value(self) -> np.ndarray:
        return self.VALUE[self.reward]

    def red_line_signal(self, seoul_rung: np.ndarray) -> np.ndarray:
        """How much Seoul's current rung reads as lethal supply to Moscow (asmolov-18)."""
        q = self.p.moscow
        indirect = np.where(q.indirect_counts_as_direct, 1.0, q.indirect_weight)
        # rungs 0-1: Seoul joined the sanctions (asmolov-2); 2: defensive weapons
        base = np.array([0.2, 0.2, 0.35, 0.0, 1.0, 1.5])[seoul_rung]
        return np.where(seoul_rung == LETHAL, indirect, base)

    def rule_technology_irreversible(self) -> np.ndarray:
        """Technology once given stays given (seok-7): no going below the highest tech rung."""
        tech_floor = np.where(self.max_reward >= 2, self.max_reward, 0)
        return np.arange(5)[None, :] < tech_floor[:, None]

    def rule_collapse_absorbing(self) -> np.ndarray:
        return (self.posture == 3)[:, None] & (np.arange(4)[None, :] < 3)

    def seoul_crossed(self) -> np.ndarray:
        """Has Seoul ever crossed Moscow's red line? Indirect supply counts only if the
        hawks' reading holds (asmolov-18); otherwise only direct offensive supply does."""
        max_rung = self.model.seoul.max_rung
        return np.where(
            self.p.moscow.indirect_counts_as_direct, max_rung >= LETHAL, max_rung >= OFFENSIVE
        )

    def rule_collapse_needs_red_line(self) -> np.ndarray:
        """Ties are severed over the red line, not before it (asmolov-13, asmolov-19)."""
        blocked = np.zeros((self.R, 4), dtype=bool)
        blocked[:, 3] = ~self.seoul_crossed() & (self.posture < 3)
        return blocked

    def current(self, decision: str) -> np.ndarray:
        return self.reward if decision == "reward" else self.posture

    def blocked_for(self, decision):
        if decision == "reward":
            return {
                "one_rung_a_month": _one_rung(self.reward, 5),
                "technology_irreversible": self.rule_technology_irreversible(),
            }
        return {
            "one_rung_a_month": _one_rung(self.posture, 4),
            "collapse_absorbing": self.rule_collapse_absorbing(),
            "collapse_needs_red_line": self.rule_collapse_needs_red_line(),
        }

    def step(self):
        q, m = self.k.moscow, self.model
        seoul_lethal = self.seoul_crossed().astype(float)[:, None]
        leverage = m.pyongyang.leverage()[:, None]
        war = (~m.ceasefire)[:, None]
        terms = {
            "pyongyang_leverage": q.leverage_weight * leverage * self.VALUE,
            "irreversibility": -q.irreversibility_weight
            * 2
            * (1 - q.tech_transfer_propensity)
            * self.IRREVERSIBILITY,
            "deterring_seoul": -q.deterrence_weight * (1 - seoul_lethal) * self.CROSSES_SEOUL_LINE,
            "punishing_seoul": q.deterrence_weight * seoul_lethal * self.CROSSES_SEOUL_LINE,
            "postwar_liability": -q.leverage_weight * 0.5 * (~war) * self.VALUE,
            "change_cost": -q.change_cost * ladder_steps(self.reward, 5),
        }
        self.reward = self.choose(
            "reward",
            MOSCOW_REWARDS,
            terms,
            self.blocked_for("reward"),
            self.reward,
            m.rng.gumbel(size=(self.R, 5)),
        )
        self.max_reward = np.maximum(self.max_reward, self.reward)

        signal = self.red_line_signal(m.seoul.rung)[:, None]
        terms = {
            "red_line_response": q.red_line_weight * signal * self.HOSTILITY,
            "relations_value": -q.relations_weight * self.RELATIONS_LOST,
            "change_cost": -q.change_cost * ladder_steps(self.posture, 4),
        }
        self.posture = self.choose(
            "posture",
            MOSCOW_POSTURES,
            terms,
            self.blocked_for("posture"),
            self.posture,
            m.rng.gumbel(size=(self.R, 4)),
        )


class Nato(Actor):
    """Presses Seoul, driven by Ukraine's shortage and Pyongyang's escalation."""

    name = "nato"
    DECISIONS = {"pressure": NATO_RUNGS}
    LEVEL = np.arange(4) / 3

    def current(self, decision: str) -> np.ndarray:
        return self.rung

    def blocked_for(self, decision):
        return {"one_rung_a_month": _one_rung(self.rung, 4)}

    def __init__(self, model, state):
        super().__init__(model)
        self.rung = state["nato_rung"]

    def pressure(self) -> np.ndarray:
        """Effective pressure on Seoul, 0-1: intensity times how far up the ladder NATO is."""
        return self.p.nato.pressure * self.LEVEL[self.rung]

    def step(self):
        q, m = self.k.nato, self.model
        need = self.p.war.ukraine_shortage * np.where(
            m.ceasefire, 1 - self.p.war.ceasefire_damping, 1.0
        )
        escalation = (
            m.pyongyang.troops / 2 + 0.3 * m.pyongyang.provocation + m.moscow.reward_value()
        )
        terms = {
            "ukraine_shortage": q.shortage_weight * need[:, None] * self.LEVEL,
            "dprk_escalation": q.escalation_weight * escalation[:, None] * self.LEVEL,
            "respect_seoul_constraints": -q.restraint_weight * self.LEVEL**2,
            "change_cost": -q.change_cost * ladder_steps(self.rung, 4),
        }
        self.rung = self.choose(
            "pressure",
            NATO_RUNGS,
            terms,
            self.blocked_for("pressure"),
            self.rung,
            m.rng.gumbel(size=(self.R, 4)),
        )


class Seoul(Actor):
    """Climbs or holds its assistance ladder under domestic, legal and doctrinal limits."""

    name = "seoul"
    DECISIONS = {"assistance": SEOUL_RUNGS}
    LEVEL = np.array([0.0, 0.2, 0.45, 0.7, 0.9, 1.0])
    DOMESTIC_COST = np.array([0.0, 0.05, 0.25, 1.0, 1.6, 3.0])
    EXPORT_GAIN = np.array([0.0, 0.0, 0.2, 0.5, 1.0, 0.0])
    RETALIATION = np.array([0.0, 0.0, 0.15, 1.0, 1.0, 1.2])

    def __init__(self, model, state):
        super().__init__(model)
        for key in (
            "rung",
            "max_rung",
            "been_defensive",
            "approved_rung",
            "cooldown",
            "votes",
            "approvals",
            "stockpile",
            "min_stockpile",
            "days_transferred",
            "opposition",
            "support",
            "opinion_anchor",
            "intolerable_left",
            "coop_mark",
            "ever_lethal",
        ):
            setattr(self, key, state[f"seoul_{key}"])
        self.transfer = np.zeros(self.R)
        self.voted = np.zeros(self.R, dtype=bool)
        self.passed = np.zeros(self.R, dtype=bool)

    # --- the rules, each a mask of blocked rungs (R x 6) ---------------------------
    def rule_step_by_step(self) -> np.ndarray:
        q = self.k.seoul
        return (ladder_steps(self.rung, 6) > q.max_rungs_per_step) & q.step_by_step

    def rule_corresponding_measures(self, cooperation: np.ndarray) -> np.ndarray:
        """Step up only after new Russia-DPRK cooperation or an atrocity, with NATO engaged."""
        trigger = (cooperation > self.coop_mark) | (self.intolerable_left > 0)
        coordinated = self.model.nato.rung >= 1
        can_rise = trigger & coordinated
        return (
            (np.arange(6)[None, :] > self.rung[:, None])
            & ~can_rise[:, None]
            & self.k.seoul.step_by_step
        )

    def rule_defensive_first(self) -> np.ndarray:
        return (np.arange(6)[None, :] >= LETHAL) & ~self.been_defensive[:, None]

    def rule_no_troops(self) -> np.ndarray:
        blocked = np.zeros((self.R, 6), dtype=bool)
        blocked[:, TROOPS] = self.p.seoul.troops_excluded
        return blocked

    def rule_stockpile_floor(self) -> np.ndarray:
        """No stepping up to a shell-transfer rung the stockpile cannot feed for a month."""
        q = self.p.seoul
        refilled = np.minimum(
            self.stockpile + q.production_days_per_month,
            np.maximum(q.stockpile_days, self.stockpile),
        )
        headroom = refilled - q.min_stockpile_days
        need = self.transfer_need()
        blocked = (need > headroom[:, None] + 1e-9) & (need > 0)
        return blocked & (np.arange(6)[None, :] > self.rung[:, None])

    def rule_assembly_approval(self) -> np.ndarray:
        return (
            np.arange(6)[None, :] > self.approved_rung[:, None]
        ) & self.k.seoul.assembly_approval_required

    def transfer_need(self) -> np.ndarray:
        """Days of stockpile each rung sends a month (R x 6)."""
        q = self.p.seoul
        need = np.zeros((self.R, 6))
        need[:, LETHAL] = q.transfer_days_indirect
        need[:, OFFENSIVE] = q.transfer_days_direct
        need[:, TROOPS] = q.transfer_days_direct
        return need

    # --- the decision -----------------------------------------------------------------
    def threat(self) -> np.ndarray:
        m = self.model
        reward = m.moscow.reward
        return (
            0.25 * m.pyongyang.troops
            + 0.15 * reward
            + 0.6 * (reward >= SEOUL_RED_LINE)
            + 0.2 * m.pyongyang.provocation
            + 0.1 * m.treaty
        )

    def terms(self) -> dict[str, np.ndarray]:
        q, m = self.k.seoul, self.model
        war = np.where(m.ceasefire, 1 - self.p.war.ceasefire_damping, 1.0)[:, None]
        pull = (self.p.seoul.global_role + m.nato.pressure())[:, None] * war
        ties_left = (m.moscow.posture < 3) * (1 - 0.5 * (m.moscow.max_reward >= SEOUL_RED_LINE))
        mood = self.opposition * (1 - self.p.seoul.approval) / 0.8
        retaliation = np.broadcast_to(self.RETALIATION, (self.R, 6)).copy()
        mo = self.p.moscow
        retaliation[:, LETHAL] = np.where(mo.indirect_counts_as_direct, 1.0, mo.indirect_weight)
        return {
            "threat_response": q.threat_weight * self.threat()[:, None] * self.LEVEL,
            "alliance_pressure": q.alliance_weight * pull * self.LEVEL,
            "domestic_cost": -q.domestic_cost_weight * mood[:, None] * self.DOMESTIC_COST,
            "retaliation_risk": -q.retaliation_weight * ties_left[:, None] * retaliation,
            "economic_gain": q.export_weight * war * self.EXPORT_GAIN,
            "intolerable_event": q.atrocity_weight
            * (self.intolerable_left > 0)[:, None]
            * (np.arange(6) >= LETHAL),
            "change_cost": -q.change_cost * ladder_steps(self.rung, 6),
        }

    def cooperation(self) -> np.ndarray:
        m = self.model
        shipments = m.pyongyang.shells / np.maximum(self.p.pyongyang.shells_per_month, 1.0)
        return m.moscow.max_reward + m.pyongyang.troops + m.treaty + shipments

    def current(self, decision: str) -> np.ndarray:
        return self.rung

    def blocked_for(self, decision="assistance"):
        """Every rule but the Assembly's, which is settled by a vote within the month."""
        return {
            "step_by_step": self.rule_step_by_step(),
            "corresponding_measures": self.rule_corresponding_measures(self.cooperation()),
            "defensive_first": self.rule_defensive_first(),
            "no_troops": self.rule_no_troops(),
            "stockpile_floor": self.rule_stockpile_floor(),
        }

    def step(self):
        q, m = self.p.seoul, self.model
        cooperation = self.cooperation()
        terms = self.terms()
        blocked = self.blocked_for()
        gumbel = m.rng.gumbel(size=(self.R, 6))
        utility = total_utility(terms)
        pre_allowed = allowed_mask(blocked, self.rung, 6)
        wish = logit_choice(utility, pre_allowed, gumbel, self.k.decision.rationality)
        forced = m.forced.get((self.name, "assistance"))
        if forced is not None:  # a player's wish, if the other rules allow it
            ok = pre_allowed[np.arange(self.R), np.clip(forced, 0, 5)]
            wish = np.where(forced < 0, wish, np.where(ok, forced, self.rung))

        # National Assembly: a wish for an unapproved rung is put to a vote.
        line_draw = m.rng.random(self.R)
        needs_vote = (wish > self.approved_rung) & q.assembly_approval_required
        self.voted = needs_vote & (self.cooldown == 0)
        self.passed = self.voted & self.assembly_vote(line_draw)
        self.votes += self.voted
        self.approvals += self.passed
        self.approved_rung = np.where(
            self.passed, np.where(wish >= TROOPS, TROOPS, OFFENSIVE), self.approved_rung
        )
        self.cooldown = np.where(
            self.voted & ~self.passed, q.vote_cooldown_months, np.maximum(self.cooldown - 1, 0)
        )
        blocked["assembly_approval"] = self.rule_assembly_approval()
        previous = self.rung
        self.rung = self.choose("assistance", SEOUL_RUNGS, terms, blocked, self.rung, gumbel)
        m.trace_vote(self.voted, self.passed, self.yes_votes)

        stepped_up = self.rung > previous
        self.coop_mark = np.where(stepped_up, cooperation, self.coop_mark)
        self.been_defensive |= self.rung >= 2
        self.max_rung = np.maximum(self.max_rung, self.rung)
        self.entered_lethal = (self.rung >= LETHAL) & ~self.ever_lethal
        self.ever_lethal |= self.rung >= LETHAL
        self.move_shells()

    def assembly_vote(self, line_draw: np.ndarray) -> np.ndarray:
        """A roll-call vote from seat shares, party discipline and public opinion.

        The opposition decides a party line (for only when public support nears
        its threshold); each member follows the line with probability
        `party_discipline`, otherwise votes with the public. The ruling bloc
        backs its government's motion with the same discipline.
        """
        q, m = self.p.seoul, self.model
        opp_seats = m.opposition_seats
        ruling_seats = 300 - opp_seats
        support = self.support
        line_for = line_draw < 1 / (1 + np.exp(-(support - q.opposition_party_threshold) / 0.08))
        d = q.party_discipline
        p_opp = np.where(line_for, d, 0.0) + (1 - d) * support
        p_ruling = d + (1 - d) * support
        # Normal approximation to the two binomial seat counts: a fixed number of draws
        # per month keeps common random numbers exact when seat shares change.
        z = m.rng.standard_normal((2, self.R))
        yes = np.zeros(self.R)
        for n, p, zk in ((opp_seats, p_opp, z[0]), (ruling_seats, p_ruling, z[1])):
            yes += np.clip(np.rint(n * p + np.sqrt(n * p * (1 - p)) * zk), 0, n)
        self.yes_votes = yes.astype(int)
        return self.yes_votes >= 151

    def move_shells(self):
        """Shell transfers at rungs 3-4, capped so the stockpile never breaks the floor (seok-16)."""
        q = self.p.seoul
        self.stockpile = np.minimum(
            self.stockpile + q.production_days_per_month,
            np.maximum(q.stockpile_days, self.stockpile),
        )
        want = self.transfer_need()[np.arange(self.R), self.rung] * (~self.model.ceasefire)
        room = np.maximum(self.stockpile - q.min_stockpile_days, 0.0)
        self.transfer = np.minimum(want, room)
        self.stockpile = self.stockpile - self.transfer
        self.days_transferred = self.days_transferred + self.transfer
        self.min_stockpile = np.minimum(self.min_stockpile, self.stockpile)

    def update_opinion(self, shocks: np.ndarray):
        """Public opposition: events shift it, shocks fade toward the anchor (seok-13)."""
        q, m = self.p.seoul, self.model
        noise = m.rng.normal(size=self.R) * q.opinion_noise
        self.opposition = np.clip(
            self.opposition
            + q.opinion_reversion * (self.opinion_anchor - self.opposition)
            + shocks
            + noise,
            0.01,
            0.99,
        )
        self.support = np.clip(
            q.public_support + q.public_opposition - self.opposition, 0.0, 1.0 - self.opposition
        )
