"""The Mesa model: one instance advances an ensemble of R replications a month at a time.

Order within a month (each actor sees what the earlier ones did this month):
the ceasefire draw, scheduled events (injects), Pyongyang, Moscow, NATO, Seoul (with
any Assembly vote and shell transfer), then public opinion. The random draws are
made in a fixed order every month, so results depend only on the scenario,
parameters, seed and number of replications.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from .agents import LETHAL, RULES, SEOUL_RED_LINE, Moscow, Nato, Pyongyang, Seoul
from .choice import probabilities, runner_up
from .parameters import ParamView
from .scenario import Scenario, month_index, month_label

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
    "public_opposition": np.float64,
    "public_support": np.float64,
    "stockpile_days": np.float64,
    "shells_transferred": np.float64,
    "assembly_vote": np.bool_,
    "assembly_approved": np.bool_,
    "ceasefire": np.bool_,
}

# State of one world, every variable the dynamics read. Outcome trackers are
# included so a branched ensemble carries its history.
STATE_FIELDS = {
    "pyongyang_troops": int,
    "pyongyang_shells": float,
    "pyongyang_supplied": float,
    "moscow_reward": int,
    "moscow_max_reward": int,
    "moscow_posture": int,
    "nato_rung": int,
    "seoul_rung": int,
    "seoul_max_rung": int,
    "seoul_been_defensive": bool,
    "seoul_approved_rung": int,
    "seoul_cooldown": int,
    "seoul_votes": int,
    "seoul_approvals": int,
    "seoul_stockpile": float,
    "seoul_min_stockpile": float,
    "seoul_days_transferred": float,
    "seoul_opposition": float,
    "seoul_support": float,
    "seoul_opinion_anchor": float,
    "seoul_intolerable_left": int,
    "seoul_coop_mark": float,
    "seoul_ever_lethal": bool,
    "ceasefire": bool,
    "treaty": bool,
    "opposition_seats": int,
}


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
    s, mo, py, na = params.seoul, params.moscow, params.pyongyang, params.nato
    return {
        "pyongyang_troops": py.troops_deployed,
        "pyongyang_shells": py.shells_per_month,
        "pyongyang_supplied": py.shells_supplied,
        "moscow_reward": mo.initial_reward_rung,
        "moscow_max_reward": mo.initial_reward_rung,
        "moscow_posture": mo.initial_posture,
        "nato_rung": na.initial_rung,
        "seoul_rung": s.initial_rung,
        "seoul_max_rung": s.initial_rung,
        "seoul_been_defensive": s.initial_rung >= 2,
        # a world that starts with lethal supply already had it approved (rungs 3-4 together)
        "seoul_approved_rung": np.where(s.initial_rung >= 3, np.maximum(4, s.initial_rung), 2),
        "seoul_cooldown": 0,
        "seoul_votes": 0,
        "seoul_approvals": 0,
        "seoul_stockpile": s.stockpile_days,
        "seoul_min_stockpile": s.stockpile_days,
        "seoul_days_transferred": 0.0,
        "seoul_opposition": s.public_opposition,
        "seoul_support": s.public_support,
        "seoul_opinion_anchor": s.public_opposition,
        "seoul_intolerable_left": 0,
        # the cooperation index Seoul last answered: today's (shipments count 1 at their start level)
        "seoul_coop_mark": mo.initial_reward_rung + py.troops_deployed + py.treaty_ratified + 1.0,
        "seoul_ever_lethal": s.initial_rung >= LETHAL,
        "ceasefire": False,
        "treaty": py.treaty_ratified,
        "opposition_seats": s.assembly_opposition_seats,
    }


def _arrays(state: dict, reps: int) -> dict:
    return {k: np.full(reps, v, dtype=np.dtype(STATE_FIELDS[k])) for k, v in state.items()}


class RedlineModel(mesa.Model):
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
        self.params = ParamView(scenario.parameters, varying)
        self.columns = ParamView(scenario.parameters, varying, column=True)
        first = month_index(scenario.start)
        self.offset = start.step if start else 0
        self.first_month = first + self.offset
        self.months = months if months is not None else scenario.horizon_months - self.offset
        state = _arrays(start.values if start else initial_state(self.params), reps)
        self.ceasefire, self.treaty = state["ceasefire"], state["treaty"]
        self.opposition_seats = state["opposition_seats"].astype(np.int64)
        self.forced_provocation = np.zeros(reps, dtype=bool)
        # (actor, decision) -> option per replication (-1: the model decides); one month only
        self.forced: dict[tuple[str, str], np.ndarray] = {}
        self.events = {}
        for ev in scenario.events:
            self.events.setdefault(month_index(ev.month) - self.first_month, []).append(ev)

        # The four actors, created in the order they move.
        self.pyongyang = Pyongyang(self, state)
        self.moscow = Moscow(self, state)
        self.nato = Nato(self, state)
        self.seoul = Seoul(self, state)

        self.series = {k: np.zeros((self.months, reps), dtype=v) for k, v in SERIES.items()}
        self.first = {
            k: np.full(reps, -1, dtype=np.int32)
            for k in ("lethal", "offensive", "troops", "collapse", "red_line", "ceasefire")
        }
        self._mark_first(-1, already=True)
        self.trace_ids = list(trace or [])
        self.log: list[dict] = []
        self.t = 0

    # --- the monthly schedule ---------------------------------------------------------
    def step(self):
        t = self.t
        red_before = self.moscow.max_reward >= SEOUL_RED_LINE
        troops_before = self.pyongyang.troops.copy()
        self._current = {
            "month": month_label(self.first_month + t),
            "events": [],
            "decisions": [],
            "votes": [],
        }
        cf_draw = self.rng.random(self.reps) < self.params.war.ceasefire_hazard
        self.ceasefire = self.ceasefire | cf_draw
        shocks = self.apply_events(self.events.get(t, []))

        self.pyongyang.step()
        self.moscow.step()
        self.nato.step()
        self.seoul.step()

        q = self.params.seoul
        shocks -= q.opinion_shift_troops * (self.pyongyang.troops > troops_before)
        shocks -= q.opinion_shift_red_line * (
            (self.moscow.max_reward >= SEOUL_RED_LINE) & ~red_before
        )
        shocks += q.opinion_backlash_lethal * self.seoul.entered_lethal
        self.seoul.update_opinion(shocks)
        self.seoul.intolerable_left = np.maximum(self.seoul.intolerable_left - 1, 0)
        self.forced_provocation[:] = False
        self.forced = {}
        self.record(t)
        if self.trace_ids:
            self.log.append(self._current)
        self.t += 1

    def set_parameters(self, parameters) -> None:
        """Change parameters mid-run (a facilitator's custom inject); state is kept."""
        self.scenario = self.scenario.model_copy(update={"parameters": parameters})
        self.params = ParamView(parameters)
        self.columns = ParamView(parameters, column=True)
        for agent in (self.pyongyang, self.moscow, self.nato, self.seoul):
            agent.p, agent.k = self.params, self.columns

    def run(self, progress=None):
        for _ in range(self.months):
            self.step()
            if progress:
                progress(1)
        return self

    def apply_events(self, events) -> np.ndarray:
        """Scheduled injects hit every replication at the start of their month."""
        shocks = np.zeros(self.reps)
        q = self.params.seoul
        for ev in events:
            if ev.type == "ceasefire":
                self.ceasefire[:] = True
            elif ev.type == "troops_deployed":
                self.pyongyang.troops = np.maximum(self.pyongyang.troops, 1)
            elif ev.type == "troops_reinforced":
                self.pyongyang.troops = np.full(self.reps, 2, dtype=self.pyongyang.troops.dtype)
            elif ev.type == "treaty_ratified":
                self.treaty[:] = True
            elif ev.type == "provocation":
                self.forced_provocation[:] = True
            elif ev.type == "technology_transfer":
                rung = int(ev.value if ev.value is not None else 3)
                self.moscow.reward = np.maximum(self.moscow.reward, rung)
                self.moscow.max_reward = np.maximum(self.moscow.max_reward, rung)
            elif ev.type == "atrocity":
                self.seoul.intolerable_left[:] = q.atrocity_memory_months
                shocks -= q.opinion_shift_atrocity
            elif ev.type == "assembly_majority_change":
                self.opposition_seats[:] = int(ev.value)
            elif ev.type == "poll_shift":
                shocks += ev.value
                self.seoul.opinion_anchor = np.clip(
                    self.seoul.opinion_anchor + ev.value, 0.01, 0.99
                )
            self._current["events"].append({"type": ev.type, "value": ev.value, "note": ev.note})
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
            "public_opposition": s.opposition,
            "public_support": s.support,
            "stockpile_days": s.stockpile,
            "shells_transferred": s.transfer * self.params.seoul.wartime_shells_per_day,
            "assembly_vote": s.voted,
            "assembly_approved": s.approved_rung >= LETHAL,
            "ceasefire": self.ceasefire,
        }
        for k, v in row.items():
            self.series[k][t] = v
        self._mark_first(t)

    def _mark_first(self, t: int, already: bool = False):
        s = self.seoul
        rung = s.max_rung if already else s.rung
        hits = {
            "lethal": rung >= LETHAL,
            "offensive": rung >= 4,
            "troops": rung >= 5,
            "collapse": self.moscow.posture >= 3,
            "red_line": self.moscow.max_reward >= SEOUL_RED_LINE,
            "ceasefire": self.ceasefire,
        }
        for k, hit in hits.items():
            first = self.first[k]
            first[(first < 0) & hit] = t + 1  # months since start; 0 = before this run

    def world_state(self, replication: int) -> WorldState:
        """Snapshot one replication's world at the end of the last month played."""
        s, mo, py, na, i = self.seoul, self.moscow, self.pyongyang, self.nato, replication
        values = {
            "pyongyang_troops": py.troops[i],
            "pyongyang_shells": py.shells[i],
            "pyongyang_supplied": py.supplied[i],
            "moscow_reward": mo.reward[i],
            "moscow_max_reward": mo.max_reward[i],
            "moscow_posture": mo.posture[i],
            "nato_rung": na.rung[i],
            "ceasefire": self.ceasefire[i],
            "treaty": self.treaty[i],
            "opposition_seats": self.opposition_seats[i],
        }
        for key in STATE_FIELDS:
            if key.startswith("seoul_"):
                values[key] = getattr(s, key.removeprefix("seoul_"))[i]
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

    def trace_vote(self, voted, passed, yes):
        for i in self.trace_ids:
            if voted[i]:
                self._current["votes"].append(
                    {
                        "replication": i,
                        "passed": bool(passed[i]),
                        "yes": int(yes[i]),
                        "opposition_seats": int(self.opposition_seats[i]),
                    }
                )

    def release(self):
        """Drop Mesa's class-level id counter for this model (it would keep it alive)."""
        mesa.Agent._ids.pop(self, None)


__all__ = ["RedlineModel", "WorldState", "SERIES", "RULES", "STATE_FIELDS", "initial_state"]
