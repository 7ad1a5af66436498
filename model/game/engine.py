"""A wargame: players hold actors' seats in one world, the model adjudicates every month.

The world is a one-replication RedlineModel, so a player's move goes through the
very rules a simulation uses (agents.py). A game is stored as its inputs — the
scenario, the seed, the seats, and each turn's moves and injects — and the world
is rebuilt by replaying them. That makes undo, save/load and replay exact, and a
move that breaks a rule is refused whether it comes from the UI or from an edited
game file.

What a seat may do is read from the month as it will be adjudicated, not from the
month before: a copy of the world (branched from its `WorldState`, with the world's
own random-number state, so its draws are the adjudication's draws) plays this
month's injects, then the actors that move before the seat (Pyongyang, Moscow,
NATO, Seoul), with the other players' moves or the model's draws, and reports
which rules block which option at the moment the seat decides. The adjudication
of a month is deterministic given the seed and the moves, so the copy's month is
the real month: an option shown open is carried out (a motion's fate is the
Assembly's vote), one shown blocked would be refused. Where a player seat moving
earlier has not moved yet, every move it could make is tried, and an option open
under some of them only "depends on" that seat.
"""

from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import dataclass, field

import numpy as np

from .. import words
from ..agents import LETHAL, Moscow, Nato, Pyongyang, Seoul
from ..choice import probabilities, total_utility
from ..errors import InputError
from ..model import RedlineModel
from ..narrative import LADDER_SERIES
from ..outcomes import OUTCOMES, proportion
from ..parameters import SPECS
from ..scenario import INJECT_TYPES, Inject, Scenario, check, check_name, month_label
from ..simulation import check_seed, simulate

SEATS = ("seoul", "moscow", "pyongyang", "nato")
DECISIONS: dict[str, dict[str, list[str]]] = {
    cls.name: cls.DECISIONS for cls in (Seoul, Moscow, Pyongyang, Nato)
}
FORMAT = "redline-game/1"
MAX_GAME_BYTES = 20 * 1024 * 1024
GAME_KEYS = (
    "format",
    "scenario",
    "seed",
    "seats",
    "advice_visible",
    "paused",
    "turns",
    "pending",
    "state",
    "finished",
)
TURN_KEYS = ("month", "moves", "injects", "custom", "notes")
PENDING_KEYS = ("injects", "custom", "notes")
MAX_INJECTS = 50  # injects in one month
MAX_CUSTOM = 100  # parameter changes in one month
MAX_NOTES = 200
MAX_NOTE = 2000  # characters
MAX_LEAVES = 256  # combinations of earlier players' moves tried for one seat's options
MOTION_NOTE = "needs National Assembly approval: the government will put a motion"


def cooldown_note(months: int) -> str:
    return f"the Assembly refused lately: no new motion for {months} month{'s' * (months != 1)}"


@dataclass
class Option:
    """One option of one decision this month, as the adjudication will see it."""

    index: int
    label: str
    allowed: bool
    rules: list[str] = field(default_factory=list)  # rules that block it (model names)
    note: str = ""  # e.g. MOTION_NOTE
    depends_on: tuple[str, ...] = ()  # earlier moves this month it hangs on (seats, or decisions)
    current: bool = False  # where the seat stands (holding)

    @property
    def blocked_text(self) -> str:
        """What blocks it, in words."""
        return "; ".join(words.rule(r).blocks for r in self.rules)

    @property
    def lift_text(self) -> str:
        """What would lift the blocks, in words."""
        return " or ".join(words.rule(r).lift for r in self.rules)

    @property
    def why_blocked(self) -> str:
        """Each block with what would lift it: 'X (lifted by A); Y (lifted by B)'."""
        return "; ".join(
            f"{words.rule(r).blocks} (lifted by {words.rule(r).lift})" for r in self.rules
        )


@dataclass(frozen=True)
class Share:
    """A share of worlds with its Wilson 95% interval."""

    p: float
    low: float
    high: float

    @classmethod
    def of(cls, flags) -> Share:
        return cls(*proportion(flags))


@dataclass(frozen=True)
class Compared:
    """A share of worlds after the player's move, and after holding instead."""

    move: Share
    hold: Share


@dataclass(frozen=True)
class Answer:
    """What one other actor does with one decision in the risk view."""

    actor: str
    decision: str
    before: bool  # it moves before the player's seat in a month, so it answers a month later
    month: str  # the month of its first answer
    months: tuple[str, ...]  # the months counted as "over three months"
    start: str  # where it stands before that month (holding the player's move)
    options: dict[str, Compared]  # its position in its first answer's month (options seen)
    climbs: Compared  # it moves up at least once over the months
    steps_back: Compared  # it moves down at least once over the months


@dataclass(frozen=True)
class RiskView:
    """The player's move against holding, in `reps` worlds branched from this month."""

    seat: str
    month: str
    reps: int
    months: tuple[str, ...]  # the window from this month
    move: dict[str, str]  # decision -> option label
    hold: dict[str, str]
    carried_out: Share  # worlds where the move was carried out (an Assembly vote may refuse it)
    answers: tuple[Answer, ...]
    outcomes: dict[str, Compared]  # outcomes not yet reached, within `months`
    provocation: Compared | None  # Pyongyang provokes on the Peninsula at least once


@dataclass(frozen=True)
class _Month:
    """The coming month played on a copy of the world (see the module docstring)."""

    entry: dict  # the copy's log entry: injects, every decision with its blocks, votes
    decisions: dict  # (actor, decision) -> the traced decision
    seoul: dict  # what Seoul faced when it decided: rules, motions, cooldown, odds
    ceasefire: bool  # a ceasefire holds this month


class _TooMany(Exception):
    """More combinations of earlier moves than MAX_LEAVES."""


def _allowed(rules: list[list[str]], current: int) -> list[bool]:
    """As `choice.allowed_mask`: unblocked options; holding stays possible if all are blocked."""
    out = [not r for r in rules]
    if not any(out):
        out[current] = True
    return out


def _short(value) -> str:
    """A value from a file, quoted and cut short enough for one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _bad(detail: str, field: str, allowed: str) -> InputError:
    return InputError(detail, field=field, allowed=allowed)


def _inject(raw, field: str, month: str) -> dict:
    """An inject as saved in a game file: a catalogue inject for `month`."""
    if not isinstance(raw, dict):
        raise _bad("malformed inject", field, "an inject as redline saved it")
    try:
        inj = Inject.model_validate(raw)
    except ValueError as exc:  # pydantic's ValidationError is one
        errors = exc.errors() if hasattr(exc, "errors") else []
        msg = errors[0]["msg"].removeprefix("Value error, ") if errors else "malformed inject"
        raise _bad(msg, field, ", ".join(INJECT_TYPES)) from None
    if inj.month != month:
        raise _bad(f"an inject for {inj.month}", f"{field}.month", f"{month}, the month it plays")
    return raw


def _business(raw, field: str, month: str, keys: tuple[str, ...]) -> dict:
    """A turn's or the waiting month's injects, custom changes and notes, checked."""
    if not isinstance(raw, dict) or set(raw) - set(keys):
        extra = sorted(set(raw) - set(keys)) if isinstance(raw, dict) else []
        what = f"unknown key {_short(extra[0])}" if extra else "malformed month"
        raise _bad(what, field, ", ".join(keys))
    out = dict(raw)
    injects = out.setdefault("injects", [])
    if not isinstance(injects, list) or len(injects) > MAX_INJECTS:
        raise _bad("malformed injects", f"{field}.injects", f"a list of at most {MAX_INJECTS}")
    out["injects"] = [_inject(inj, f"{field}.injects.{i}", month) for i, inj in enumerate(injects)]
    custom = out.setdefault("custom", {})
    if not isinstance(custom, dict) or len(custom) > MAX_CUSTOM:
        raise _bad(
            "malformed parameter changes",
            f"{field}.custom",
            "dotted parameter names with their values",
        )
    for name, value in custom.items():
        if name not in SPECS:
            raise _bad("unknown parameter", f"{field}.custom.{name}", "a dotted parameter name")
        if not isinstance(value, (bool, int, float)) or (
            isinstance(value, float) and not np.isfinite(value)
        ):
            raise _bad(_short(value), f"{field}.custom.{name}", SPECS[name].allowed())
    notes = out.get("notes", [])
    if not isinstance(notes, list) or len(notes) > MAX_NOTES:
        raise _bad("malformed notes", f"{field}.notes", f"a list of at most {MAX_NOTES} notes")
    if any(not isinstance(n, str) or len(n) > MAX_NOTE for n in notes):
        raise _bad("a note that is not short text", f"{field}.notes", f"text of {MAX_NOTE} chars")
    return out


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
        self.seed = check_seed(seed)
        if seats is not None and not isinstance(seats, dict):
            raise _bad("malformed seats", "seats", "each seat held by player or model")
        self.seats = {s: "model" for s in SEATS} | dict(seats or {})
        for seat, holder in self.seats.items():
            if seat not in SEATS or holder not in ("player", "model"):
                raise _bad(
                    f"{seat}: {holder}",
                    "seats",
                    f"seats {', '.join(SEATS)} held by player or model",
                )
        self.advice_visible = advice_visible
        self.paused = False
        self.turns: list[dict] = []  # each: {"month", "moves", "injects", "custom", "notes"}
        self.pending = {"injects": [], "custom": {}}
        self._rebuild()

    # --- the world ----------------------------------------------------------------------
    def _rebuild(self):
        self.world = RedlineModel(self.scenario, 1, self.seed, trace=[0])
        self.custom: dict = {}  # custom injects' parameter changes so far
        self._months: dict = {}
        for i, turn in enumerate(self.turns):
            self._play(turn, where=f"turns.{i}")

    @staticmethod
    def _begin(model: RedlineModel, turn: dict, where: str = "inject") -> None:
        """A month's facilitator business and player moves, on the world or a copy of it.

        Custom changes apply on top of the parameters as they stand (earlier custom and
        `set` injects included), from this month on."""
        if turn.get("custom"):
            changed = model.scenario.with_overrides(turn["custom"], origin=f"{where}.custom")
            model.set_parameters(changed.parameters)
        for inj in turn.get("injects", []):
            model.schedule(Inject.model_validate(inj))
        for seat, moves in turn.get("moves", {}).items():
            for decision, option in moves.items():
                model.force(seat, decision, int(option))

    def _play(self, turn: dict, where: str | None):
        """Play a turn on the world; `where` is its place in a game file (None: a new move)."""
        if turn.get("moves"):
            self._check_month(turn["moves"], turn, f"{where}.moves" if where else "moves")
        self.custom.update(turn.get("custom") or {})
        self._begin(self.world, turn, where or "inject")
        self.world.step()
        self._months = {}

    def _month(self, moves: dict, business: dict | None = None) -> _Month:
        """The coming month played on a copy of the world, `moves` forced (cached)."""
        business = self.pending if business is None else business
        key = json.dumps([self.world.t, business, moves], sort_keys=True, default=str)
        if key in self._months:
            return self._months[key]
        w = self.world
        copy = RedlineModel(w.scenario, 1, self.seed, start=w.world_state(0), months=1, trace=[0])
        copy.rng.bit_generator.state = w.rng.bit_generator.state  # the adjudication's draws
        seen: dict = {}
        seoul_step = copy.seoul.step

        def watched():  # what Seoul faces as it decides (after injects and the others)
            s = copy.seoul
            rules = copy.blocking_rules("seoul", "assistance")
            allowed = np.array([_allowed(rules, int(s.rung[0]))])
            utility = total_utility(s.terms(s.threat()))
            odds = probabilities(utility, allowed, copy.columns.decision.rationality)[0]
            seen.update(
                rules=rules,
                motions=[copy.needs_motion(k) for k in range(len(rules))],
                cooldown=int(s.cooldown[0]),
                current=int(s.rung[0]),
                odds=[float(p) for p in odds],
            )
            seoul_step()

        copy.seoul.step = watched
        try:
            self._begin(copy, {**business, "moves": moves})
            copy.step()
        finally:
            copy.release()
        entry = copy.log[0]
        month = _Month(
            entry,
            {(d["actor"], d["decision"]): d for d in entry["decisions"]},
            seen,
            bool(copy.ceasefire[0]),
        )
        self._months[key] = month
        return month

    def _options_in(self, month: _Month, seat: str) -> dict[str, list[Option]]:
        """Each decision's options for `seat` in one played copy of the month."""
        out = {}
        for decision, labels in DECISIONS[seat].items():
            notes = [""] * len(labels)
            if seat == "seoul":
                s = month.seoul
                rules, current = [list(r) for r in s["rules"]], s["current"]
                for k, motion in enumerate(s["motions"]):
                    if motion and s["cooldown"]:
                        notes[k] = cooldown_note(s["cooldown"])
                    elif motion and not rules[k]:
                        notes[k] = MOTION_NOTE
            else:
                d = month.decisions[(seat, decision)]
                rules = [list(d["blocked"].get(label, [])) for label in labels]
                current = labels.index(d["from"])
            allowed = _allowed(rules, current)
            out[decision] = [
                Option(
                    k, label, allowed[k], [] if allowed[k] else rules[k], notes[k], (), k == current
                )
                for k, label in enumerate(labels)
            ]
        return out

    def _odds_in(self, month: _Month, seat: str) -> dict[str, list[float]]:
        """The model's own odds of each option for `seat` in one played copy of the month."""
        if seat == "seoul":
            return {"assistance": list(month.seoul["odds"])}
        return {
            decision: [month.decisions[(seat, decision)]["probabilities"][x] for x in labels]
            for decision, labels in DECISIONS[seat].items()
        }

    @property
    def move_order(self) -> list[str]:
        """The seats in the order they move within a month."""
        return [a.name for a in self.world.actors]

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

    @property
    def params(self):
        """The parameters as they now stand (custom and `set` injects applied)."""
        return self.world.scenario.parameters

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

    def _known(self, moves) -> dict[str, dict[str, int]]:
        """Moves already chosen this month (seat -> decision -> option), checked for shape."""
        if moves is None:
            return {}
        if not isinstance(moves, dict):
            raise _bad("malformed moves", "moves", "seat -> decision -> option")
        out = {}
        for seat, m in moves.items():
            out[seat] = self._shape(seat, m, f"moves.{seat}")
            if self.seats[seat] != "player":
                raise _bad(
                    f"{words.actor(seat)} is played by the model",
                    f"moves.{seat}",
                    "moves for players",
                )
        return out

    def _shape(self, seat, moves, where: str) -> dict[str, int]:
        """Known seat, known decisions, option numbers in range (not yet the rules)."""
        if seat not in SEATS:
            raise _bad(f"unknown seat {_short(seat)}", where, ", ".join(SEATS))
        if not isinstance(moves, dict):
            raise _bad("malformed move", where, "one option for each decision")
        clean = {}
        for decision, option in moves.items():
            labels = DECISIONS[seat].get(decision)
            if labels is None:
                raise _bad(
                    f"unknown decision {_short(decision)}", where, ", ".join(DECISIONS[seat])
                )
            if (
                not isinstance(option, (int, np.integer))
                or isinstance(option, bool)
                or not 0 <= option < len(labels)
            ):
                raise _bad(
                    f"option {_short(option)}", f"{where}.{decision}", f"0 to {len(labels) - 1}"
                )
            clean[decision] = int(option)
        return clean

    def _slots(self, seat: str, known: dict) -> list[tuple[str, str]]:
        """Ladder decisions this month that come before `seat`'s last one, belong to a
        player seat and have no move yet (a monthly act — shipments, a provocation —
        changes no later actor's rules, so the model's draw stands in for it)."""
        out = []
        for a in self.move_order:
            if self.seats[a] == "player":
                for d in DECISIONS[a]:
                    if d not in known.get(a, {}) and words.decision(d).ladder:
                        out.append((a, d))
            if a == seat:
                break
        return [s for s in out if s != (seat, list(DECISIONS[seat])[-1])]

    def _leaves(self, seat: str, known: dict) -> tuple[list[tuple[dict, _Month]], bool]:
        """Every combination of the open earlier moves (each an option open given the ones
        before it), with its month; True as second value if there were too many to try."""
        slots = self._slots(seat, known)
        leaves: list[tuple[dict, _Month]] = []

        def merged(fixed):
            out = {s: dict(m) for s, m in known.items()}
            for (a, d), k in fixed.items():
                out.setdefault(a, {})[d] = k
            return out

        def explore(fixed: dict, rest: list, month: _Month | None):
            month = month or self._month(merged(fixed))
            if not rest:
                if len(leaves) >= MAX_LEAVES:
                    raise _TooMany
                leaves.append((fixed, month))
                return
            (a, d), tail = rest[0], rest[1:]
            drawn = month.decisions[(a, d)]["chosen_index"]
            for o in self._options_in(month, a)[d]:
                if o.allowed:  # the model's own draw leaves the month as it was
                    explore(fixed | {(a, d): o.index}, tail, month if o.index == drawn else None)

        try:
            explore({}, slots, None)
        except _TooMany:
            return leaves, True
        return leaves, False

    def options(self, seat: str, moves: dict | None = None) -> dict[str, list[Option]]:
        """Each decision's options for `seat` this month, as the adjudication will see them.

        `moves` holds the moves already chosen this month (seat -> decision -> option):
        other players' and this seat's earlier decisions. A player seat that moves
        earlier in the month and has not moved yet is tried with every move open to it;
        an option open under some of them only is not allowed and names it in
        `depends_on`.
        """
        if self.finished:
            raise _bad("the game is over", "options", "a game in progress")
        if seat not in SEATS:
            raise _bad(f"unknown seat {_short(seat)}", "seat", ", ".join(SEATS))
        known = self._known(moves)
        leaves, overflow = self._leaves(seat, known)
        per_leaf = [self._options_in(month, seat) for _, month in leaves]
        order = list(DECISIONS[seat])
        out = {}
        for j, decision in enumerate(order):
            opts = [o[decision] for o in per_leaf]
            # the open moves that come before this decision in the month
            open_before = [
                (a, d) for a, d in self._slots(seat, known) if a != seat or order.index(d) < j
            ]
            owners = tuple(dict.fromkeys(a if a != seat else d for a, d in open_before))
            merged = []
            for k, first in enumerate(opts[0]):
                here = [o[k] for o in opts]
                rules = list(dict.fromkeys(r for o in here for r in o.rules))
                note = next((o.note for o in here if o.note), "")
                if all(o.allowed for o in here) and (first.current or not (overflow and owners)):
                    merged.append(Option(k, first.label, True, [], note, (), first.current))
                elif any(o.allowed for o in here) or (overflow and owners):
                    merged.append(Option(k, first.label, False, rules, note, owners, first.current))
                else:
                    merged.append(Option(k, first.label, False, rules, note, (), first.current))
            out[decision] = merged
        return out

    def waiting_on(self, seat: str, moves: dict | None = None) -> list[str]:
        """Player seats that move before `seat` in a month and have not moved yet."""
        known = self._known(moves)
        return list(dict.fromkeys(a for a, _ in self._slots(seat, known) if a != seat))

    def check_moves(
        self, seat: str, moves: dict, where: str = "moves", others: dict | None = None
    ) -> dict[str, int]:
        """Refuse unknown decisions and options the rules block this month; return clean moves.

        `others` holds other players' moves already known this month."""
        clean = self._shape(seat, moves, where)
        if self.seats[seat] != "player":
            raise _bad(f"{words.actor(seat)} is played by the model", where, "moves for players")
        known = {s: m for s, m in self._known(others).items() if s != seat} | {seat: clean}
        options = self.options(seat, known)
        for decision, option in clean.items():
            self._refuse_blocked(options[decision], option, f"{where}.{decision}")
        return clean

    @staticmethod
    def _refuse_blocked(
        opts: list[Option], option: int, where: str, depends_ok: bool = False
    ) -> None:
        chosen = opts[option]
        if chosen.allowed or (depends_ok and chosen.depends_on):
            return
        open_ = ", ".join(f"{o.index} ({o.label})" for o in opts if o.allowed)
        if chosen.depends_on:
            who = " and ".join(
                words.actor(s) if s in SEATS else f"your {words.decision(s).what}"
                for s in chosen.depends_on
            )
            raise _bad(f"{chosen.label} depends on what {who} does this month", where, open_)
        raise _bad(f"{chosen.label} is blocked this month: {chosen.why_blocked}", where, open_)

    def _check_month(self, moves: dict, business: dict, where: str) -> _Month:
        """Every move of a month against the month as it will be adjudicated."""
        known = self._known_for_replay(moves, where)
        month = self._month(known, business)
        for seat, mine in known.items():
            if self.seats[seat] != "player":
                raise _bad(
                    f"{words.actor(seat)} is played by the model",
                    f"{where}.{seat}",
                    "moves for players",
                )
            options = self._options_in(month, seat)
            for decision, option in mine.items():
                self._refuse_blocked(options[decision], option, f"{where}.{seat}.{decision}")
        return month

    def _known_for_replay(self, moves, where: str) -> dict:
        if not isinstance(moves, dict):
            raise _bad("malformed moves", where, "seat -> decision -> option")
        return {seat: self._shape(seat, m, f"{where}.{seat}") for seat, m in moves.items()}

    # --- the model's advice -------------------------------------------------------------------
    def advice(
        self, seat: str, moves: dict | None = None, reps: int | None = None
    ) -> dict[str, dict[str, float]]:
        """The model's own odds for each option of `seat` this month (exact, for the month
        as it will be adjudicated), over the options open to the seat. Where an earlier
        player has not moved yet, as the model would play it. (`reps` is ignored: the
        odds are computed, not sampled.)"""
        options = self.options(seat, moves)
        odds = self._odds_in(self._month(self._known(moves)), seat)
        out = {}
        for decision, opts in options.items():
            p = np.array([odds[decision][o.index] if o.allowed else 0.0 for o in opts])
            if p.sum() <= 0:  # the model's pick hangs on an earlier move: hold is always open
                p = np.array([1.0 if o.current else 0.0 for o in opts])
            p = p / p.sum()
            out[decision] = {o.label: float(p[o.index]) for o in opts}
        return out

    def month_so_far(self, seat: str, moves: dict | None = None) -> dict:
        """What happens this month before `seat` decides: the injects and the earlier
        actors' decisions (traced, as `RedlineModel.log` holds them), and whether a
        ceasefire holds; earlier players who have not moved yet are left out."""
        known = self._known(moves)
        month = self._month(known)
        waiting = set(self.waiting_on(seat, known))
        before = self.move_order[: self.move_order.index(seat)]
        return {
            "month": self.month,
            "injects": month.entry["injects"],
            "notes": list(self.pending.get("notes", [])),
            "decisions": [
                d
                for d in month.entry["decisions"]
                if d["actor"] in before and d["actor"] not in waiting
            ],
            "ceasefire": month.ceasefire and not bool(self.world.ceasefire[0]),
        }

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
        clean = self._known(moves or {})
        for seat, holder in self.seats.items():
            if holder != "player":
                continue
            if seat not in clean:
                raise _bad(
                    f"no move yet for {words.actor(seat)}", "moves", "a move for every player seat"
                )
            missing = [d for d in DECISIONS[seat] if d not in clean[seat]]
            if missing:
                raise _bad(
                    f"no choice yet for {words.actor(seat)}'s "
                    + " and ".join(words.decision(d).what for d in missing),
                    f"moves.{seat}",
                    "an option for each decision",
                )
        turn = {"month": self.month, "moves": clean, **deepcopy(self.pending)}
        self._play(turn, where=None)
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
        self.pending = {k: v for k, v in last.items() if k in PENDING_KEYS}
        self._rebuild()

    # --- facilitator ------------------------------------------------------------------------
    def inject(self, kind: str, value: float | None = None, note: str = "", **fields) -> None:
        """Schedule a catalogue inject for the coming month (`fields`: parameter, preference,
        approval or months, for the injects that take them)."""
        inj = {"month": self.month, "type": kind, "note": note, **fields}
        if value is not None:
            inj["value"] = value
        if len(self.pending["injects"]) >= MAX_INJECTS:
            raise _bad("too many injects this month", "inject", f"at most {MAX_INJECTS}")
        _inject(inj, "inject", self.month)
        self.pending["injects"].append({k: v for k, v in inj.items() if v not in (None, "")})
        self._months = {}

    def inject_custom(self, note: str, parameters: dict) -> None:
        """A custom inject: its effect is a change of parameters from the coming month on."""
        if not isinstance(parameters, dict):
            raise _bad("malformed parameter changes", "inject", "dotted names with values")
        for name in parameters:
            check_name(name, "inject")
        self.world.scenario.with_overrides({**self.pending["custom"], **parameters}, "inject")
        self.pending["custom"] = {**self.pending["custom"], **parameters}
        self.pending.setdefault("notes", []).append(
            f"{note}: " + ", ".join(f"{k}={v}" for k, v in parameters.items())
        )
        self._months = {}

    # --- looking ahead -------------------------------------------------------------------------
    def branch_scenario(self) -> Scenario:
        """The scenario as it now stands: current parameters plus this month's injects."""
        injects = list(self.world.scenario.injects) + [
            Inject.model_validate(e) for e in self.pending["injects"]
        ]
        sc = self.world.scenario.with_overrides(self.pending["custom"] or None, origin="inject")
        return sc.model_copy(update={"injects": injects})

    def risk(
        self,
        seat: str,
        moves: dict[str, int] | None = None,
        *,
        others: dict | None = None,
        reps: int = 1000,
        months: int = 3,
        seed: int | None = None,
    ) -> RiskView:
        """The player's move against holding, from `seat`: what each other actor does in its
        first answer and over `months` months, and which outcomes follow, in `reps` worlds
        branched from this month with common random numbers.

        The month's start is exact in every world: its injects, a ceasefire or none, and
        the moves of the actors before `seat` as the adjudication will make them. From
        then on the model plays every seat, the player's included. `moves` not given
        for a decision hold it; `others` are other players' moves this month.
        """
        if self.finished:
            raise _bad("the game is over", "risk", "a game in progress")
        if seat not in SEATS:
            raise _bad(f"unknown seat {_short(seat)}", "seat", ", ".join(SEATS))
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
            raise _bad(f"{_short(months)} months", "months", "1 to 12")
        agent = self.agent(seat)
        hold = {d: int(agent.current(d)[0]) for d in DECISIONS[seat]}
        move = hold | self._shape(seat, moves or {}, "moves")
        known = {s: m for s, m in self._known(others).items() if s != seat}
        options = self.options(seat, known | {seat: move})
        for decision, option in move.items():
            self._refuse_blocked(options[decision], option, f"moves.{decision}", depends_ok=True)
        month = self._month(known | {seat: move})

        order = self.move_order
        mine = order.index(seat)
        waiting = set(self.waiting_on(seat, known))
        first: dict[tuple[str, str], int] = {}
        for a in order[:mine]:  # the month's start as the adjudication will play it
            if a not in waiting:
                for d in DECISIONS[a]:
                    first[(a, d)] = int(month.decisions[(a, d)]["chosen_index"])
        for a, m in known.items():
            first |= {(a, d): k for d, k in m.items()}

        left = self.scenario.horizon_months - len(self.turns)
        n = min(months + 1, left)
        sc = self._risk_scenario(month, n)
        seed = self.seed + 7919 * (len(self.turns) + 1) if seed is None else seed
        start = self.world.world_state(0)

        def run(mv):
            fm = first | {(seat, d): k for d, k in mv.items()}
            return simulate(sc, reps=reps, seed=seed, start=start, months=n, first_moves=fm)

        a, b = run(move), run(hold)
        labels = [month_label(self.world.first_month + self.world.t + t) for t in range(n)]
        ladders = {dec: col for col, (actor, dec) in LADDER_SERIES.items() if actor == seat}
        done = np.ones(reps, dtype=bool)
        for dec, col in ladders.items():
            done &= a.series[col][0] == move[dec]

        answers = []
        for other in order:
            if other == seat:
                continue
            before = order.index(other) < mine
            m0 = 1 if before else 0
            if m0 >= n:
                continue
            window = range(m0, min(m0 + months, n))
            for col, (actor, dec) in LADDER_SERIES.items():
                if actor != other:
                    continue
                answers.append(self._answer(a, b, col, other, dec, before, m0, window, labels))
        outcomes = {}
        reached = self.world.first
        for name in OUTCOMES:
            if reached[name][0] >= 0:
                continue
            hit = [(r.first[name] >= 1) & (r.first[name] <= months) for r in (a, b)]
            outcomes[name] = Compared(Share.of(hit[0]), Share.of(hit[1]))
        provocation = None
        if seat != "pyongyang":
            m0 = 1 if order.index("pyongyang") < mine else 0
            if m0 < n:
                span = slice(m0, m0 + months)
                provocation = Compared(
                    *(Share.of(r.series["pyongyang_provocation"][span].any(0)) for r in (a, b))
                )
        return RiskView(
            seat,
            self.month,
            reps,
            tuple(labels[:months]),
            {d: DECISIONS[seat][d][k] for d, k in move.items()},
            {d: DECISIONS[seat][d][k] for d, k in hold.items()},
            Share.of(done),
            tuple(answers),
            outcomes,
            provocation,
        )

    def _risk_scenario(self, month: _Month, n: int) -> Scenario:
        """The branch's scenario: this month's injects, and this month's ceasefire draw as
        the adjudication makes it (an inject if one is drawn, no draw otherwise)."""
        sc = self.branch_scenario()
        if bool(self.world.ceasefire[0]):
            return sc
        injects = list(sc.injects)
        if month.ceasefire:
            injects.append(Inject(month=self.month, type="ceasefire"))
            return sc.model_copy(update={"injects": injects})
        hazard = sc.parameters.war.ceasefire_hazard
        for inj in injects:
            if (
                inj.type == "set"
                and inj.parameter == "war.ceasefire_hazard"
                and inj.month == self.month
            ):
                hazard = inj.value
        sc = sc.with_overrides({"war.ceasefire_hazard": 0.0}, origin="risk view")
        if n > 1:
            nxt = month_label(self.world.first_month + self.world.t + 1)
            injects.append(
                Inject(month=nxt, type="set", parameter="war.ceasefire_hazard", value=hazard)
            )
        return sc.model_copy(update={"injects": injects})

    def _answer(self, a, b, col, actor, decision, before, m0, window, labels) -> Answer:
        opts = DECISIONS[actor][decision]
        now = int(self.agent(actor).current(decision)[0])

        def base(r):  # each world's position before the answer's month
            return r.series[col][m0 - 1] if m0 else np.full(r.reps, now)

        shares = {}
        for k, label in enumerate(opts):
            x, y = (Share.of(r.series[col][m0] == k) for r in (a, b))
            if x.p or y.p:
                shares[label] = Compared(x, y)
        span = slice(window.start, window.stop)
        climbs = Compared(*(Share.of((r.series[col][span] > base(r)).any(0)) for r in (a, b)))
        down = Compared(*(Share.of((r.series[col][span] < base(r)).any(0)) for r in (a, b)))
        # before the answer: where it stands now, or (answering a month later) where this
        # month leaves it in most worlds (in all of them unless a player has yet to move)
        start = opts[now]
        if m0:
            start = opts[int(np.bincount(b.series[col][m0 - 1].astype(int)).argmax())]
        return Answer(
            actor,
            decision,
            before,
            labels[m0],
            tuple(labels[window.start : window.stop]),
            start,
            shares,
            climbs,
            down,
        )

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
        """Rebuild a game by replaying its turns, every part checked: the scenario by the
        scenario schema and its consistency checks, each turn's moves by the rules of the
        month they were played in, and the month in waiting by playing it on a copy."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError("not a redline game file", file=origin, field="format", allowed=FORMAT)
        extra = sorted(set(data) - set(GAME_KEYS))
        if extra:
            raise InputError(
                f"unknown key {_short(extra[0])}",
                file=origin,
                field=extra[0],
                allowed=", ".join(GAME_KEYS),
            )
        scenario = check(data.get("scenario"), f"{origin}: scenario")
        try:
            for key in ("advice_visible", "paused"):
                if not isinstance(data.get(key, False), bool):
                    raise _bad(_short(data[key]), key, "true or false")
            seed = data.get("seed", 0)
            if not isinstance(seed, int) or isinstance(seed, bool):
                raise _bad(_short(seed), "seed", "a whole number")
            game = cls(scenario, seed, data.get("seats"), data.get("advice_visible", True))
            turns = data.get("turns") or []
            if not isinstance(turns, list) or len(turns) > scenario.horizon_months:
                raise _bad(
                    "too many turns" if isinstance(turns, list) else "malformed turns",
                    "turns",
                    f"a list of at most {scenario.horizon_months}",
                )
            for i, raw in enumerate(turns):
                where = f"turns.{i}"
                turn = _business(raw, where, game.month, TURN_KEYS)
                if turn.setdefault("month", game.month) != game.month:
                    raise _bad(_short(turn["month"]), f"{where}.month", game.month)
                turn["moves"] = game._known_for_replay(turn.get("moves") or {}, f"{where}.moves")
                game._play(turn, where=where)
                game.turns.append(turn)
            pending = data.get("pending")
            pending = {"injects": [], "custom": {}} if pending is None else pending
            game.pending = _business(pending, "pending", game.month, PENDING_KEYS)
            game.paused = data.get("paused", False)
            if not game.finished:  # the month in waiting must play
                game.world.scenario.with_overrides(game.pending["custom"] or None, "pending.custom")
                game._month({})
        except InputError as exc:
            inner = ".".join(p for p in (exc.file, exc.field) if p) or None
            raise InputError(exc.detail, file=origin, field=inner, allowed=exc.allowed) from None
        return game


def parse_game(data: bytes, origin: str) -> Game:
    """A saved game (JSON from `redline play` or the dashboard); any problem is one InputError."""
    if len(data) > MAX_GAME_BYTES:
        raise InputError(
            "file too large", file=origin, allowed=f"at most {MAX_GAME_BYTES // 2**20} MB"
        )
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        raise InputError(
            "not valid JSON", file=origin, allowed="a redline game file (JSON)"
        ) from None
    try:
        return Game.from_dict(raw, origin=origin)
    except InputError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        raise InputError(
            "could not read the game", file=origin, allowed="a game file saved by redline, unedited"
        ) from None
