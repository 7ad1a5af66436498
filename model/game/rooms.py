"""Rooms: a game shared by up to four teams, stored in SQLite so it survives restarts.

Each team claims a seat and gets a token; the facilitator gets the room's own
token. A move is one row keyed by (room, turn, seat), so the database itself
refuses a second move for the same seat and turn.

Nothing stays stuck. A month is due once every player seat has moved, or once
the facilitator's turn deadline has passed (the model then plays the teams that
have not moved). Every request (`load`, `stamp`, `view`, `submit`,
`facilitate`) first completes a month that is due, so a month whose
adjudicating process died is completed by the next request from anyone.
Adjudication is one write transaction that re-reads the game and the moves
inside it: a process that dies mid-way commits nothing (SQLite rolls the
transaction back and the operating system releases its lock), and of two
processes that race, the second finds the month already played. So a month is
adjudicated exactly once however many processes ask.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from .. import words
from ..errors import InputError
from ..scenario import Scenario
from .engine import SEATS, Game, parse_game

DEFAULT_DB = Path(os.environ.get("REDLINE_ROOMS", Path.home() / ".redline" / "rooms.sqlite"))
MAX_TEAM = 60  # characters of a team's name
MAX_DEADLINE_MINUTES = 24 * 60
SUBMIT_TRIES = 5  # a move is checked again if the room changed while it was being checked
ACTIONS = (
    "inject",
    "custom",
    "pause",
    "resume",
    "undo",
    "advice",
    "share",
    "release",
    "reassign",
    "deadline",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY, facilitator TEXT NOT NULL, game TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS seats (
    room TEXT NOT NULL REFERENCES rooms(id), seat TEXT NOT NULL, token TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '', PRIMARY KEY (room, seat));
CREATE TABLE IF NOT EXISTS moves (
    room TEXT NOT NULL REFERENCES rooms(id), turn INTEGER NOT NULL, seat TEXT NOT NULL,
    move TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (room, turn, seat));
CREATE TABLE IF NOT EXISTS clocks (
    room TEXT PRIMARY KEY REFERENCES rooms(id), minutes REAL NOT NULL, deadline REAL);
"""


def play_month(game: Game, moves: dict[str, dict], absent: Iterable[str] = ()) -> dict:
    """`Game.play_turn`, with the model playing the player seats in `absent` this month.

    The turn is recorded without moves for those seats, which is how the game file
    says the model played them; a replay of the file plays them the same way.
    """
    absent = [s for s in absent if game.seats.get(s) == "player"]
    held = {s: game.seats[s] for s in absent}
    game.seats.update({s: "model" for s in absent})
    try:
        return game.play_turn(moves)
    finally:
        game.seats.update(held)


def _text(value, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InputError(f"{value!r}", field=field, allowed="text")
    clean = " ".join(value.split())  # no line breaks or control spacing in a name
    return clean[:limit]


class Rooms:
    def __init__(
        self, path: str | os.PathLike = DEFAULT_DB, clock: Callable[[], float] = time.time
    ):
        self.path = Path(path)
        self.clock = clock  # seconds; tests pass their own to move deadlines
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise InputError(
                "cannot create the folder for the rooms database",
                file=str(self.path),
                allowed="a writable path (set REDLINE_ROOMS)",
            ) from None
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self, write: bool = False):
        """A connection; with `write`, one transaction that holds SQLite's write lock."""
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error:
            raise InputError(
                "cannot open the rooms database",
                file=str(self.path),
                allowed="an SQLite file redline made (set REDLINE_ROOMS)",
            ) from None
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except sqlite3.OperationalError:
            self._rollback(db, write)
            raise InputError(
                "the rooms database is busy or unreadable",
                file=str(self.path),
                allowed="try again in a moment",
            ) from None
        except BaseException:
            self._rollback(db, write)
            raise
        finally:
            db.close()

    @staticmethod
    def _rollback(db, write: bool) -> None:
        if write and db.in_transaction:
            db.execute("ROLLBACK")

    # --- reading a room -------------------------------------------------------------------
    def _row(self, db, room) -> tuple[dict, dict]:
        """The room's stored game (as data) and its facts; one message for a bad room id."""
        if not isinstance(room, str) or not room:
            raise InputError("no room given", field="room", allowed="a room id")
        row = db.execute(
            "SELECT game, shared, version, facilitator FROM rooms WHERE id=?", (room,)
        ).fetchone()
        if row is None:
            raise InputError(f"no room {room[:40]!r}", field="room", allowed="an existing room id")
        try:
            data = json.loads(row[0])
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise InputError(
                "the stored game is damaged", file=f"room {room}", allowed="a room redline wrote"
            )
        return data, {"shared": bool(row[1]), "version": row[2], "facilitator": row[3]}

    @staticmethod
    def _game(data: dict, room: str) -> Game:
        return parse_game(json.dumps(data).encode(), f"room {room}")

    @staticmethod
    def _moves(db, room: str, turn: int) -> dict[str, dict]:
        rows = db.execute(
            "SELECT seat, move FROM moves WHERE room=? AND turn=?", (room, turn)
        ).fetchall()
        return {seat: json.loads(move) for seat, move in rows}

    @staticmethod
    def _clock(db, room: str) -> tuple[float, float | None]:
        """(minutes per turn, this turn's deadline) — (0, None) when there is none."""
        row = db.execute("SELECT minutes, deadline FROM clocks WHERE room=?", (room,)).fetchone()
        return (row[0], row[1]) if row else (0.0, None)

    def _due(self, data: dict, moved: Iterable[str], deadline: float | None) -> list[str] | None:
        """The seats the model must play if the month is due now (often none); None if not due."""
        if data.get("paused") or data.get("finished"):
            return None
        seats = data.get("seats") or {}
        players = [s for s in SEATS if seats.get(s) == "player"]
        if not players:  # the model plays every seat: nothing for a room to wait on
            return None
        absent = [s for s in players if s not in set(moved)]
        if not absent:
            return []
        if deadline is not None and self.clock() >= deadline:
            return absent
        return None

    # --- creating and joining -------------------------------------------------------------
    def create(self, scenario: Scenario, seed: int, player_seats: list[str]) -> tuple[str, str]:
        """A new room; returns (room id, facilitator token)."""
        return self.restore(Game(scenario, seed, {s: "player" for s in player_seats}))

    def restore(self, game: Game) -> tuple[str, str]:
        """A new room that continues `game` (e.g. from a saved game file); (room id, token)."""
        game = self._game(game.to_dict(), "to restore")  # every part checked, as a file is
        room, token = secrets.token_hex(4), secrets.token_urlsafe(12)
        with self._db(write=True) as db:
            db.execute(
                "INSERT INTO rooms VALUES (?, ?, ?, 0, 0, ?)",
                (room, token, json.dumps(game.to_dict()), self.clock()),
            )
        return room, token

    def _player_seat(self, data: dict, room: str, seat) -> str:
        players = [s for s in SEATS if (data.get("seats") or {}).get(s) == "player"]
        if seat not in players:
            raise InputError(
                (f"{words.actor(seat)} is" if seat in SEATS else f"{str(seat)[:40]!r} is")
                + f" not a player seat in room {room}",
                field="seat",
                allowed=", ".join(words.actor(s) for s in players) or "none",
            )
        return seat

    def claim(self, room: str, seat: str, team: str = "") -> str:
        """Take a player seat; returns the seat token. A seat can be claimed once."""
        team = _text(team, "team", MAX_TEAM)
        token = secrets.token_urlsafe(12)
        try:
            with self._db(write=True) as db:
                data, _ = self._row(db, room)
                self._player_seat(data, room, seat)
                db.execute("INSERT INTO seats VALUES (?, ?, ?, ?)", (room, seat, token, team))
        except sqlite3.IntegrityError:
            raise InputError(
                f"{words.actor(seat)} is already taken",
                field="seat",
                allowed="a free seat, or ask the facilitator",
            ) from None
        return token

    def load(self, room: str) -> tuple[Game, dict]:
        """The room's game, after completing a month that is due."""
        self.settle(room)
        return self._load(room)

    def _load(self, room: str) -> tuple[Game, dict]:
        with self._db() as db:
            data, meta = self._row(db, room)
        return self._game(data, room), meta

    def stamp(self, room: str) -> tuple[int, int, int]:
        """(version, moves, seats claimed): changes whenever anything in the room does;
        cheap enough to poll (and each poll completes a month that is due)."""
        self.settle(room)
        with self._db() as db:
            _, meta = self._row(db, room)
            moves = db.execute("SELECT count(*) FROM moves WHERE room=?", (room,)).fetchone()[0]
            seats = db.execute("SELECT count(*) FROM seats WHERE room=?", (room,)).fetchone()[0]
        return meta["version"], moves, seats

    def _seat_for(self, db, room: str, token) -> str:
        row = None
        if isinstance(token, str) and token:
            row = db.execute(
                "SELECT seat FROM seats WHERE room=? AND token=?", (room, token)
            ).fetchone()
        if row is None:
            raise InputError(
                "this token holds no seat in the room",
                field="token",
                allowed="the token you got when you claimed your seat",
            )
        return row[0]

    def _check_facilitator(self, db, room: str, token) -> None:
        row = None
        if isinstance(token, str) and token:
            row = db.execute(
                "SELECT 1 FROM rooms WHERE id=? AND facilitator=?", (room, token)
            ).fetchone()
        if row is None:
            raise InputError(
                "only the facilitator may do that", field="token", allowed="the facilitator's token"
            )

    # --- playing --------------------------------------------------------------------------
    def submit(self, room: str, token: str, turn: int, moves: dict[str, int]) -> dict:
        """Commit a seat's move for `turn`; adjudicate the month if it was the last one missing.

        The move is checked against the month as it will be adjudicated, with the other
        teams' moves committed so far; if the room changes while it is being checked (an
        inject, another month), it is checked again."""
        for _ in range(SUBMIT_TRIES):
            game, meta = self.load(room)
            with self._db() as db:
                seat = self._seat_for(db, room, token)
                others = {s: m for s, m in self._moves(db, room, len(game.turns)).items()}
            if not isinstance(moves, dict):
                raise InputError(
                    "malformed move", field=f"moves.{seat}", allowed="one option for each decision"
                )
            if turn != len(game.turns) or isinstance(turn, bool):
                raise InputError(
                    f"turn {turn} is not the current turn",
                    field="turn",
                    allowed=f"{len(game.turns)} ({game.month})",
                )
            if seat in others:
                raise self._moved(seat, turn)
            others.pop(seat, None)
            clean = game.check_moves(seat, moves, where=f"moves.{seat}", others=others)
            try:
                with self._db(write=True) as db:
                    _, now = self._row(db, room)
                    if now["version"] != meta["version"]:
                        continue  # the room changed meanwhile: check again
                    db.execute(
                        "INSERT INTO moves VALUES (?, ?, ?, ?, ?)",
                        (room, turn, seat, json.dumps(clean), self.clock()),
                    )
            except sqlite3.IntegrityError:
                raise self._moved(seat, turn) from None
            return {"seat": seat, "adjudicated": self.settle(room)}
        raise InputError(
            "the room kept changing while your move was checked",
            field="moves",
            allowed="try again in a moment",
        )

    @staticmethod
    def _moved(seat: str, turn: int) -> InputError:
        return InputError(
            f"{words.actor(seat)} has already moved in turn {turn}",
            field="moves",
            allowed="one move per seat per turn (the facilitator can undo)",
        )

    def pending_moves(self, room: str, turn: int) -> dict[str, dict]:
        with self._db() as db:
            return self._moves(db, room, turn)

    def settle(self, room: str) -> bool:
        """Complete the month if it is due (a cheap read when it is not); True if played."""
        with self._db() as db:
            data, _ = self._row(db, room)
            moved = self._moves(db, room, len(data.get("turns") or []))
            _, deadline = self._clock(db, room)
        if self._due(data, moved, deadline) is None:
            return False
        return self.adjudicate(room)

    def adjudicate(self, room: str) -> bool:
        """Play the month if it is due: every player seat has moved, or the deadline has
        passed (the model plays the rest); never while paused. One write transaction that
        re-reads everything, so the month is played once however many processes ask."""
        with self._db(write=True) as db:
            data, _ = self._row(db, room)
            moves = self._moves(db, room, len(data.get("turns") or []))
            minutes, deadline = self._clock(db, room)
            absent = self._due(data, moves, deadline)
            if absent is None:
                return False
            game = self._game(data, room)
            try:
                play_month(game, moves, absent)
            except InputError:
                void = self._void(game, moves)
                if not void:
                    raise
                # a committed move the month can no longer carry out: that team moves again
                db.executemany(
                    "DELETE FROM moves WHERE room=? AND turn=? AND seat=?",
                    [(room, len(game.turns), seat) for seat in void],
                )
                return False
            db.execute(
                "UPDATE rooms SET game=?, version=version+1 WHERE id=?",
                (json.dumps(game.to_dict()), room),
            )
            self._renew(db, room, minutes)
        return True

    @staticmethod
    def _void(game: Game, moves: dict[str, dict]) -> list[str]:
        """The seats whose committed moves the month as it now stands would refuse."""
        out = []
        for seat, move in moves.items():
            others = {s: m for s, m in moves.items() if s != seat}
            try:
                game.check_moves(seat, move, where=f"moves.{seat}", others=others)
            except InputError:
                out.append(seat)
        return out

    def _renew(self, db, room: str, minutes: float) -> None:
        """A fresh deadline for the month now open (none when there is no time limit)."""
        deadline = self.clock() + minutes * 60 if minutes else None
        db.execute(
            "INSERT INTO clocks VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET "
            "minutes=excluded.minutes, deadline=excluded.deadline",
            (room, float(minutes), deadline),
        )

    # --- facilitator ----------------------------------------------------------------------
    def facilitate(self, room: str, token: str, action: str, **kw):
        """One facilitator action; returns a new seat token for `reassign`, else None.

        inject(kind, value, note) | custom(note, parameters) | pause | resume |
        undo(months=1) | advice(visible) | share(shared) | release(seat) |
        reassign(seat, team) | deadline(minutes: 0 for none)
        """
        if action not in ACTIONS:
            raise InputError(
                f"unknown action {action!r}", field="action", allowed=", ".join(ACTIONS)
            )
        self.settle(room)
        out = None
        with self._db(write=True) as db:
            self._check_facilitator(db, room, token)
            data, _ = self._row(db, room)
            game = self._game(data, room)
            minutes, _ = self._clock(db, room)
            if action == "inject":
                value = kw.get("value")
                game.inject(kw.get("kind"), value, _text(kw.get("note", ""), "note", 500))
                self._check_committed(db, room, game)
            elif action == "custom":
                parameters = kw.get("parameters")
                if not isinstance(parameters, dict) or not parameters:
                    raise InputError(
                        "no parameter changes", field="parameters", allowed="name = value lines"
                    )
                note = _text(kw.get("note") or "custom inject", "note", 500)
                game.inject_custom(note, parameters)
                self._check_committed(db, room, game)
            elif action in ("pause", "resume"):
                game.paused = action == "pause"
                if action == "resume":
                    self._renew(db, room, minutes)
            elif action == "undo":
                months = kw.get("months", 1)
                if not isinstance(months, int) or isinstance(months, bool):
                    months = -1
                if not 1 <= months <= max(len(game.turns), 1):
                    raise InputError(
                        f"undo {kw.get('months')!r} months",
                        field="months",
                        allowed=f"1 to {len(game.turns)}" if game.turns else "a month played",
                    )
                for _ in range(months):
                    game.undo()
                db.execute("DELETE FROM moves WHERE room=? AND turn>=?", (room, len(game.turns)))
                self._renew(db, room, minutes)
            elif action == "advice":
                game.advice_visible = bool(kw.get("visible"))
            elif action == "share":
                db.execute(
                    "UPDATE rooms SET shared=? WHERE id=?", (int(bool(kw.get("shared"))), room)
                )
            elif action == "release":
                seat = self._player_seat(data, room, kw.get("seat"))
                gone = db.execute("DELETE FROM seats WHERE room=? AND seat=?", (room, seat))
                if gone.rowcount == 0:
                    raise InputError(
                        f"{words.actor(seat)} is not claimed",
                        field="seat",
                        allowed="a claimed seat",
                    )
            elif action == "reassign":
                seat = self._player_seat(data, room, kw.get("seat"))
                team = _text(kw.get("team", ""), "team", MAX_TEAM)
                out = secrets.token_urlsafe(12)
                db.execute("DELETE FROM seats WHERE room=? AND seat=?", (room, seat))
                db.execute("INSERT INTO seats VALUES (?, ?, ?, ?)", (room, seat, out, team))
            elif action == "deadline":
                minutes = kw.get("minutes")
                if (
                    not isinstance(minutes, (int, float))
                    or isinstance(minutes, bool)
                    or not math.isfinite(minutes)
                    or not 0 <= minutes <= MAX_DEADLINE_MINUTES
                ):
                    raise InputError(
                        f"{minutes!r} minutes",
                        field="deadline",
                        allowed=f"0 (no deadline) to {MAX_DEADLINE_MINUTES} minutes a turn",
                    )
                self._renew(db, room, float(minutes))
            db.execute(
                "UPDATE rooms SET game=?, version=version+1 WHERE id=?",
                (json.dumps(game.to_dict()), room),
            )
        if action in ("resume", "deadline"):
            self.settle(room)
        return out

    def _check_committed(self, db, room: str, game: Game) -> None:
        """An inject changes the month in waiting: refuse one that would make a move a team
        has already committed illegal (the month could not be played as committed)."""
        moves = self._moves(db, room, len(game.turns))
        for seat, move in moves.items():
            others = {s: m for s, m in moves.items() if s != seat}
            try:
                game.check_moves(seat, move, where=f"moves.{seat}", others=others)
            except InputError as exc:
                raise InputError(
                    f"this would make {words.actor(seat)}'s committed move illegal ({exc.detail})",
                    field="inject",
                    allowed="an inject that leaves the teams' committed moves legal, or undo",
                ) from None

    def view(self, room: str, token: str) -> dict:
        """What the holder of `token` may see: everything for the facilitator; for a team,
        the public state plus its own seat's options and advice (others' only if shared)."""
        game, meta = self.load(room)
        with self._db() as db:
            facilitator = isinstance(token, str) and meta["facilitator"] == token
            seat = None if facilitator else self._seat_for(db, room, token)
            claimed = dict(
                db.execute("SELECT seat, team FROM seats WHERE room=?", (room,)).fetchall()
            )
            moved = self._moves(db, room, len(game.turns))
            minutes, deadline = self._clock(db, room)
        visible = list(game.seats) if facilitator or meta["shared"] else [seat]
        private = {}
        for s in visible:
            if game.seats[s] != "player" or game.finished:
                continue
            others = {o: m for o, m in moved.items() if o != s}
            private[s] = {
                "options": game.options(s, others),
                "waiting_on": game.waiting_on(s, others),
                "moved": s in moved,
                "move": moved.get(s) if (facilitator or s == seat) else None,
            }
            if game.advice_visible or facilitator:
                private[s]["advice"] = game.advice(s, others)
        return {
            "room": room,
            "role": "facilitator" if facilitator else seat,
            "state": game.state(),
            "turn": len(game.turns),
            "seats": game.seats,
            "claimed": claimed,
            "moved": sorted(moved),
            "moves": moved if facilitator else {},
            "paused": game.paused,
            "finished": game.finished,
            "advice_visible": game.advice_visible,
            "shared": meta["shared"],
            "private": private,
            "log": game.log,
            "deadline": {
                "minutes": minutes,
                "at": deadline,
                "left": None if deadline is None else max(0.0, deadline - self.clock()),
            },
        }
