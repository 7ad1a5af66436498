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
from model.game.engine import SEATS, Game, Option, parse_game
from model.game.rooms import DEFAULT_DB, Rooms
from model.narrative import LADDER_SERIES, OPTIONS, describe_turn, page_lines
from model.outcomes import OUTCOMES
from model.scenario import EVENT_TYPES, check_name
from model.words import ACTOR_NAMES

from . import state

PAGE = "game"
RISK_REPS = 1000
RISK_MONTHS = 3

# Whose decision each of the risk view's next-month distributions is.
NEXT_MONTH = {
    "seoul": ("seoul", "assistance"),
    "moscow_reward": ("moscow", "reward"),
    "moscow_posture": ("moscow", "posture"),
    "pyongyang_troops": ("pyongyang", "troops"),
    "nato": ("nato", "pressure"),
}


# What the risk view's "within N months" shares are about: outcomes in their own words.
WITHIN = {
    **{k: OUTCOMES[k].meaning for k in ("relations_collapsed", "red_line_crossed", "lethal_aid")},
    "assembly_vote_held": "a National Assembly vote is held",
}


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


def event_label(kind: str) -> str:
    """An inject type in the facilitator's picker: what it does, and what its value means."""
    text, value = EVENT_TYPES[kind]
    return text[:1].upper() + text[1:] + (f" [{value}]" if value else "")


def needs_value(kind: str) -> bool:
    return EVENT_TYPES[kind][1] is not None


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
        check_name(name, "custom event")
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
    """How an option reads in the move picker: blocked ones say so, notes are kept."""
    if not option.allowed:
        return f"{option.label} (blocked: {'; '.join(words.rule(r).blocks for r in option.rules)})"
    return option.label + (f" ({option.note})" if option.note else "")


def option_rows(options: Mapping[str, list[Option]]) -> list[dict]:
    """Every option of every decision, with the rule that blocks it and any note."""
    rows = []
    for decision, opts in options.items():
        for o in opts:
            rows.append(
                {
                    "decision": words.decision(decision).what,
                    "option": o.label,
                    "allowed": o.allowed,
                    "blocked by": "; ".join(
                        f"{words.rule(r).blocks} (lifted by {words.rule(r).lift})" for r in o.rules
                    ),
                    "note": o.note,
                }
            )
    return rows


def default_moves(
    options: Mapping[str, list[Option]], current: Mapping[str, int]
) -> dict[str, int]:
    """Where the picker starts: the seat's present option for each decision if allowed."""
    out = {}
    for decision, opts in options.items():
        k = current.get(decision, 0)
        if not (0 <= k < len(opts) and opts[k].allowed):
            k = next((o.index for o in opts if o.allowed), 0)
        out[decision] = k
    return out


def current_moves(seat: str, st_: Mapping[str, Any]) -> dict[str, int]:
    """Each decision's present option from the public state (to start the picker there)."""
    return {
        "seoul": {"assistance": st_["seoul_rung"]},
        "moscow": {"reward": st_["moscow_reward_rung"], "posture": st_["moscow_posture"]},
        "pyongyang": {"troops": st_["pyongyang_troops"], "shipments": 1, "provocation": 0},
        "nato": {"pressure": st_["nato_rung"]},
    }[seat]


def move_text(options: Mapping[str, list[Option]], moves: Mapping[str, int]) -> str:
    return "; ".join(
        f"{words.decision(d).what}: {options[d][k].label}" for d, k in moves.items() if d in options
    )


def risk_sentences(
    seat: str,
    options: Mapping[str, list[Option]],
    moves: Mapping[str, int],
    risk: Mapping[str, Any],
) -> list[str]:
    """'If Seoul sends ... now, relations collapse within 3 months in 34% of 1,000 worlds.'"""
    what = move_text(options, moves)
    head = f"If {ACTOR_NAMES[seat]} plays {what} now"
    n, months = risk["reps"], risk["months"]
    span = f"within {months} month{'s' if months != 1 else ''}"
    out = []
    for i, (key, text) in enumerate(WITHIN.items()):
        start = f"{head}, {text}" if i == 0 else text[0].upper() + text[1:]
        out.append(f"{start} {span} in {risk['within'][key]:.0%} of {n:,} worlds.")
    if risk["within"]["assembly_vote_held"]:
        out.append(
            f"A vote passes {span} in {risk['within']['assembly_vote_passed']:.0%} of {n:,} worlds."
        )
    return out


def next_month_rows(seat: str, risk: Mapping[str, Any]) -> list[dict]:
    """The other actors' next month in the risk view: one row per option that can happen."""
    rows = []
    for key, dist in risk["next_month"].items():
        owner, decision = NEXT_MONTH[key]
        if owner == seat:
            continue
        for option, p in sorted(dist.items(), key=lambda kv: -kv[1]):
            if p > 0:
                rows.append(
                    {
                        "actor": ACTOR_NAMES[owner],
                        "decision": words.decision(decision).what,
                        "next month": option,
                        "share of worlds": p,
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
LADDER_WHAT = {
    key: f"{ACTOR_NAMES[a]}'s {words.decision(d).what}" for key, (a, d) in LADDER_SERIES.items()
}


def state_rows(st_: Mapping[str, Any]) -> list[dict]:
    """The public state in words."""
    flags = [
        name
        for name, on in (
            ("ceasefire", st_["ceasefire"]),
            ("Moscow has crossed Seoul's red line", st_["red_line_crossed"]),
            ("relations have collapsed", st_["relations_collapsed"]),
            ("the Assembly has approved lethal aid", st_["assembly_approved"]),
        )
        if on
    ]
    return [
        {"what": LADDER_WHAT[key], "now": labels[st_[key]]} for key, labels in LADDER_LABELS.items()
    ] + [
        {"what": "Public opposition to lethal aid", "now": f"{st_['public_opposition']:.1%}"},
        {"what": "Seoul's shell stockpile", "now": f"{st_['stockpile_days']:.1f} days"},
        {"what": "Also", "now": "; ".join(flags) or "-"},
    ]


def seat_rows(view: Mapping[str, Any]) -> list[dict]:
    """Who holds each seat and who has moved this month."""
    rows = []
    for seat, holder in view["seats"].items():
        player = holder == "player"
        rows.append(
            {
                "seat": seat,
                "held by": holder,
                "team": view["claimed"].get(seat, "") if player else "",
                "claimed": seat in view["claimed"] if player else None,
                "moved this month": (seat in view["moved"]) if player else None,
            }
        )
    return rows


def month_lines(game: Game, turn: int) -> list[str]:
    """Turn `turn` (0-based) adjudicated, in words (`narrative.page_lines`)."""
    return page_lines(describe_turn(game, turn), you="team")


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
    notes = [words.inject(e) for e in h["injects"]] + h.get("notes", [])
    return {
        "month": h["log"]["month"],
        "moves": moves,
        "injects": notes,
        "lines": month_lines(game, turn),
        "after": after,
        "opposition": float(s["public_opposition"][turn, 0]),
    }


def pending_text(pending: Mapping[str, Any]) -> list[str]:
    """The facilitator's injects waiting for the coming month."""
    out = [words.inject(e) for e in pending.get("injects", [])]
    out += list(pending.get("notes", []))
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
    "next_month_rows",
    "month_lines",
    "replay",
]
