"""The four actors: each one's state, declared once, and every rule it obeys.

Each agent holds its state as numpy arrays of length R (one entry per
replication) and decides for all replications at once: it scores each option on
its ladder as a sum of named terms, masks the options its rules block, and draws
a logit choice (see choice.py). Read a class top to bottom to see all of one
actor's rules; each rule is a method named ``rule_*`` returning a boolean mask of
blocked options (R x K), so it can be tested on its own. The state an actor
carries from month to month is its ``STATE`` table: the world-state snapshot,
its schema and the start of a run are all read from it.

Moving down a ladder is not the mirror of moving up: each actor pays
``retreat_cost`` per rung given up, and the commitment rules say what may drive
a retreat at all (a ceasefire, a new government, a reward that failed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtr

from .choice import allowed_mask, ladder_steps, logit_choice, move_costs

SEOUL_RUNGS = [
    "humanitarian, reconstruction and financial aid ($2.3 bn package, NATO Trust Fund)",
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
TROOP_LEVELS = ["no troops", "deployed", "reinforced"]
SHELL_MOVES = ["cut shipments", "hold shipments", "raise shipments"]
PROVOCATION = ["no provocation", "military provocation on the Peninsula"]
NATO_RUNGS = [
    "statements",
    "welcoming support and coordinating",
    "intelligence sharing",
    "concrete requests (Patriot missiles, shells)",
]

WEAPONS = 2  # Seoul's first weapons rung (Cheongung)
LETHAL = 3  # Seoul's first lethal rung; also Moscow's red line
OFFENSIVE = 4
TROOPS = 5
SEOUL_RED_LINE = 3  # Moscow's reward rungs 3-4 cross Seoul's red line
COLLAPSE = 3  # Moscow's posture "relations collapse"
ASSEMBLY_SEATS = 300  # assembly-1: a motion passes with a majority of the 300 members

# Named rules: what each blocks or weighs, and the evidence it rests on.
RULES = {
    "public_opinion": (
        "opposition to lethal weapons raises the cost of every weapons rung and moves with events",
        "seok-13,seok-14",
    ),
    "assembly_approval": (
        "rungs the law reserves to the National Assembly need a passed vote: defensive weapons "
        "(a switch), lethal supply and troops",
        "asmolov-16,asmolov-17,seok-15",
    ),
    "stockpile_floor": (
        "shell transfers may not take the stockpile below the minimum days",
        "seok-16",
    ),
    "step_by_step": ("Seoul moves at most max_rungs_per_step rungs a month", "seok-11"),
    "corresponding_measures": (
        "Seoul rises to a rung only when the level of Russia-DPRK military cooperation justifies "
        "it (or after an intolerable event), in coordination with NATO",
        "seok-10,asmolov-11,asmolov-15",
    ),
    "defensive_first": (
        "direct offensive weapons only after Seoul has supplied weapons of a lower rung "
        "(Cheongung first, or shells by the indirect track)",
        "seok-18,seok-19",
    ),
    "indirect_track": (
        "indirect lethal supply may come straight from non-lethal support, without Cheongung first",
        "asmolov-18,asmolov-23",
    ),
    "no_troops": ("troops (rung 5) are excluded", "seok-12,seok-17"),
    "standing_commitments": (
        "Seoul keeps the assistance it has promised unless a ceasefire, a new government or a "
        "fall in Russia-DPRK cooperation gives it cause to step back",
        "asmolov-14,seok-11",
    ),
    "government_paralysed": (
        "a paralysed government (impeachment, acting president) cannot change course",
        "assumption: an acting president keeps policy as it stands",
    ),
    "red_lines": (
        "Seoul's lethal supply drives Moscow toward collapse; Moscow's rung 3+ is Seoul's red line",
        "asmolov-18,asmolov-19,seok-7",
    ),
    "intolerable_event": (
        "an atrocity lowers Seoul's threshold for weapons",
        "asmolov-15",
    ),
    "technology_irreversible": ("technology once transferred cannot be taken back", "seok-7"),
    "reward_earned": (
        "Moscow does not cut its reward below what the troops it employs have earned",
        "seok-4",
    ),
    "collapse_absorbing": (
        "relations once collapsed stay collapsed within the horizon",
        "asmolov-13",
    ),
    "collapse_needs_red_line": (
        "Moscow severs ties only once Seoul has crossed its red line "
        "(lethal supply; indirect counts only if the hawks' reading prevails)",
        "asmolov-13,asmolov-19,asmolov-18",
    ),
    "troops_stay": (
        "DPRK troops stay while the war goes on unless Moscow's reward falls short of what they "
        "earned for months",
        "seok-2,seok-4",
    ),
    "one_rung_a_month": (
        "Moscow, Pyongyang and NATO move one rung a month at most",
        "assumption: great-power moves are incremental",
    ),
    "postwar_liability": ("after a ceasefire Pyongyang is more liability than asset", "seok-2"),
}


@dataclass(frozen=True)
class Var:
    """One state variable of an actor: its type, its value at the start of a run, its meaning."""

    dtype: type
    start: Callable[[Any], Any]  # ParamView -> scalar or (R,) array
    meaning: str


def _one_rung(current: np.ndarray, k: int) -> np.ndarray:
    return ladder_steps(current, k) > 1


class Actor(mesa.Agent):
    """Shared plumbing: parameters, the ensemble size, state and the decision recorder."""

    name = "actor"
    DECISIONS: dict[str, list[str]] = {}
    STATE: dict[str, Var] = {}

    def __init__(self, model, state: dict[str, np.ndarray]):
        super().__init__(model)
        self.p = model.params  # scalars or (R,) arrays: for per-replication arithmetic
        self.k = model.columns  # scalars or (R, 1) arrays: for (R x options) terms
        self.R = model.reps
        self._tables: dict[str, np.ndarray] = {}
        for key in self.STATE:  # each declared in STATE and annotated on the class
            setattr(self, key, state[f"{self.name}_{key}"])

    def _fixed(self, name: str, *values) -> np.ndarray:
        """A per-option table that depends on parameters only, built once per parameter set
        (`RedlineModel.set_parameters` clears these)."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = self._table(*values)
        return table

    def _table(self, *values) -> np.ndarray:
        """Per-option values (scalars or per-replication parameters) as an R x K table."""
        if not any(isinstance(v, np.ndarray) and v.ndim for v in values):  # all scalars
            return np.broadcast_to(np.array(values, dtype=float), (self.R, len(values)))
        out = np.empty((self.R, len(values)))
        for j, v in enumerate(values):
            out[:, j] = np.ravel(v) if np.ndim(v) else v
        return out

    def snapshot(self, i: int) -> dict[str, Any]:
        return {f"{self.name}_{k}": getattr(self, k)[i] for k in self.STATE}

    def blocked_for(self, decision: str) -> dict[str, np.ndarray]:
        """The rules that block options of `decision` now: rule name -> (R x K) mask."""
        return {}

    def choose(self, decision, options, terms, blocked, current, gumbel, utility=None):
        """The logit choice, unless a player holds this seat and has chosen.

        A player's move (`RedlineModel.force`) replaces the draw only where the rules
        allow it; where they do not, the actor holds. The model's own choice is kept
        for the record either way.
        """
        shape = (self.R, len(options))
        if utility is None:  # the sum of the terms, unless the caller has it already
            utility = np.zeros(shape)
            for v in terms.values():
                utility += v
        if self.model.trace_ids:  # the record reads each term per replication and option
            terms = {k: np.broadcast_to(v, shape) for k, v in terms.items()}
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
    """Trades shells and troops for rewards; wants Moscow indebted before the war ends (seok-2)."""

    name = "pyongyang"
    DECISIONS = {"shipments": SHELL_MOVES, "troops": TROOP_LEVELS, "provocation": PROVOCATION}
    STATE = {
        "troops": Var(int, lambda p: p.pyongyang.troops_deployed, "troop level in Russia's war"),
        "max_troops": Var(int, lambda p: p.pyongyang.troops_deployed, "highest troop level so far"),
        "shells": Var(float, lambda p: p.pyongyang.shells_per_month, "shells shipped a month"),
        "supplied": Var(float, lambda p: p.pyongyang.shells_supplied, "shells supplied to date"),
        "combat_months": Var(int, lambda p: 0, "months DPRK troops have fought"),
        "shortfall_months": Var(int, lambda p: 0, "months Moscow's reward fell short"),
    }
    troops: np.ndarray
    max_troops: np.ndarray
    shells: np.ndarray
    supplied: np.ndarray
    combat_months: np.ndarray
    shortfall_months: np.ndarray

    def __init__(self, model, state):
        super().__init__(model, state)
        self.provocation = np.zeros(self.R, dtype=bool)  # this month's, read by the others
        self.month_start_troops = self.troops.copy()  # before this month's injects
        self.withdrew = np.zeros(self.R, dtype=bool)  # troops brought home mid-war this month

    def current(self, decision: str) -> np.ndarray:
        return {
            "shipments": np.ones(self.R, int),
            "troops": self.troops,
            "provocation": np.zeros(self.R, int),
        }[decision]

    def leverage(self) -> np.ndarray:
        """Grows with troops and with the value of shells supplied relative to GDP (seok-3, seok-7)."""
        q = self.p.pyongyang
        debt = self.supplied * q.value_per_shell / 1e9 / q.gdp_bn
        troop_share = q.leverage_troop_share
        lev = troop_share * self.troops / 2 + (1 - troop_share) * np.minimum(
            debt / q.debt_saturation, 1.0
        )
        return np.where(self.model.ceasefire, lev * q.postwar_leverage, lev)

    # --- rules -----------------------------------------------------------------------
    def rule_troops_stay(self) -> np.ndarray:
        """No withdrawal while the war goes on, unless Moscow's reward has failed for months."""
        q = self.p.pyongyang
        cause = self.model.ceasefire | (self.shortfall_months >= q.patience_months)
        down = np.arange(3)[None, :] < self.troops[:, None]
        return down & ~cause[:, None]

    def blocked_for(self, decision):
        if decision == "troops":
            return {
                "one_rung_a_month": _one_rung(self.troops, 3),
                "troops_stay": self.rule_troops_stay(),
            }
        return {}

    def step(self):
        """Shipments, then troops, then whether to provoke on the Peninsula."""
        q, m = self.k.pyongyang, self.model
        war = (~m.ceasefire).astype(float)
        reward = m.moscow.reward_value()

        # Shipments: cut, hold or raise by a step, within production capacity.
        g = np.array([-1.0, 0.0, 1.0])
        new = np.minimum(self.shells[:, None] * (1 + q.shipment_step * g), q.max_shells_per_month)
        cap = np.maximum(q.max_shells_per_month, 1.0)
        terms = {
            "indebt_moscow": q.indebt_weight * war[:, None] * (new - self.shells[:, None]) / cap,
            "capacity_strain": -q.capacity_strain_weight
            * ((new / cap) ** 2 - (self.shells[:, None] / cap) ** 2),
            "no_buyer_after_ceasefire": -q.postwar_shipment_cost * (1 - war)[:, None] * g,
            "change_cost": -q.change_cost * np.abs(g),
        }
        move = self.choose(
            "shipments",
            SHELL_MOVES,
            terms,
            {},
            np.ones(self.R, int),
            m.shocks("pyongyang", "shipments"),
        )
        self.shells = new[np.arange(self.R), move]
        self.supplied = self.supplied + self.shells * war

        # Troops: none, deployed, reinforced; one level a month; they stay while the war lasts.
        t = np.arange(3) / 2
        terms = {
            "indebt_moscow": q.indebt_weight * war[:, None] * t,
            "reward_expected": q.reciprocity_weight * reward[:, None] * t,
            "casualty_cost": -q.casualty_weight * t**2,
            "war_over": -q.postwar_troop_cost * (1 - war)[:, None] * t,
            "change_cost": -move_costs(self.troops, 3, q.change_cost, q.retreat_cost),
        }
        before = self.troops
        self.troops = self.choose(
            "troops",
            TROOP_LEVELS,
            terms,
            self.blocked_for("troops"),
            self.troops,
            m.shocks("pyongyang", "troops"),
        )
        self.withdrew = (self.troops == 0) & (before >= 1) & ~m.ceasefire
        # Troops fight from their second month in Russia (the record: deployed in October
        # and November 2024, in combat from December): they were there when the month began.
        fighting = (self.month_start_troops >= 1) & (self.troops >= 1) & ~m.ceasefire
        self.combat_months = self.combat_months + fighting

        # Provocations on the Peninsula, emboldened by Russian backing (seok-6).
        p = self.p.pyongyang  # (R,) values for per-replication arithmetic
        backing = reward + p.treaty_backing * m.treaty + p.troop_backing * self.troops / 2
        terms = {
            "emboldened": q.provocation_weight * backing[:, None] * np.array([0.0, 1.0]),
            "restraint": -q.provocation_restraint * np.array([0.0, 1.0]),
        }
        pick = self.choose(
            "provocation",
            PROVOCATION,
            terms,
            {},
            np.zeros(self.R, int),
            m.shocks("pyongyang", "provocation"),
        )
        self.provocation = (pick == 1) | m.forced_provocation

    def after_moscow(self, reward: np.ndarray):
        """Count the months Moscow's reward falls short of what the troops have earned."""
        short = (reward < self.model.moscow.earned(self.troops)) & (self.troops >= 1)
        self.shortfall_months = np.where(short, self.shortfall_months + 1, 0)
        self.max_troops = np.maximum(self.max_troops, self.troops)


class Moscow(Actor):
    """Rewards Pyongyang and sets its posture toward Seoul."""

    name = "moscow"
    DECISIONS = {"reward": MOSCOW_REWARDS, "posture": MOSCOW_POSTURES}
    STATE = {
        "reward": Var(int, lambda p: p.moscow.initial_reward_rung, "reward rung to Pyongyang"),
        "max_reward": Var(int, lambda p: p.moscow.initial_reward_rung, "highest reward so far"),
        "posture": Var(int, lambda p: p.moscow.initial_posture, "posture toward Seoul"),
        "max_posture": Var(int, lambda p: p.moscow.initial_posture, "harshest posture so far"),
        "distrust": Var(float, lambda p: p.moscow.sanctions_signal, "memory of Seoul's hostility"),
        "hawks": Var(bool, lambda p: False, "the hawks' reading of indirect supply prevails"),
    }
    reward: np.ndarray
    max_reward: np.ndarray
    posture: np.ndarray
    max_posture: np.ndarray
    distrust: np.ndarray
    hawks: np.ndarray

    def __init__(self, model, state):
        super().__init__(model, state)
        self.cut_while_troops = np.zeros(self.R, dtype=bool)  # reward cut this month mid-fight

    def current(self, decision: str) -> np.ndarray:
        return self.reward if decision == "reward" else self.posture

    def value_table(self) -> np.ndarray:
        """What each reward is worth to Pyongyang, 0-1 (nuclear technology is 1)."""
        q = self.p.moscow
        return self._fixed(
            "value",
            0.0,
            q.reward_value_material,
            q.reward_value_conventional,
            q.reward_value_missile,
            1.0,
        )

    def reward_value(self) -> np.ndarray:
        return self.value_table()[np.arange(self.R), self.reward]

    def earned(self, troops: np.ndarray) -> np.ndarray:
        """The reward rung troops in the fight have earned (seok-4); none when no troops."""
        q = self.p.moscow
        return np.select(
            [troops >= 2, troops >= 1], [q.earned_reward_reinforced, q.earned_reward_deployed], 0
        )

    def counts_as_direct(self) -> np.ndarray:
        """Indirect supply reads as direct where the switch is on and the hawks prevail."""
        return self.p.moscow.indirect_counts_as_direct & self.hawks

    def red_line_signal(self, seoul_rung: np.ndarray) -> np.ndarray:
        """How hostile Seoul's current rung reads in Moscow, 0 (none) to 1 (lethal supply)."""
        q = self.p.moscow
        indirect = np.where(self.counts_as_direct(), 1.0, q.indirect_weight)
        signals = self._table(
            q.sanctions_signal,
            q.sanctions_signal,
            q.defensive_signal,
            indirect,
            1.0,
            q.troops_signal,
        )
        return signals[np.arange(self.R), seoul_rung]

    # --- rules -----------------------------------------------------------------------
    def rule_technology_irreversible(self) -> np.ndarray:
        """Technology once given stays given (seok-7): no going below the highest tech rung."""
        tech_floor = np.where(self.max_reward >= 2, self.max_reward, 0)
        return np.arange(5)[None, :] < tech_floor[:, None]

    def rule_reward_earned(self) -> np.ndarray:
        """No cut below what the troops fighting for Moscow have earned (seok-4)."""
        m = self.model
        floor = np.where(m.ceasefire, 0, self.earned(m.pyongyang.troops))
        k = np.arange(5)[None, :]
        return (k < self.reward[:, None]) & (k < floor[:, None])

    def rule_collapse_absorbing(self) -> np.ndarray:
        """Relations once severed stay severed within the horizon (asmolov-13)."""
        return (self.posture == COLLAPSE)[:, None] & (np.arange(4)[None, :] < COLLAPSE)

    def seoul_crossed(self) -> np.ndarray:
        """Has Seoul ever crossed Moscow's red line? Indirect supply counts only if the
        hawks' reading prevails (asmolov-18); otherwise only direct offensive supply does."""
        max_rung = self.model.seoul.max_rung
        return np.where(self.counts_as_direct(), max_rung >= LETHAL, max_rung >= OFFENSIVE)

    def rule_collapse_needs_red_line(self) -> np.ndarray:
        """Ties are severed over the red line, not before it (asmolov-13, asmolov-19)."""
        blocked = np.zeros((self.R, 4), dtype=bool)
        blocked[:, COLLAPSE] = ~self.seoul_crossed() & (self.posture < COLLAPSE)
        return blocked

    def blocked_for(self, decision):
        if decision == "reward":
            return {
                "one_rung_a_month": _one_rung(self.reward, 5),
                "technology_irreversible": self.rule_technology_irreversible(),
                "reward_earned": self.rule_reward_earned(),
            }
        return {
            "one_rung_a_month": _one_rung(self.posture, 4),
            "collapse_absorbing": self.rule_collapse_absorbing(),
            "collapse_needs_red_line": self.rule_collapse_needs_red_line(),
        }

    def step(self):
        """The reward to Pyongyang, then the posture toward Seoul."""
        q, m = self.k.moscow, self.model
        seoul_lethal = self.seoul_crossed().astype(float)[:, None]
        leverage = m.pyongyang.leverage()[:, None]
        war = (~m.ceasefire)[:, None]
        value = self.value_table()
        p = self.p.moscow
        irreversibility = self._fixed(
            "irreversibility",
            0.0,
            0.0,
            p.irreversibility_conventional,
            p.irreversibility_missile,
            p.irreversibility_nuclear,
        )
        crosses = (np.arange(5) >= SEOUL_RED_LINE).astype(float)
        terms = {
            "pyongyang_leverage": q.leverage_weight * leverage * value,
            "irreversibility": -q.irreversibility_weight
            * (1 - q.tech_transfer_propensity)
            * irreversibility,
            "deterring_seoul": -q.deterrence_weight * (1 - seoul_lethal) * crosses,
            "punishing_seoul": q.deterrence_weight * seoul_lethal * crosses,
            "postwar_liability": -q.leverage_weight * q.postwar_liability * (~war) * value,
            "change_cost": -move_costs(self.reward, 5, q.reward_change_cost, q.retreat_cost),
        }
        before = self.reward
        self.reward = self.choose(
            "reward",
            MOSCOW_REWARDS,
            terms,
            self.blocked_for("reward"),
            self.reward,
            m.shocks("moscow", "reward"),
        )
        self.max_reward = np.maximum(self.max_reward, self.reward)
        self.cut_while_troops = (self.reward < before) & (m.pyongyang.troops >= 1) & ~m.ceasefire
        m.pyongyang.after_moscow(self.reward)

        signal = self.red_line_signal(m.seoul.rung)
        hostility = np.arange(4) / 3
        lost = self._fixed("lost", 0.0, p.warnings_loss, p.hostile_loss, p.collapse_loss)
        terms = {
            "red_line_response": q.red_line_weight * signal[:, None] * hostility,
            "distrust": q.distrust_weight * self.distrust[:, None] * hostility,
            "relations_value": -q.relations_weight * lost,
            "change_cost": -move_costs(self.posture, 4, q.change_cost, q.retreat_cost),
        }
        self.posture = self.choose(
            "posture",
            MOSCOW_POSTURES,
            terms,
            self.blocked_for("posture"),
            self.posture,
            m.shocks("moscow", "posture"),
        )
        self.max_posture = np.maximum(self.max_posture, self.posture)
        keep = self.p.moscow.distrust_memory
        self.distrust = keep * self.distrust + (1 - keep) * signal


class Nato(Actor):
    """Presses Seoul, driven by Ukraine's shortage and Pyongyang's escalation."""

    name = "nato"
    DECISIONS = {"pressure": NATO_RUNGS}
    STATE = {"rung": Var(int, lambda p: p.nato.initial_rung, "how hard NATO presses Seoul")}
    rung: np.ndarray

    def current(self, decision: str) -> np.ndarray:
        return self.rung

    def blocked_for(self, decision):
        return {"one_rung_a_month": _one_rung(self.rung, 4)}

    def level(self) -> np.ndarray:
        return np.arange(4) / 3

    def pressure(self) -> np.ndarray:
        """Effective pressure on Seoul, 0-1: intensity times how far up the ladder NATO is."""
        return self.p.nato.pressure * self.rung / 3

    def step(self):
        """How hard to press Seoul this month."""
        q, m = self.k.nato, self.model
        need = self.p.war.ukraine_shortage * np.where(
            m.ceasefire, 1 - self.p.war.ceasefire_damping, 1.0
        )
        escalation = (
            m.pyongyang.troops / 2
            + self.p.nato.provocation_signal * m.pyongyang.provocation
            + m.moscow.reward_value()
        )
        level = self.level()
        terms = {
            "ukraine_shortage": q.shortage_weight * need[:, None] * level,
            "dprk_escalation": q.escalation_weight * escalation[:, None] * level,
            "respect_seoul_constraints": -q.restraint_weight * level**2,
            "change_cost": -move_costs(self.rung, 4, q.change_cost, q.retreat_cost),
        }
        self.rung = self.choose(
            "pressure",
            NATO_RUNGS,
            terms,
            self.blocked_for("pressure"),
            self.rung,
            m.shocks("nato", "pressure"),
        )


def _approved_at_start(p) -> Any:
    """A world starts with its current assistance approved (and anything lethal it already sends)."""
    s = p.seoul
    return np.maximum(s.approved_at_start, s.initial_rung)


def _opinion_at_start(p) -> Any:
    """The poll's opposition, shifted once for DPRK troop levels above those it saw."""
    s = p.seoul
    above = np.maximum(np.asarray(p.pyongyang.troops_deployed) - s.poll_troop_level, 0)
    return s.public_opposition - s.opinion_shift_troops * above


class Seoul(Actor):
    """Climbs, holds or steps back on its assistance ladder under domestic, legal and doctrinal limits."""

    name = "seoul"
    DECISIONS = {"assistance": SEOUL_RUNGS}
    STATE = {
        "rung": Var(int, lambda p: p.seoul.initial_rung, "assistance rung"),
        "start_rung": Var(int, lambda p: p.seoul.initial_rung, "rung at the start of the run"),
        "max_rung": Var(int, lambda p: p.seoul.initial_rung, "highest rung so far"),
        "approved_rung": Var(int, _approved_at_start, "highest rung the Assembly has approved"),
        "cooldown": Var(int, lambda p: 0, "months before a new motion after a failed one"),
        "last_refusal": Var(int, lambda p: -1, "month index of the last failed motion (-1 none)"),
        "votes": Var(int, lambda p: 0, "Assembly votes held"),
        "approvals": Var(int, lambda p: 0, "Assembly votes passed"),
        "motions_blocked": Var(int, lambda p: 0, "motions kept from the floor"),
        "stockpile": Var(float, lambda p: p.seoul.stockpile_days, "days of ammunition"),
        "min_stockpile": Var(float, lambda p: p.seoul.stockpile_days, "lowest stockpile so far"),
        "days_transferred": Var(float, lambda p: 0.0, "days of ammunition sent so far"),
        "opinion": Var(float, _opinion_at_start, "latent opposition to weapons"),
        "opinion_anchor": Var(float, _opinion_at_start, "where opinion settles"),
        "approval": Var(float, lambda p: p.seoul.approval, "the government's approval"),
        "approval_base": Var(float, lambda p: p.seoul.approval, "its approval without shocks"),
        "global_role": Var(float, lambda p: p.seoul.global_role, "the government's global pull"),
        "relations_factor": Var(
            float, lambda p: 1.0, "how much the government values ties with Moscow"
        ),
        "domestic_factor": Var(float, lambda p: 1.0, "how much the government heeds opinion"),
        "threat_factor": Var(
            float, lambda p: 1.0, "how far the government answers the threat with assistance"
        ),
        "intolerable_left": Var(int, lambda p: 0, "months an atrocity still weighs"),
        "paralysed_left": Var(int, lambda p: 0, "months the government cannot change course"),
        "review_left": Var(int, lambda p: 0, "months a new government may step back"),
        "ever_weapons": Var(bool, lambda p: p.seoul.initial_rung >= WEAPONS, "weapons sent"),
        "ever_lethal": Var(bool, lambda p: p.seoul.initial_rung >= LETHAL, "lethal supply sent"),
    }
    rung: np.ndarray
    start_rung: np.ndarray
    max_rung: np.ndarray
    approved_rung: np.ndarray
    cooldown: np.ndarray
    last_refusal: np.ndarray
    votes: np.ndarray
    approvals: np.ndarray
    motions_blocked: np.ndarray
    stockpile: np.ndarray
    min_stockpile: np.ndarray
    days_transferred: np.ndarray
    opinion: np.ndarray
    opinion_anchor: np.ndarray
    approval: np.ndarray
    approval_base: np.ndarray
    global_role: np.ndarray
    relations_factor: np.ndarray
    domestic_factor: np.ndarray
    threat_factor: np.ndarray
    intolerable_left: np.ndarray
    paralysed_left: np.ndarray
    review_left: np.ndarray
    ever_weapons: np.ndarray
    ever_lethal: np.ndarray

    def __init__(self, model, state):
        super().__init__(model, state)
        self.transfer = np.zeros(self.R)  # days of stockpile sent this month
        self.voted = np.zeros(self.R, dtype=bool)  # this month's Assembly business
        self.passed = np.zeros(self.R, dtype=bool)
        self.tabled = np.zeros(self.R, dtype=bool)
        self.motion = np.zeros(self.R, dtype=bool)
        self.yes_votes = np.zeros(self.R, dtype=int)
        self._line = np.zeros(self.R)  # the opposition's line this month
        self.entered_weapons = np.zeros(self.R, dtype=bool)
        self.entered_lethal = np.zeros(self.R, dtype=bool)

    def current(self, decision: str = "assistance") -> np.ndarray:
        return self.rung

    @property
    def support(self) -> np.ndarray:
        """Support for weapons: the undecided share stays as the poll found it (seok-13)."""
        q = self.p.seoul
        return np.clip(q.public_support + q.public_opposition - self.opinion, 0.0, 1 - self.opinion)

    # --- what the rungs mean (R x 6 tables read from parameters) -------------------
    def level(self) -> np.ndarray:
        """How much each rung answers the threat and the allies' pull (troops = 1)."""
        q = self.p.seoul
        return self._fixed(
            "level",
            0.0,
            q.level_non_lethal,
            q.level_defensive,
            q.level_indirect,
            q.level_offensive,
            1.0,
        )

    def domestic_cost(self) -> np.ndarray:
        """Each rung's domestic cost as a share of lethal supply's (lethal = 1)."""
        q = self.p.seoul
        return self._fixed(
            "domestic_cost",
            0.0,
            q.domestic_cost_non_lethal,
            q.domestic_cost_defensive,
            1.0,
            q.domestic_cost_offensive,
            q.domestic_cost_troops,
        )

    def needs_vote(self) -> np.ndarray:
        """Which rungs the law reserves to the Assembly, by the three switches (R x 6)."""
        q = self.p.seoul
        return self._fixed(
            "needs_vote",
            False,
            False,
            q.defensive_needs_approval,
            q.assembly_approval_required,
            q.assembly_approval_required,
            q.troops_need_approval,
        ).astype(bool)

    def threat(self) -> np.ndarray:
        """The level of Russia-DPRK military cooperation and the threat it poses to Seoul.

        Troops, technology, the treaty and combat experience each add; shipments do not
        (their month-to-month noise is no new cooperation). More of any never lowers it.
        """
        q, m = self.p.seoul, self.model
        experience = np.minimum(m.pyongyang.combat_months / q.combat_experience_months, 1.0)
        return (
            q.threat_troops * m.pyongyang.troops
            + q.threat_technology * m.moscow.reward
            + q.threat_red_line * (m.moscow.max_reward >= SEOUL_RED_LINE)
            + q.threat_treaty * m.treaty
            + q.threat_combat_experience * experience
        )

    # --- the rules, each a mask of blocked rungs (R x 6) ---------------------------
    def rule_step_by_step(self) -> np.ndarray:
        """At most max_rungs_per_step up a month; indirect supply from rung 1 is one step."""
        q = self.k.seoul
        steps = ladder_steps(self.rung, 6)
        indirect = (self.rung == 1)[:, None] & (np.arange(6) == LETHAL)[None, :]
        steps = np.where(indirect, 1, steps)
        return (steps > q.max_rungs_per_step) & q.step_by_step

    def rule_corresponding_measures(self, threat: np.ndarray) -> np.ndarray:
        """A rung above non-lethal support needs the cooperation level that justifies it
        (or an atrocity), with NATO engaged (asmolov-11, seok-10)."""
        k = np.arange(6)[None, :]
        justified = threat[:, None] >= self.k.seoul.cooperation_per_rung * (k - 1)
        justified = justified | (self.intolerable_left > 0)[:, None]
        coordinated = (self.model.nato.rung >= 1)[:, None]
        rising = k > self.rung[:, None]
        return rising & ~(justified & coordinated) & self.k.seoul.step_by_step

    def rule_defensive_first(self) -> np.ndarray:
        """Direct offensive weapons only after a lower weapons rung (seok-18, seok-19)."""
        return (np.arange(6)[None, :] >= OFFENSIVE) & (self.max_rung < WEAPONS)[:, None]

    def rule_no_troops(self) -> np.ndarray:
        """No troops while the pledge holds (seok-12, seok-17)."""
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

    def rule_standing_commitments(self, threat: np.ndarray) -> np.ndarray:
        """No stepping back without a cause: a ceasefire, a new government reviewing its
        predecessor's course, or a level of cooperation that no longer justifies the rung."""
        q, m = self.p.seoul, self.model
        receded = threat < q.cooperation_per_rung * (self.rung - 1)
        cause = m.ceasefire | (self.review_left > 0) | receded
        return (np.arange(6)[None, :] < self.rung[:, None]) & ~cause[:, None]

    def rule_government_paralysed(self) -> np.ndarray:
        """Only holding is open while the government cannot change course."""
        return (np.arange(6)[None, :] != self.rung[:, None]) & (self.paralysed_left > 0)[:, None]

    def rule_assembly_approval(self) -> np.ndarray:
        """Rungs the law reserves to the Assembly, above what it has approved."""
        return (np.arange(6)[None, :] > self.approved_rung[:, None]) & self.needs_vote()

    def transfer_need(self) -> np.ndarray:
        """Days of stockpile each rung sends a month (R x 6)."""
        q = self.p.seoul
        need = np.zeros((self.R, 6))
        need[:, LETHAL] = q.transfer_days_indirect
        need[:, OFFENSIVE] = q.transfer_days_direct
        need[:, TROOPS] = q.transfer_days_direct
        return need

    def blocked_for(self, decision="assistance", threat=None):
        """Every rule but the Assembly's, which is settled by a vote within the month."""
        threat = self.threat() if threat is None else threat
        return {
            "step_by_step": self.rule_step_by_step(),
            "corresponding_measures": self.rule_corresponding_measures(threat),
            "defensive_first": self.rule_defensive_first(),
            "no_troops": self.rule_no_troops(),
            "stockpile_floor": self.rule_stockpile_floor(),
            "standing_commitments": self.rule_standing_commitments(threat),
            "government_paralysed": self.rule_government_paralysed(),
        }

    # --- the decision -----------------------------------------------------------------
    def terms(self, threat: np.ndarray) -> dict[str, np.ndarray]:
        q, m = self.k.seoul, self.model
        p = self.p.seoul
        war = np.where(m.ceasefire, 1 - self.p.war.ceasefire_damping, 1.0)[:, None]
        level = self.level()
        k = np.arange(6)
        weapons = (k >= WEAPONS).astype(float)
        lethal = (k >= LETHAL).astype(float)
        pull = (self.global_role + m.nato.pressure())[:, None] * war
        red = m.moscow.max_reward >= SEOUL_RED_LINE
        ties_left = (m.moscow.posture < COLLAPSE) * (1 - (1 - p.ties_after_red_line) * red)
        mood = (self.opinion / p.mood_reference_opposition) * (
            (1 - self.approval) / (1 - p.mood_reference_approval)
        )
        retaliation = self._fixed(
            "retaliation",
            0.0,
            0.0,
            p.retaliation_defensive,
            np.where(m.moscow.counts_as_direct(), 1.0, self.p.moscow.indirect_weight),
            p.retaliation_offensive,
            p.retaliation_troops,
        )
        export = self._fixed(
            "export", 0.0, 0.0, p.export_gain_defensive, p.export_gain_indirect, 1.0, 0.0
        )
        shipping = (m.pyongyang.shells > 0) & ~m.ceasefire
        return {
            "threat_response": q.threat_weight * (self.threat_factor * threat)[:, None] * level,
            "alliance_pressure": q.alliance_weight * pull * level,
            "ukraine_situation": q.shortage_weight * self.k.war.ukraine_shortage * war * level,
            "right_to_do_the_same": q.sanctions_breach_weight * shipping[:, None] * lethal,
            "domestic_cost": -q.domestic_cost_weight
            * (self.domestic_factor * mood)[:, None]
            * self.domestic_cost(),
            "joining_the_war": -q.joining_war_cost * weapons,
            "retaliation_risk": -q.retaliation_weight
            * (self.relations_factor * ties_left)[:, None]
            * retaliation,
            "economic_gain": q.export_weight * war * export,
            "intolerable_event": q.atrocity_weight * (self.intolerable_left > 0)[:, None] * weapons,
            "peninsula_caution": -q.peninsula_caution * m.pyongyang.provocation[:, None] * weapons,
            "ratification_prospect": -q.ratification_weight
            * (1 - self.pass_chance(threat))[:, None]
            * self.rule_assembly_approval(),
            "change_cost": -move_costs(self.rung, 6, q.change_cost, q.retreat_cost),
        }

    def step(self):
        """Choose a rung; a rung the Assembly must approve goes to a motion and a vote first."""
        q, m = self.p.seoul, self.model
        threat = self.threat()
        terms = self.terms(threat)
        blocked = self.blocked_for(threat=threat)
        gumbel = m.shocks("seoul", "assistance")
        utility = np.zeros((self.R, 6))
        for v in terms.values():
            utility += v
        pre_allowed = allowed_mask(blocked, self.rung, 6)
        wish = logit_choice(utility, pre_allowed, gumbel, self.k.decision.rationality)
        forced = m.forced.get((self.name, "assistance"))
        if forced is not None:  # a player's wish, if the other rules allow it
            ok = pre_allowed[np.arange(self.R), np.clip(forced, 0, 5)]
            wish = np.where(forced < 0, wish, np.where(ok, forced, self.rung))

        # National Assembly: a wish for a rung it must approve becomes a government motion.
        floor_draw = m.rng.random(self.R)
        z = m.rng.standard_normal((3, self.R))
        needs = self.needs_vote()[np.arange(self.R), wish] & (wish > self.approved_rung)
        cooling = self.cooldown > 0  # no new motion this month
        self.motion = needs & ~cooling
        self.assembly_vote(floor_draw, z)
        self.votes += self.voted
        self.approvals += self.passed
        self.motions_blocked += self.motion & ~self.tabled
        self.approved_rung = np.where(self.passed, wish, self.approved_rung)
        refused = self.motion & ~self.passed
        self.cooldown = np.where(refused, q.vote_cooldown_months, np.maximum(self.cooldown - 1, 0))
        self.last_refusal = np.where(refused, m.first_month + m.t, self.last_refusal)
        # The Assembly blocks a rung only where a motion failed or none could be put: a rung
        # Seoul did not seek stays open (it would have gone to a motion), so the record of the
        # month says what Seoul chose, not what a vote it never called would have done. The
        # choice is the same either way: the wish is still the best option left open.
        blocked["assembly_approval"] = self.rule_assembly_approval() & (refused | cooling)[:, None]
        self.rung = self.choose(
            "assistance", SEOUL_RUNGS, terms, blocked, self.rung, gumbel, utility
        )
        m.trace_vote(self.motion, self.tabled, self.passed, self.yes_votes)

        self.max_rung = np.maximum(self.max_rung, self.rung)
        self.entered_weapons = (self.rung >= WEAPONS) & ~self.ever_weapons
        self.entered_lethal = (self.rung >= LETHAL) & ~self.ever_lethal
        self.ever_weapons |= self.rung >= WEAPONS
        self.ever_lethal |= self.rung >= LETHAL
        self.move_shells()

    def opposition_line(self, threat: np.ndarray | None = None) -> np.ndarray:
        """How far the opposition's line backs a motion, 0-1 (asmolov-17).

        It reads public support against its threshold; refuses more the weaker the
        government is ('purely factional reasons': the factional term grows as
        approval falls); and backs it more as the threat to Korea itself grows (the
        Democrats are 'pro-Ukrainian in general', and security is not factional).
        """
        q = self.p.seoul
        threat = self.threat() if threat is None else threat
        z = (
            (self.support - q.opposition_party_threshold) / q.opposition_line_width
            - q.factional_weight * (1 - self.approval)
            + q.opposition_security_weight * threat
        )
        return 1 / (1 + np.exp(-z))

    def _blocs(self, line: np.ndarray):
        """(seats, probability each member votes yes) for the three blocs."""
        q, m = self.p.seoul, self.model
        opp = m.opposition_seats
        minor = np.minimum(q.assembly_minor_opposition_seats, opp)
        d, r = q.party_discipline, q.ruling_discipline
        p_ruling = r + (1 - r) * self.support
        p_opposition = d * line + (1 - d) * q.opposition_pro_ukraine
        return (ASSEMBLY_SEATS - opp, opp - minor, minor), (p_ruling, p_opposition, p_opposition)

    def floor_chance(self, line: np.ndarray) -> np.ndarray:
        """The chance a motion reaches the floor: an opposition-held Speaker and committees
        table it as readily as the opposition leans toward it, at least `floor_access`."""
        q, m = self.p.seoul, self.model
        hostile = m.opposition_seats >= ASSEMBLY_SEATS // 2 + 1
        return np.where(hostile, q.floor_access + (1 - q.floor_access) * line, 1.0)

    def pass_chance(self, threat: np.ndarray) -> np.ndarray:
        """What the government expects of a motion: reaching the floor and a majority there
        (the normal approximation the vote itself uses)."""
        line = self._line = self.opposition_line(threat)
        seats, probs = self._blocs(line)
        mean = sum(n * p for n, p in zip(seats, probs))
        sd = np.sqrt(sum(n * p * (1 - p) for n, p in zip(seats, probs))) + 1e-9
        majority = ASSEMBLY_SEATS // 2 + 1
        return self.floor_chance(line) * ndtr((mean - (majority - 0.5)) / sd)

    def assembly_vote(self, floor_draw: np.ndarray, z: np.ndarray) -> None:
        """A government motion: does it reach the floor, and how many of 300 vote for it?

        Three blocs: the ruling bloc backs its government; the Democratic Party bloc
        and the smaller opposition parties follow the opposition's line. Each member
        follows the bloc's line with probability `party_discipline`; a member who
        breaks ranks votes with the bloc's own leaning (the ruling bloc's with the
        public, the opposition's with its pro-Ukrainian position in general).
        """
        line = self._line  # as the government read it this month (terms -> pass_chance)
        blocs, probs = self._blocs(line)
        majority = ASSEMBLY_SEATS // 2 + 1
        self.tabled = self.motion & (floor_draw < self.floor_chance(line))
        # Normal approximation to the binomial seat counts: a fixed number of draws
        # per month keeps common random numbers exact when seat shares change.
        yes = np.zeros(self.R)
        for n, p, zk in zip(blocs, probs, z):
            yes += np.clip(np.rint(n * p + np.sqrt(n * p * (1 - p)) * zk), 0, n)
        self.yes_votes = np.where(self.tabled, yes, 0).astype(int)
        self.voted = self.tabled
        self.passed = self.tabled & (self.yes_votes >= majority)

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

    def end_of_month(self, shocks: np.ndarray):
        """Opinion and approval answer this month's events once, then settle (seok-13, seok-14)."""
        q = self.p.seoul
        self.opinion = np.clip(
            self.opinion + q.opinion_reversion * (self.opinion_anchor - self.opinion) + shocks,
            0.01,
            0.99,
        )
        self.approval = np.clip(
            self.approval
            + q.approval_reversion * (self.approval_base - self.approval)
            - q.approval_cost_weapons * self.entered_weapons
            - q.approval_cost_lethal * self.entered_lethal,
            0.01,
            0.99,
        )
        for counter in ("intolerable_left", "paralysed_left", "review_left"):
            setattr(self, counter, np.maximum(getattr(self, counter) - 1, 0))

    def poll(self) -> np.ndarray:
        """A poll: the latent opposition measured with sampling error (it does not move opinion)."""
        noise = self.model.rng.normal(size=self.R) * self.p.seoul.poll_noise
        return np.clip(self.opinion + noise, 0.0, 1.0)
