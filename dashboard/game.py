"""The Game page's logic, plain Python so it can be tested without Streamlit.

A room lives in the SQLite file `rooms_path()` names (env REDLINE_ROOMS), so it outlives
the server. The facilitator hands out join links that carry only the room and the seat
(`?room=ab12cd34&seat=seoul`); a team gets its own token when it claims the seat and can
come back with `?room=ab12cd34&token=...`. Everything a team sees comes from
`Rooms.view`, which shows it only its own seat's private information.

    rooms = open_rooms()
    room, facilitator = rooms.create(scenario, seed, ["seoul", "moscow"])
    link = join_link("http://host:8501", room, "seoul")
    token = rooms.claim(room, "seoul", "team A")
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from model import InputError, words
from model.game import report
from model.game.engine import SEATS, Game, Option, parse_game
from model.game.rooms import DEFAULT_DB, Rooms
from model.narrative import LADDER_SERIES, OPTIONS, page_lines
from model.outcomes import OUTCOMES
from model.scenario import INJECT_TYPES, check_name
from model.words import ACTOR_NAMES

from . import state

PAGE = "game"
RISK_REPS = 1000
RISK_MONTHS = 3

# Outcomes announced as an alarm when a month reaches them.
ALARMS = ("red_line_crossed", "relations_collapsed")


# ---------------------------------------------------------------- rooms and links


def rooms_path() -> Path:
    """Where rooms are kept: $REDLINE_ROOMS, else ~/.redline/rooms.sqlite."""
    return Path(os.environ.get("REDLINE_ROOMS") or DEFAULT_DB)


def open_rooms() -> Rooms:
    return Rooms(rooms_path())


def check_players(seats) -> list[str]:
    """The seats players will hold, in seat order; at least one."""
    seats = list(seats)
    unknown = [s for s in seats if s not in SEATS]
    if unknown or not seats:
        raise InputError(
            f"player seats {', '.join(unknown) or 'none'}",
            field="seats",
            allowed="one or more of " + ", ".join(SEATS),
        )
    return [s for s in SEATS if s in seats]


def _link(base: str, **query: str) -> str:
    return f"{base.rstrip('/')}/{PAGE}?{urlencode(query)}"


def join_link(base: str, room: str, seat: str) -> str:
    """A team's link to claim its seat: room and seat, no token."""
    return _link(base, room=room, seat=seat)


def rejoin_link(base: str, room: str, token: str) -> str:
    """A link back into the room for whoever holds `token` (a team's, or the facilitator's)."""
    return _link(base, room=room, token=token)


def base_url(page_url: str) -> str:
    """The app's address from the address of any of its pages (query and page dropped)."""
    url = page_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if url.endswith("/" + PAGE):
        url = url[: -len(PAGE) - 1]
    return url


def read_link(params: Mapping[str, Any]) -> dict[str, str]:
    """room, seat and token from the page's query parameters (absent ones left out)."""
    out = {}
    for key in ("room", "seat", "token"):
        value = params.get(key)
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else None
        if value:
            out[key] = str(value).strip()[:100]
    return out


# ---------------------------------------------------------------- game files


def read_game_file(name: str, data: bytes) -> Game:
    """A saved game (JSON from this page or `redline play`); any problem is one InputError."""
    return parse_game(data, name)


def game_json(game: Game) -> str:
    return json.dumps(game.to_dict(), indent=1)


def file_stem(game: Game, room: str = "") -> str:
    return f"redline-game-{room or game.scenario.name}-{len(game.turns)}-turns"


# ---------------------------------------------------------------- facilitator inputs


def inject_label(kind: str) -> str:
    """An inject type in the facilitator's picker: what it does, and what its value means."""
    text, value = INJECT_TYPES[kind]
    return text[:1].upper() + text[1:] + (f" [{value}]" if value else "")


def needs_value(kind: str) -> bool:
    return INJECT_TYPES[kind][1] is not None


def parse_changes(text: str) -> dict[str, Any]:
    """'seoul.public_opposition = 0.5' lines (or commas) -> {dotted name: value}."""
    changes = {}
    for part in text.replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputError(
                f"'{part}' has no '='",
                field="parameters",
                allowed="lines like seoul.public_opposition = 0.5",
            )
        name, value = (p.strip() for p in part.split("=", 1))
        check_name(name, "custom inject")
        try:
            changes[name] = state.parse_value(name, value)
        except InputError as exc:
            raise InputError(exc.detail, field=name, allowed=exc.allowed) from None
    if not changes:
        raise InputError(
            "no parameter changes",
            field="parameters",
            allowed="lines like seoul.public_opposition = 0.5",
        )
    return changes


# ---------------------------------------------------------------- what a team sees


def option_label(option: Option) -> str:
    """How an option reads in the move picker: blocked ones say what blocks them, options
    that hang on an earlier move say whose, notes are kept."""
    if option.depends_on:
        return f"{option.label} (depends on {depends_text(option.depends_on)} this month)"
    if not option.allowed:
        return f"{option.label} (blocked: {option.blocked_text})"
    return option.label + (f" ({option.note})" if option.note else "")


def depends_text(owners) -> str:
    """'Moscow', 'Moscow and your reward to Pyongyang'."""
    return " and ".join(
        ACTOR_NAMES[o] if o in ACTOR_NAMES else f"your {words.decision(o).what}" for o in owners
    )


def option_rows(options: Mapping[str, list[Option]]) -> list[dict]:
    """Every option of every decision: open or not, what blocks it, what would lift it."""
    rows = []
    for decision, opts in options.items():
        for o in opts:
            rows.append(
                {
                    "decision": words.decision(decision).what,
                    "option": o.label,
                    "open": "depends" if o.depends_on else "yes" if o.allowed else "no",
                    "blocked by": (
                        f"what {depends_text(o.depends_on)} does first"
                        if o.depends_on
                        else o.blocked_text
                    ),
                    "lifted by": o.lift_text if o.rules and not o.depends_on else "",
                    "note": o.note,
                }
            )
    return rows


def default_moves(options: Mapping[str, list[Option]]) -> dict[str, int]:
    """Where the picker starts: the seat's present option for each decision if open, else
    the first open one."""
    out = {}
    for decision, opts in options.items():
        here = next((o.index for o in opts if o.current and o.allowed), None)
        out[decision] = here if here is not None else next((o.index for o in opts if o.allowed), 0)
    return out


def picked(opts: list[Option], value, start: int) -> int:
    """The option a picker holds, or `start` if what it holds is no option (the Confirm
    button still sends it as it is, and the room refuses it in one message)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(opts)
    return value if ok else start


def move_text(options: Mapping[str, list[Option]], moves: Mapping[str, int]) -> str:
    return "; ".join(
        f"{words.decision(d).what}: {options[d][k].label}" for d, k in moves.items() if d in options
    )


def _pair(c, holding: bool) -> str:
    return (
        words.chance(c.move.p)
        if holding
        else (f"{words.chance(c.move.p)}, against {words.chance(c.hold.p)} if it holds")
    )


def risk_sentences(seat: str, risk) -> list[str]:
    """The risk view (`Game.risk`) in words: the move played now against holding."""
    holding = risk.move == risk.hold
    what = "; ".join(f"{words.decision(d).what}: {x}" for d, x in risk.move.items())
    span = f"{risk.months[0]} to {risk.months[-1]}" if len(risk.months) > 1 else risk.months[0]
    head = (
        f"If {ACTOR_NAMES[seat]} holds ({what}), in {risk.reps:,} worlds over {span}:"
        if holding
        else f"If {ACTOR_NAMES[seat]} plays {what} now, in {risk.reps:,} worlds over {span} "
        "(against holding where it stands):"
    )
    out = [head]
    if risk.carried_out.p < 1:
        out.append(
            f"The move is carried out in {words.chance(risk.carried_out.p)} of worlds "
            "(a National Assembly vote may refuse it)."
        )
    for name, c in risk.outcomes.items():
        if c.move.p or c.hold.p:
            o = OUTCOMES[name]
            out.append(f"{o.label} ({o.meaning}): {_pair(c, holding)}.")
    if risk.provocation is not None and (risk.provocation.move.p or risk.provocation.hold.p):
        out.append(
            f"Pyongyang provokes on the Peninsula at least once: {_pair(risk.provocation, holding)}."
        )
    return out


def answer_rows(risk) -> list[dict]:
    """The other actors' answers in the risk view: each option seen in their first answer,
    after the move and after holding."""
    rows = []
    for a in risk.answers:
        for option, c in sorted(a.options.items(), key=lambda kv: -kv[1].move.p):
            rows.append(
                {
                    "actor": ACTOR_NAMES[a.actor],
                    "decision": words.decision(a.decision).what,
                    "in": a.month,
                    "option": option,
                    "after the move": c.move.p,
                    "if holding": c.hold.p,
                }
            )
    return rows


def advice_rows(advice: Mapping[str, Mapping[str, float]]) -> list[dict]:
    return [
        {"decision": words.decision(d).what, "option": option, "model's odds": p}
        for d, dist in advice.items()
        for option, p in sorted(dist.items(), key=lambda kv: -kv[1])
        if p > 0
    ]


# ---------------------------------------------------------------- state and the log

# Each ladder's labels and what it is, keyed by the state's and the series' names.
LADDER_LABELS = {key: OPTIONS[a][d] for key, (a, d) in LADDER_SERIES.items()}


def state_rows(st_: Mapping[str, Any]) -> list[dict]:
    """Where all four actors stand, in words (one row each, and the war)."""
    parts: dict[str, list[str]] = {a: [] for a in ACTOR_NAMES}
    for key, (a, d) in LADDER_SERIES.items():
        parts[a].append(f"{words.decision(d).what}: {LADDER_LABELS[key][st_[key]]}")
    seoul = parts["seoul"]
    seoul.append(f"public opposition to lethal aid {st_['public_opposition']:.0%}")
    seoul.append(f"government approval {st_['approval']:.0%}")
    seoul.append(f"shell stockpile {st_['stockpile_days']:.0f} days")
    if st_["assembly_approved"]:
        seoul.append("the Assembly has approved lethal aid")
    if st_.get("vote_cooldown"):
        n = st_["vote_cooldown"]
        seoul.append(f"no new Assembly motion for {n} month{'s' if n != 1 else ''}")
    parts["pyongyang"].append(f"{st_['pyongyang_shells']:,.0f} shells a month to Russia")
    if st_["red_line_crossed"]:
        parts["moscow"].append("it has crossed Seoul's red line")
    if st_["relations_collapsed"]:
        parts["moscow"].append("relations with Seoul have collapsed")
    rows = [{"actor": ACTOR_NAMES[a], "now": "; ".join(p)} for a, p in parts.items()]
    rows.append(
        {
            "actor": "The war in Ukraine",
            "now": "a ceasefire holds" if st_["ceasefire"] else "the fighting goes on",
        }
    )
    return rows


def seat_rows(view: Mapping[str, Any]) -> list[dict]:
    """Who holds each seat and who has moved this month."""
    rows = []
    for seat, holder in view["seats"].items():
        player = holder == "player"
        rows.append(
            {
                "seat": ACTOR_NAMES[seat],
                "held by": "a team" if player else "the model",
                "team": view["claimed"].get(seat, "") if player else "",
                "claimed": ("yes" if seat in view["claimed"] else "no") if player else "",
                "moved this month": ("yes" if seat in view["moved"] else "no") if player else "",
            }
        )
    return rows


def deadline_text(view: Mapping[str, Any]) -> str:
    """The turn deadline, if there is one, as the room reads it."""
    d = view.get("deadline") or {}
    if not d.get("minutes") or d.get("left") is None or view["finished"]:
        return ""
    if view["paused"]:
        return f"Turn deadline: {d['minutes']:g} minutes a month (stopped while paused)."
    minutes, seconds = divmod(int(round(d["left"])), 60)
    return (
        f"Turn deadline: {minutes} min {seconds:02d} s left; the model plays any team that "
        "has not moved by then."
    )


def month_lines(game: Game, turn: int) -> list[str]:
    """Turn `turn` (0-based) adjudicated, in words (`narrative.page_lines`)."""
    return page_lines(report.story(game, turn), you="team")


def announcements(game: Game) -> list[tuple[str, str]]:
    """What the last adjudicated month reached for the first time, as (kind, sentence):
    Seoul's red line crossed is an alarm; other outcomes are news."""
    if not game.turns:
        return []
    turn = len(game.turns) - 1
    month = game.turns[turn]["month"]
    out = []
    for key in OUTCOMES:
        if int(game.world.first[key][0]) == turn + 1:
            o = OUTCOMES[key]
            kind = "error" if key in ALARMS else "warning"
            out.append((kind, f"{month}: {o.label}. {o.meaning[:1].upper()}{o.meaning[1:]}."))
    return sorted(out, key=lambda kv: kv[0] != "error")


def replay(game: Game, turn: int) -> dict:
    """Turn `turn` (0-based) of a game: its month, what was played, the log, the state after."""
    if not 0 <= turn < len(game.turns):
        raise InputError(
            f"turn {turn}",
            field="replay",
            allowed=f"0 to {len(game.turns) - 1}" if game.turns else "no turns yet",
        )
    h = game.history()[turn]
    s = game.world.series
    after = {k: LADDER_LABELS[k][int(s[k][turn, 0])] for k in LADDER_LABELS}
    moves = {
        seat: "; ".join(
            f"{words.decision(d).what}: {game.agent(seat).DECISIONS[d][k]}" for d, k in m.items()
        )
        for seat, m in h["moves"].items()
    }
    absent = [
        seat for seat, holder in game.seats.items() if holder == "player" and seat not in moves
    ]
    for seat in absent:
        moves[seat] = "played by the model (no move by the turn deadline)"
    notes = [words.inject(e) for e in h["injects"]] + report.custom_words(
        h.get("custom") or {}, h.get("notes") or []
    )
    return {
        "month": h["log"]["month"],
        "moves": moves,
        "injects": notes,
        "lines": month_lines(game, turn),
        "after": after,
        "opposition": float(s["public_opposition"][turn, 0]),
    }


def pending_text(pending: Mapping[str, Any]) -> list[str]:
    """The facilitator's injects waiting for the coming month, in words."""
    out = [words.inject(e) for e in pending.get("injects", [])]
    out += report.custom_words(pending.get("custom") or {}, list(pending.get("notes", [])))
    return out


__all__ = [
    "rooms_path",
    "open_rooms",
    "join_link",
    "rejoin_link",
    "read_game_file",
    "parse_changes",
    "option_rows",
    "risk_sentences",
    "answer_rows",
    "state_rows",
    "announcements",
    "month_lines",
    "replay",
]
