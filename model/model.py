"""The Mesa model: one instance advances an ensemble of R replications a month at a time.

Order within a month (each actor sees what the earlier ones did this month):
the ceasefire draw, scheduled injects, Pyongyang, Moscow, NATO, Seoul (with any
Assembly motion and shell transfer), then public opinion, approval and the poll.
The random draws are made in a fixed order every month, so results depend only
on the scenario, parameters, seed and number of replications.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from .agents import (
    LETHAL,
    RULES,
    SEOUL_RED_LINE,
    Moscow,
    Nato,
    Pyongyang,
    Seoul,
    Var,
)
from .choice import probabilities, runner_up
from .outcomes import OUTCOMES
from .parameters import SPECS, ParamView
from .scenario import Scenario, month_index, month_label

ACTOR_CLASSES = (Pyongyang, Moscow, Nato, Seoul)  # the order they move in

# Where each decision's Gumbel shocks sit in the month's one draw (actor, decision) -> slice.
_SHOCKS: dict[tuple[str, str], slice] = {}
for _cls in ACTOR_CLASSES:
    for _decision, _options in _cls.DECISIONS.items():
        _start = sum(s.stop - s.start for s in _SHOCKS.values())
        _SHOCKS[(_cls.name, _decision)] = slice(_start, _start + len(_options))
_BELOW_ONE = np.nextafter(1.0, 0.0)


def gumbel(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Standard Gumbel draws, the values of `rng.gumbel(size=size)` to the last bit or two
    (numpy's own method: -log(-log(1 - U)) from the same uniforms) at a quarter of its time:
    numpy's Gumbel calls the C library's log twice per draw, this calls numpy's vectorised
    log on the whole array. The month's noise was a sixth of a run's time."""
    u = rng.random(size=size)
    np.subtract(1.0, u, out=u)
    np.minimum(u, _BELOW_ONE, out=u)  # numpy redraws U = 0, whose Gumbel is infinite
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    return np.negative(u, out=u)


SHOCK_WIDTH = sum(s.stop - s.start for s in _SHOCKS.values())

# Per-month series recorded for every replication (name -> dtype).
SERIES = {
    "seoul_rung": np.int8,
    "moscow_reward_rung": np.int8,
    "moscow_posture": np.int8,
    "pyongyang_troops": np.int8,
    "pyongyang_shells": np.float64,
    "pyongyang_provocation": np.bool_,
    "nato_rung": np.int8,
    "nato_pressure": np.float64,
    "threat": np.float64,
    "public_opposition": np.float64,
    "public_opposition_poll": np.float64,
    "public_support": np.float64,
    "approval": np.float64,
    "stockpile_days": np.float64,
    "shells_transferred": np.float64,
    "assembly_motion": np.bool_,
    "assembly_vote": np.bool_,
    "assembly_passed": np.bool_,
    "assembly_yes": np.int16,
    "assembly_approved": np.bool_,
    "ceasefire": np.bool_,
}

# What belongs to the world rather than to one actor.
WORLD_STATE = {
    "ceasefire": Var(bool, lambda p: False, "a ceasefire in Ukraine holds"),
    "treaty": Var(bool, lambda p: p.pyongyang.treaty_ratified, "the Russia-DPRK treaty in force"),
    "opposition_seats": Var(
        int, lambda p: p.seoul.assembly_opposition_seats, "opposition seats in the Assembly"
    ),
}

# The state of one world: every variable the dynamics carry from month to month,
# read from the actors' STATE tables (outcome trackers included, so a branched
# ensemble carries its history).
STATE_VARS: dict[str, Var] = {
    **{f"{cls.name}_{k}": v for cls in ACTOR_CLASSES for k, v in cls.STATE.items()},
    **{f"world_{k}": v for k, v in WORLD_STATE.items()},
}
STATE_FIELDS = {k: v.dtype for k, v in STATE_VARS.items()}


@dataclass
class WorldState:
    """A snapshot of one world at the end of a month; `simulate` can branch from it."""

    month: str  # the last month already played (YYYY-MM)
    step: int  # months played since the scenario's start
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"month": self.month, "step": self.step, "values": dict(self.values)}

    @classmethod
    def from_dict(cls, data: dict) -> WorldState:
        missing = set(STATE_FIELDS) - set(data["values"])
        if missing:
            raise ValueError(f"world state lacks {sorted(missing)}")
        return cls(
            data["month"],
            int(data["step"]),
            {k: STATE_FIELDS[k](data["values"][k]) for k in STATE_FIELDS},
        )


def initial_state(params: ParamView) -> dict:
    """Every state variable at the start of a run, from the parameters."""
    return {k: v.start(params) for k, v in STATE_VARS.items()}


def _arrays(state: dict, reps: int) -> dict:
    return {k: np.full(reps, v, dtype=np.dtype(STATE_FIELDS[k])) for k, v in state.items()}


class RedlineModel(mesa.Model):
    """The ensemble: R replications of one scenario, advanced together a month per step.

    Everything outside the model talks to it through a few named calls: `force`
    (a player's move this month), `schedule` (an inject), `set_parameters` (a
    parameter that changes mid-run), `blocking_rules` (why an option is refused
    now) and `world_state` (a snapshot to branch from).
    """

    def __init__(
        self,
        scenario: Scenario,
        reps: int,
        seed: int,
        *,
        start: WorldState | None = None,
        months: int | None = None,
        trace: list[int] | None = None,
        varying: dict[str, np.ndarray] | None = None,
    ):
        super().__init__(rng=np.random.default_rng(np.random.SeedSequence(seed)))
        self.scenario, self.reps = scenario, reps
        # `varying`: parameters that differ per replication (sweeps), as (R,) arrays
        self.varying = varying
        self.params = ParamView(scenario.parameters, varying)
        self.columns = ParamView(scenario.parameters, varying, column=True)
        first = month_index(scenario.start)
        self.offset = start.step if start else 0
        self.first_month = first + self.offset
        self.months = months if months is not None else scenario.horizon_months - self.offset
        state = _arrays(start.values if start else initial_state(self.params), reps)
        if start is None:  # does the hawks' reading of indirect supply prevail in this world?
            state["moscow_hawks"] = self.rng.random(reps) < self.params.moscow.hawks_prevail
        self.ceasefire = state["world_ceasefire"]
        self.treaty = state["world_treaty"]
        self.opposition_seats = state["world_opposition_seats"].astype(np.int64)
        self.forced_provocation = np.zeros(reps, dtype=bool)
        # (actor, decision) -> option per replication (-1: the model decides); one month only
        self.forced: dict[tuple[str, str], np.ndarray] = {}
        self.injects: dict[int, list] = {}
        for inj in scenario.injects:
            self.schedule(inj, month_index(inj.month) - self.first_month)

        # The four actors, created in the order they move.
        self.pyongyang = Pyongyang(self, state)
        self.moscow = Moscow(self, state)
        self.nato = Nato(self, state)
        self.seoul = Seoul(self, state)
        self.actors = (self.pyongyang, self.moscow, self.nato, self.seoul)

        self.series = {k: np.zeros((self.months, reps), dtype=v) for k, v in SERIES.items()}
        self.first = {name: np.full(reps, -1, dtype=np.int32) for name in OUTCOMES}
        self._mark_first(-1)
        self.trace_ids = list(trace or [])
        self.log: list[dict] = []
        self._current: dict = {}
        self.t = 0

    # --- what the outside may do -------------------------------------------------------
    def force(self, actor: str, decision: str, option) -> None:
        """A player's move for this month only: `option` (an index, or one per replication,
        -1 letting the model decide). The rules still apply; where they block it the actor holds."""
        self.forced[(actor, decision)] = np.broadcast_to(
            np.asarray(option, dtype=np.int64), (self.reps,)
        ).copy()

    def schedule(self, inject, month: int | None = None) -> None:
        """Add an inject (`model.scenario.Inject`) to a month counted from this run's start
        (default: the month about to be played)."""
        self.injects.setdefault(self.t if month is None else month, []).append(inject)

    def shocks(self, actor: str, decision: str) -> np.ndarray:
        """This month's Gumbel shocks for one decision (R x options), from the month's one draw."""
        return self._shocks[:, _SHOCKS[(actor, decision)]]

    def set_parameters(self, parameters) -> None:
        """Change parameters mid-run (a facilitator's custom inject); state is kept."""
        self.scenario = self.scenario.model_copy(update={"parameters": parameters})
        self.params = ParamView(parameters, self.varying)
        self.columns = ParamView(parameters, self.varying, column=True)
        for agent in self.actors:
            agent.p, agent.k = self.params, self.columns
            agent._tables = {}

    def blocking_rules(self, actor: str, decision: str) -> list[list[str]]:
        """For replication 0: the rules that would block each option if chosen now.

        The Assembly's rule is named only where a vote cannot be held this month (a
        refusal's cooling-off); where a motion would be put, the option is open and
        its fate is the vote's.
        """
        agent = getattr(self, actor)
        blocked = agent.blocked_for(decision)
        labels = agent.DECISIONS[decision]
        out = [[name for name, mask in blocked.items() if mask[0, k]] for k in range(len(labels))]
        if actor == "seoul":
            s = self.seoul
            needs = s.needs_vote()[0] & (np.arange(len(labels)) > s.approved_rung[0])
            if s.cooldown[0] > 0:
                for k in np.flatnonzero(needs):
                    out[k].append("assembly_approval")
        return out

    def needs_motion(self, rung: int) -> bool:
        """Would Seoul moving to `rung` (replication 0) need an Assembly vote now?"""
        s = self.seoul
        return bool(s.needs_vote()[0, rung] and rung > s.approved_rung[0])

    # --- the monthly schedule ---------------------------------------------------------
    def step(self):
        t = self.t
        red_before = self.moscow.max_reward >= SEOUL_RED_LINE
        troops_before = self.pyongyang.max_troops.copy()
        self._current = {
            "month": month_label(self.first_month + t),
            "injects": [],
            "decisions": [],
            "votes": [],
        }
        cf_draw = self.rng.random(self.reps)  # drawn first so common random numbers hold
        self._shocks = gumbel(self.rng, (self.reps, SHOCK_WIDTH))  # every choice's noise
        self.pyongyang.month_start_troops = self.pyongyang.troops.copy()
        shocks = self.apply_injects(self.injects.get(t, []))
        self.ceasefire = self.ceasefire | (cf_draw < self.params.war.ceasefire_hazard)

        for actor in self.actors:
            actor.step()

        q = self.params.seoul
        shocks -= q.opinion_shift_troops * (self.pyongyang.troops > troops_before)
        shocks -= q.opinion_shift_red_line * (
            (self.moscow.max_reward >= SEOUL_RED_LINE) & ~red_before
        )
        shocks += q.opinion_backlash_lethal * self.seoul.entered_lethal
        self.seoul.end_of_month(shocks)
        self.pyongyang.max_troops = np.maximum(self.pyongyang.max_troops, self.pyongyang.troops)
        self.forced_provocation[:] = False
        self.forced = {}
        self.record(t)
        if self.trace_ids:
            self.log.append(self._current)
        self.t += 1

    def run(self, progress=None):
        for _ in range(self.months):
            self.step()
            if progress:
                progress(1)
        return self

    def apply_injects(self, injects) -> np.ndarray:
        """Scheduled injects hit every replication at the start of their month."""
        shocks = np.zeros(self.reps)
        q = self.params.seoul
        s, py, mo = self.seoul, self.pyongyang, self.moscow
        for inj in injects:
            if inj.type == "ceasefire":
                self.ceasefire[:] = True
            elif inj.type == "troops_deployed":
                py.troops = np.maximum(py.troops, 1)
            elif inj.type == "troops_reinforced":
                py.troops = np.full(self.reps, 2, dtype=py.troops.dtype)
            elif inj.type == "treaty_ratified":
                self.treaty[:] = True
            elif inj.type == "provocation":
                self.forced_provocation[:] = True
            elif inj.type == "technology_transfer":
                rung = int(inj.value if inj.value is not None else 3)
                mo.reward = np.maximum(mo.reward, rung)
                mo.max_reward = np.maximum(mo.max_reward, rung)
            elif inj.type == "atrocity":
                s.intolerable_left[:] = q.atrocity_memory_months
                shocks -= q.opinion_shift_atrocity
            elif inj.type == "assembly_majority_change":
                self.opposition_seats[:] = int(inj.value)
            elif inj.type == "poll_shift":
                shocks += inj.value
                s.opinion_anchor = np.clip(s.opinion_anchor + inj.value, 0.01, 0.99)
            elif inj.type == "government_change":
                approval = q.approval if inj.approval is None else inj.approval
                role = (
                    q.global_role if inj.preference == "global-pivotal" else q.pragmatic_global_role
                )
                s.global_role = np.full(self.reps, role, dtype=float)
                s.approval = np.full(self.reps, approval, dtype=float)
                s.approval_base = s.approval.copy()
                pragmatic = inj.preference == "pragmatic"
                s.relations_factor = np.full(
                    self.reps, q.pragmatic_relations_factor if pragmatic else 1.0
                )
                s.domestic_factor = np.full(
                    self.reps, q.pragmatic_domestic_factor if pragmatic else 1.0
                )
                s.threat_factor = np.full(
                    self.reps, q.pragmatic_threat_factor if pragmatic else 1.0
                )
                s.review_left[:] = q.new_government_review_months
                s.paralysed_left[:] = 0
            elif inj.type == "government_paralysis":
                s.paralysed_left[:] = np.maximum(s.paralysed_left, inj.months)
            elif inj.type == "set":
                value = bool(inj.value) if SPECS[inj.parameter].kind is bool else inj.value
                self.set_parameters(
                    self.scenario.with_overrides({inj.parameter: value}, "set inject").parameters
                )
                q = self.params.seoul
            self._current["injects"].append(
                {"type": inj.type, "value": inj.value, "note": inj.note}
                | {
                    k: getattr(inj, k)
                    for k in ("parameter", "preference", "approval", "months")
                    if getattr(inj, k) is not None
                }
            )
        return shocks

    # --- recording ----------------------------------------------------------------------
    def record(self, t: int):
        s, mo, py, na = self.seoul, self.moscow, self.pyongyang, self.nato
        row = {
            "seoul_rung": s.rung,
            "moscow_reward_rung": mo.reward,
            "moscow_posture": mo.posture,
            "pyongyang_troops": py.troops,
            "pyongyang_shells": py.shells,
            "pyongyang_provocation": py.provocation,
            "nato_rung": na.rung,
            "nato_pressure": na.pressure(),
            "threat": s.threat(),
            "public_opposition": s.opinion,
            "public_opposition_poll": s.poll(),
            "public_support": s.support,
            "approval": s.approval,
            "stockpile_days": s.stockpile,
            "shells_transferred": s.transfer * self.params.seoul.wartime_shells_per_day,
            "assembly_motion": s.motion,
            "assembly_vote": s.voted,
            "assembly_passed": s.passed,
            "assembly_yes": s.yes_votes,
            "assembly_approved": s.approved_rung >= LETHAL,
            "ceasefire": self.ceasefire,
        }
        for k, v in row.items():
            self.series[k][t] = v
        self._mark_first(t)

    def _mark_first(self, t: int):
        """The first month each outcome holds (months since start; 0: before this run)."""
        for name, o in OUTCOMES.items():
            first = self.first[name]
            first[(first < 0) & o.hit(self)] = t + 1

    def world_state(self, replication: int) -> WorldState:
        """Snapshot one replication's world at the end of the last month played."""
        i = replication
        values = {}
        for actor in self.actors:
            values |= actor.snapshot(i)
        values |= {
            "world_ceasefire": self.ceasefire[i],
            "world_treaty": self.treaty[i],
            "world_opposition_seats": self.opposition_seats[i],
        }
        values = {
            k: STATE_FIELDS[k](v.item() if hasattr(v, "item") else v) for k, v in values.items()
        }
        return WorldState(month_label(self.first_month + self.t - 1), self.offset + self.t, values)

    # --- reasons for the traced replications --------------------------------------------
    def trace_decision(
        self,
        actor,
        decision,
        options,
        terms,
        blocked,
        allowed,
        utility,
        choice,
        current,
        model_choice=None,
        forced=None,
    ):
        if not self.trace_ids:
            return
        ids = np.array(self.trace_ids)
        rat = self.columns.decision.rationality
        rat = rat[ids] if isinstance(rat, np.ndarray) else rat
        second = runner_up(utility[ids], allowed[ids], choice[ids])
        prob = probabilities(utility[ids], allowed[ids], rat)
        for j, i in enumerate(self.trace_ids):
            c, r = int(choice[i]), int(second[j])
            self._current["decisions"].append(
                {
                    "replication": i,
                    "actor": actor,
                    "decision": decision,
                    "from": options[int(current[i])],
                    "chosen": options[c],
                    "chosen_index": c,
                    "runner_up": options[r] if r >= 0 else None,
                    "probability": float(prob[j, c]),
                    "model_choice": options[int(model_choice[i])]
                    if model_choice is not None
                    else options[c],
                    "model_choice_index": int(model_choice[i]) if model_choice is not None else c,
                    "player": bool(forced is not None and forced[i] >= 0),
                    "requested": (
                        options[int(forced[i])] if forced is not None and forced[i] >= 0 else None
                    ),
                    "probabilities": {options[k]: float(prob[j, k]) for k in range(len(options))},
                    "terms_chosen": {k: float(v[i, c]) for k, v in terms.items()},
                    "terms_runner_up": (
                        {k: float(v[i, r]) for k, v in terms.items()} if r >= 0 else {}
                    ),
                    "blocked": {
                        options[k]: [name for name, mask in blocked.items() if mask[i, k]]
                        for k in range(len(options))
                        if any(mask[i, k] for mask in blocked.values())
                    },
                }
            )

    def trace_vote(self, motion, tabled, passed, yes):
        for i in self.trace_ids:
            if motion[i]:
                self._current["votes"].append(
                    {
                        "replication": i,
                        "tabled": bool(tabled[i]),
                        "passed": bool(passed[i]),
                        "yes": int(yes[i]),
                        "rung": int(self.seoul.approved_rung[i]) if passed[i] else None,
                        "opposition_seats": int(self.opposition_seats[i]),
                    }
                )

    def release(self):
        """Drop Mesa's class-level id counter for this model (it would keep it alive)."""
        mesa.Agent._ids.pop(self, None)


__all__ = ["RedlineModel", "WorldState", "SERIES", "RULES", "STATE_FIELDS", "initial_state"]
