"""A wargame: players hold actors' seats in one world, the model adjudicates every month.

The world is a one-replication RedlineModel, so a player's move goes through the
very rules a simulation uses (agents.py). A game is stored as its inputs — the
scenario, the seed, the seats, and each turn's moves and injects — and the world
is rebuilt by replaying them. That makes undo, save/load and replay exact, and a
move that breaks a rule is refused whether it comes from the UI or from an edited
game file.
"""

from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import dataclass, field

import numpy as np

from ..agents import LETHAL, RULES
from ..errors import InputError
from ..model import RedlineModel
from ..scenario import EVENT_TYPES, Event, Scenario, check_name, month_label, validate
from ..simulation import simulate

SEATS = ("seoul", "moscow", "pyongyang", "nato")
FORMAT = "redline-game/1"
MAX_GAME_BYTES = 20 * 1024 * 1024


@dataclass
class Option:
    index: int
    label: str
    allowed: bool
    rules: list[str] = field(default_factory=list)  # rules that block it
    note: str = ""  # e.g. "needs a National Assembly vote"


class Game:
    """One game: `seats` maps each actor to "player" or "model"."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        seats: dict[str, str] | None = None,
        advice_visible: bool = True,
    ):
        self.scenario = scenario
        self.seed = int(seed)
        self.seats = {s: "model" for s in SEATS} | dict(seats or {})
        for seat, holder in self.seats.items():
            if seat not in SEATS or holder not in ("player", "model"):
                raise InputError(
                    f"{seat}: {holder}",
                    field="seats",
                    allowed=f"seats {', '.join(SEATS)} held by player or model",
                )
        self.advice_visible = advice_visible
        self.paused = False
        self.turns: list[dict] = []  # each: {"moves": {...}, "injects": [...], "custom": {...}}
        self.pending = {"injects": [], "custom": {}}
        self._rebuild()

    # --- the world ----------------------------------------------------------------------
    def _rebuild(self):
        self.world = RedlineModel(self.scenario, 1, self.seed, trace=[0])
        self.params = self.scenario.parameters
        self.custom: dict = {}  # custom injects' parameter changes so far
        for i, turn in enumerate(self.turns):
            self._play(turn, where=f"turns.{i}")

    def _play(self, turn: dict, where: str):
        w = self.world
        if turn.get("custom"):
            self.custom.update(turn["custom"])
            self.params = self.scenario.with_overrides(
                self.custom, origin=f"{where}.custom"
            ).parameters
            w.set_parameters(self.params)
        for ev in turn.get("injects", []):
            w.schedule(Event.model_validate(ev))
        for seat, moves in turn.get("moves", {}).items():
            self.check_moves(seat, moves, where=f"{where}.moves.{seat}")
        for seat, moves in turn.get("moves", {}).items():
            for decision, option in moves.items():
                w.force(seat, decision, int(option))
        w.step()

    @property
    def month(self) -> str:
        """The month the next turn plays."""
        return month_label(self.world.first_month + self.world.t)

    @property
    def finished(self) -> bool:
        return self.world.t >= self.scenario.horizon_months

    @property
    def log(self) -> list[dict]:
        return self.world.log

    def state(self) -> dict:
        """Where each actor stands now (public information)."""
        w = self.world
        return {
            "month": self.month,
            "turn": len(self.turns),
            "seoul_rung": int(w.seoul.rung[0]),
            "moscow_reward_rung": int(w.moscow.reward[0]),
            "moscow_posture": int(w.moscow.posture[0]),
            "pyongyang_troops": int(w.pyongyang.troops[0]),
            "pyongyang_shells": float(w.pyongyang.shells[0]),
            "nato_rung": int(w.nato.rung[0]),
            "public_opposition": float(w.seoul.opinion[0]),
            "approval": float(w.seoul.approval[0]),
            "stockpile_days": float(w.seoul.stockpile[0]),
            "assembly_approved": bool(w.seoul.approved_rung[0] >= LETHAL),
            "vote_cooldown": int(w.seoul.cooldown[0]),
            "ceasefire": bool(w.ceasefire[0]),
            "red_line_crossed": bool(w.moscow.max_reward[0] >= 3),
            "relations_collapsed": bool(w.moscow.posture[0] == 3),
        }

    # --- what a seat may do ---------------------------------------------------------------
    def agent(self, seat: str):
        return {
            "seoul": self.world.seoul,
            "moscow": self.world.moscow,
            "pyongyang": self.world.pyongyang,
            "nato": self.world.nato,
        }[seat]

    def options(self, seat: str) -> dict[str, list[Option]]:
        """Each decision's options this month, with the rules that block them now."""
        agent, w = self.agent(seat), self.world
        out = {}
        for decision, labels in agent.DECISIONS.items():
            rules_by_option = w.blocking_rules(seat, decision)
            opts = []
            for k, label in enumerate(labels):
                rules, note = rules_by_option[k], ""
                if seat == "seoul" and w.needs_motion(k):
                    cooldown = int(w.seoul.cooldown[0])
                    note = (
                        f"the Assembly refused lately: no new motion for {cooldown} month(s)"
                        if cooldown
                        else "needs National Assembly approval: the government will put a motion"
                    )
                opts.append(Option(k, label, not rules, rules, note))
            out[decision] = opts
        return out

    def check_moves(self, seat: str, moves: dict, where: str = "moves") -> dict[str, int]:
        """Refuse unknown decisions and options the rules block now; return clean moves."""
        if seat not in SEATS:
            raise InputError(f"unknown seat {seat!r}", field=where, allowed=", ".join(SEATS))
        if self.seats[seat] != "player":
            raise InputError(
                f"{seat} is held by the model", field=where, allowed="moves only for player seats"
            )
        options = self.options(seat)
        clean = {}
        for decision, option in moves.items():
            if decision not in options:
                raise InputError(
                    f"unknown decision {decision!r}", field=where, allowed=", ".join(options)
                )
            opts = options[decision]
            if (
                not isinstance(option, (int, np.integer))
                or isinstance(option, bool)
                or not 0 <= option < len(opts)
            ):
                raise InputError(
                    f"option {option!r}",
                    field=f"{where}.{decision}",
                    allowed=f"0 to {len(opts) - 1}",
                )
            chosen = opts[option]
            if not chosen.allowed:
                why = "; ".join(f"{r}: {RULES[r][0]}" for r in chosen.rules)
                raise InputError(
                    f"'{chosen.label}' is blocked ({why})",
                    field=f"{where}.{decision}",
                    allowed=", ".join(f"{o.index} {o.label}" for o in opts if o.allowed),
                )
            clean[decision] = int(option)
        return clean

    # --- turns ------------------------------------------------------------------------------
    def play_turn(self, moves: dict[str, dict[str, int]] | None = None) -> dict:
        """Adjudicate one month: player moves (seat -> decision -> option), then the rules."""
        if self.finished:
            raise InputError("the game is over", field="turn", allowed="no more turns")
        if self.paused:
            raise InputError(
                "the facilitator has paused the game",
                field="turn",
                allowed="wait for the facilitator to resume",
            )
        moves = moves or {}
        missing = [s for s, h in self.seats.items() if h == "player" and s not in moves]
        if missing:
            raise InputError(
                f"no move yet for {', '.join(missing)}",
                field="moves",
                allowed="a move for every player seat",
            )
        clean = {
            seat: self.check_moves(seat, m, where=f"moves.{seat}") for seat, m in moves.items()
        }
        turn = {"month": self.month, "moves": clean, **deepcopy(self.pending)}
        self._play(turn, where=f"turns.{len(self.turns)}")
        self.turns.append(turn)
        self.pending = {"injects": [], "custom": {}}
        return self.log[-1]

    def history(self) -> list[dict]:
        """Turn by turn: what was played and what the model's rules made of it."""
        return [{"turn": i, **turn, "log": self.log[i]} for i, turn in enumerate(self.turns)]

    def undo(self) -> None:
        if not self.turns:
            raise InputError("nothing to undo", field="turn", allowed="undo after a turn")
        last = self.turns.pop()
        self.pending = {k: v for k, v in last.items() if k in ("injects", "custom", "notes")}
        self._rebuild()

    # --- facilitator ------------------------------------------------------------------------
    def inject(self, kind: str, value: float | None = None, note: str = "") -> None:
        """Schedule a catalogue event for the coming month."""
        ev = {"month": self.month, "type": kind, "note": note}
        if value is not None:
            ev["value"] = value
        try:
            Event.model_validate(ev)
        except ValueError as exc:  # pydantic ValidationError -> one clear line
            raise InputError(
                str(exc).splitlines()[-1].strip(), field="inject", allowed=", ".join(EVENT_TYPES)
            ) from None
        self.pending["injects"].append(ev)

    def inject_custom(self, note: str, parameters: dict) -> None:
        """A custom event: its effect is a change of parameters from the coming month on."""
        for name in parameters:
            check_name(name, "inject")
        self.scenario.with_overrides({**self.custom, **parameters}, origin="inject")
        self.pending["custom"] = {**self.pending["custom"], **parameters}
        self.pending.setdefault("notes", []).append(
            f"{note}: " + ", ".join(f"{k}={v}" for k, v in parameters.items())
        )

    # --- looking ahead -------------------------------------------------------------------------
    def branch_scenario(self) -> Scenario:
        """The scenario as it now stands: current parameters plus this month's injects."""
        events = list(self.scenario.events) + [
            Event.model_validate(e) for e in self.pending["injects"]
        ]
        params = self.scenario.with_overrides(
            {**self.custom, **self.pending["custom"]}, origin="inject"
        ).parameters
        return self.scenario.model_copy(update={"parameters": params, "events": events})

    def risk(
        self,
        seat: str | None = None,
        moves: dict[str, int] | None = None,
        reps: int = 1000,
        months: int = 3,
        seed: int | None = None,
    ) -> dict:
        """What may follow: many replications branched from this world, the move under test
        played in their first month and everything else left to the model."""
        if self.finished:
            raise InputError("the game is over", field="risk", allowed="a game in progress")
        first = {}
        if seat and moves:
            first = {(seat, d): int(o) for d, o in moves.items()}
        state = self.world.world_state(0) if self.turns else None
        sc = self.branch_scenario()
        left = sc.horizon_months - len(self.turns)
        months = max(1, min(months, left))
        res = simulate(
            sc,
            reps=reps,
            seed=self.seed + 7919 * (len(self.turns) + 1) if seed is None else seed,
            start=state,
            months=months,
            first_moves=first,
        )
        o, s = res.outcomes, res.series

        def dist(values, labels):
            counts = np.bincount(np.asarray(values, dtype=int), minlength=len(labels))
            return {labels[k]: float(counts[k] / len(values)) for k in range(len(labels))}

        from ..agents import MOSCOW_POSTURES, MOSCOW_REWARDS, NATO_RUNGS, SEOUL_RUNGS, TROOP_LEVELS

        return {
            "months": months,
            "reps": reps,
            "next_month": {
                "seoul": dist(s["seoul_rung"][0], SEOUL_RUNGS),
                "moscow_reward": dist(s["moscow_reward_rung"][0], MOSCOW_REWARDS),
                "moscow_posture": dist(s["moscow_posture"][0], MOSCOW_POSTURES),
                "pyongyang_troops": dist(s["pyongyang_troops"][0], TROOP_LEVELS),
                "nato": dist(s["nato_rung"][0], NATO_RUNGS),
            },
            "within": {
                "relations_collapsed": float(o.relations_collapsed.mean()),
                "red_line_crossed": float(o.red_line_crossed.mean()),
                "lethal_aid": float(o.lethal_aid.mean()),
                "assembly_vote_passed": float(
                    (s["assembly_approved"][0] & s["assembly_vote"][0]).mean()
                ),
                "assembly_vote_held": float(s["assembly_vote"][0].mean()),
            },
        }

    def advice(self, seat: str, reps: int = 1000) -> dict[str, dict[str, float]]:
        """The model's own choice for a seat this month, as a distribution over options."""
        sc = self.branch_scenario()
        state = self.world.world_state(0) if self.turns else None
        res = simulate(
            sc,
            reps=reps,
            seed=self.seed + 104729 * (len(self.turns) + 1),
            start=state,
            months=1,
            trace=[0],
        )
        out = {}
        agent = self.agent(seat)
        key = {
            "seoul": ["seoul_rung"],
            "moscow": ["moscow_reward_rung", "moscow_posture"],
            "pyongyang": [None, "pyongyang_troops", None],
            "nato": ["nato_rung"],
        }[seat]
        for (decision, labels), col in zip(agent.DECISIONS.items(), key):
            if col is None:  # decisions with no series of their own: use the traced draw's odds
                d = next(
                    x
                    for x in res.log[0]["decisions"]
                    if x["actor"] == seat and x["decision"] == decision
                )
                out[decision] = d["probabilities"]
                continue
            counts = np.bincount(res.series[col][0].astype(int), minlength=len(labels))
            out[decision] = {labels[k]: float(counts[k] / reps) for k in range(len(labels))}
        return out

    # --- files -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "scenario": self.scenario.to_yaml_dict(),
            "seed": self.seed,
            "seats": dict(self.seats),
            "advice_visible": self.advice_visible,
            "paused": self.paused,
            "turns": deepcopy(self.turns),
            "pending": deepcopy(self.pending),
            "state": self.state(),
            "finished": self.finished,
        }

    @classmethod
    def from_dict(cls, data: dict, origin: str = "game file") -> Game:
        """Rebuild a game by replaying its turns; any move the rules block is refused."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError("not a redline game file", file=origin, field="format", allowed=FORMAT)
        scenario = validate(data.get("scenario"), f"{origin}: scenario")
        try:
            game = cls(
                scenario,
                int(data.get("seed", 0)),
                data.get("seats"),
                bool(data.get("advice_visible", True)),
            )
            turns = data.get("turns") or []
            if not isinstance(turns, list) or len(turns) > scenario.horizon_months:
                raise InputError(
                    "too many turns", field="turns", allowed=f"at most {scenario.horizon_months}"
                )
            for i, turn in enumerate(turns):
                if not isinstance(turn, dict) or set(turn) - {
                    "month",
                    "moves",
                    "injects",
                    "custom",
                    "notes",
                }:
                    raise InputError(
                        "malformed turn",
                        field=f"turns.{i}",
                        allowed="month, moves, injects, custom, notes",
                    )
                game._play(turn, where=f"turns.{i}")
                game.turns.append(deepcopy(turn))
            game.pending = data.get("pending") or {"injects": [], "custom": {}}
            game.paused = bool(data.get("paused", False))
        except InputError as exc:
            raise InputError(
                exc.detail, file=origin, field=exc.field, allowed=exc.allowed
            ) from None
        return game


def parse_game(data: bytes, origin: str) -> Game:
    """A saved game (JSON from `redline play` or the dashboard); any problem is one InputError."""
    if len(data) > MAX_GAME_BYTES:
        raise InputError(
            "file too large", file=origin, allowed=f"at most {MAX_GAME_BYTES // 2**20} MB"
        )
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"not valid JSON ({type(exc).__name__})",
            file=origin,
            allowed="a redline game file (JSON)",
        ) from None
    try:
        return Game.from_dict(raw, origin=origin)
    except InputError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise InputError(
            f"could not read the game ({type(exc).__name__})",
            file=origin,
            allowed="a game file saved by redline, unedited",
        ) from None
