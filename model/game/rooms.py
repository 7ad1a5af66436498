"""Rooms: a game shared by up to four teams, stored in SQLite so it survives restarts.

Each team claims a seat and gets a token; the facilitator gets the room's own
token. A move is one row keyed by (room, turn, seat), so the database itself
refuses a second move for the same seat and turn. The month is adjudicated, in
one write transaction, once every player seat has moved.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..scenario import Scenario
from .engine import SEATS, Game

DEFAULT_DB = Path(os.environ.get("REDLINE_ROOMS", Path.home() / ".redline" / "rooms.sqlite"))

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
"""


class Rooms:
    def __init__(self, path: str | os.PathLike = DEFAULT_DB):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self, write: bool = False):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except BaseException:
            if write:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # --- creating and joining -------------------------------------------------------------
    def create(self, scenario: Scenario, seed: int, player_seats: list[str]) -> tuple[str, str]:
        """A new room; returns (room id, facilitator token)."""
        return self.restore(Game(scenario, seed, {s: "player" for s in player_seats}))

    def restore(self, game: Game) -> tuple[str, str]:
        """A new room that continues `game` (e.g. from a saved game file); (room id, token)."""
        room, token = secrets.token_hex(4), secrets.token_urlsafe(12)
        with self._db(write=True) as db:
            db.execute(
                "INSERT INTO rooms VALUES (?, ?, ?, 0, 0, ?)",
                (room, token, json.dumps(game.to_dict()), time.time()),
            )
        return room, token

    def claim(self, room: str, seat: str, team: str = "") -> str:
        """Take a player seat; returns the seat token. A seat can be claimed once."""
        game, _ = self.load(room)
        if seat not in SEATS or game.seats.get(seat) != "player":
            raise InputError(
                f"{seat!r} is not a player seat in room {room}",
                field="seat",
                allowed=", ".join(s for s, h in game.seats.items() if h == "player"),
            )
        token = secrets.token_urlsafe(12)
        try:
            with self._db(write=True) as db:
                db.execute("INSERT INTO seats VALUES (?, ?, ?, ?)", (room, seat, token, team))
        except sqlite3.IntegrityError:
            raise InputError(
                f"seat {seat} is already taken",
                field="seat",
                allowed="a free seat, or ask the facilitator",
            ) from None
        return token

    def load(self, room: str) -> tuple[Game, dict]:
        with self._db() as db:
            row = db.execute(
                "SELECT game, shared, version, facilitator FROM rooms WHERE id=?", (room,)
            ).fetchone()
        if row is None:
            raise InputError(f"no room {room!r}", field="room", allowed="an existing room id")
        game = Game.from_dict(json.loads(row[0]), origin=f"room {room}")
        return game, {"shared": bool(row[1]), "version": row[2], "facilitator": row[3]}

    def stamp(self, room: str) -> tuple[int, int, int]:
        """(version, moves, seats claimed): changes whenever anything in the room does;
        cheap enough to poll."""
        with self._db() as db:
            row = db.execute("SELECT version FROM rooms WHERE id=?", (room,)).fetchone()
            moves = db.execute("SELECT count(*) FROM moves WHERE room=?", (room,)).fetchone()[0]
            seats = db.execute("SELECT count(*) FROM seats WHERE room=?", (room,)).fetchone()[0]
        if row is None:
            raise InputError(f"no room {room!r}", field="room", allowed="an existing room id")
        return row[0], moves, seats

    def _seat_for(self, db, room: str, token: str) -> str:
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

    def _check_facilitator(self, db, room: str, token: str) -> None:
        row = db.execute(
            "SELECT 1 FROM rooms WHERE id=? AND facilitator=?", (room, token)
        ).fetchone()
        if row is None:
            raise InputError(
                "only the facilitator may do that", field="token", allowed="the facilitator's token"
            )

    # --- playing --------------------------------------------------------------------------
    def submit(self, room: str, token: str, turn: int, moves: dict[str, int]) -> dict:
        """Commit a seat's move for `turn`; adjudicate the month if it was the last one missing."""
        game, _ = self.load(room)
        with self._db() as db:
            seat = self._seat_for(db, room, token)
        if turn != len(game.turns):
            raise InputError(
                f"turn {turn} is not the current turn",
                field="turn",
                allowed=f"{len(game.turns)} ({game.month})",
            )
        clean = game.check_moves(seat, moves, where=f"moves.{seat}")
        try:
            with self._db(write=True) as db:
                db.execute(
                    "INSERT INTO moves VALUES (?, ?, ?, ?, ?)",
                    (room, turn, seat, json.dumps(clean), time.time()),
                )
        except sqlite3.IntegrityError:
            raise InputError(
                f"{seat} has already moved in turn {turn}",
                field="moves",
                allowed="one move per seat per turn (the facilitator can undo)",
            ) from None
        return {"seat": seat, "adjudicated": self.adjudicate(room)}

    def pending_moves(self, room: str, turn: int) -> dict[str, dict]:
        with self._db() as db:
            rows = db.execute(
                "SELECT seat, move FROM moves WHERE room=? AND turn=?", (room, turn)
            ).fetchall()
        return {seat: json.loads(move) for seat, move in rows}

    def adjudicate(self, room: str) -> bool:
        """Play the month if every player seat has moved and the game is not paused."""
        with self._db(write=True) as db:
            row = db.execute("SELECT game, version FROM rooms WHERE id=?", (room,)).fetchone()
            game = Game.from_dict(json.loads(row[0]), origin=f"room {room}")
            turn = len(game.turns)
            moves = {
                seat: json.loads(m)
                for seat, m in db.execute(
                    "SELECT seat, move FROM moves WHERE room=? AND turn=?", (room, turn)
                )
            }
            players = {s for s, h in game.seats.items() if h == "player"}
            if game.paused or game.finished or set(moves) != players:
                return False
            game.play_turn(moves)
            db.execute(
                "UPDATE rooms SET game=?, version=version+1 WHERE id=?",
                (json.dumps(game.to_dict()), room),
            )
        return True

    # --- facilitator ----------------------------------------------------------------------
    def facilitate(self, room: str, token: str, action: str, **kw) -> None:
        """inject(kind, value, note) | custom(note, parameters) | pause | resume | undo |
        advice(visible) | share(shared)"""
        with self._db(write=True) as db:
            self._check_facilitator(db, room, token)
            row = db.execute("SELECT game FROM rooms WHERE id=?", (room,)).fetchone()
            game = Game.from_dict(json.loads(row[0]), origin=f"room {room}")
            if action == "inject":
                game.inject(kw["kind"], kw.get("value"), kw.get("note", ""))
            elif action == "custom":
                game.inject_custom(kw.get("note", "custom event"), kw["parameters"])
            elif action in ("pause", "resume"):
                game.paused = action == "pause"
            elif action == "undo":
                game.undo()
                db.execute("DELETE FROM moves WHERE room=? AND turn>=?", (room, len(game.turns)))
            elif action == "advice":
                game.advice_visible = bool(kw["visible"])
            elif action == "share":
                db.execute("UPDATE rooms SET shared=? WHERE id=?", (int(bool(kw["shared"])), room))
            else:
                raise InputError(
                    f"unknown action {action!r}",
                    field="action",
                    allowed="inject, custom, pause, resume, undo, advice, share",
                )
            db.execute(
                "UPDATE rooms SET game=?, version=version+1 WHERE id=?",
                (json.dumps(game.to_dict()), room),
            )
        if action == "resume":
            self.adjudicate(room)

    def view(self, room: str, token: str) -> dict:
        """What the holder of `token` may see: everything for the facilitator; for a team,
        the public state plus its own seat's options and advice (others' only if shared)."""
        game, meta = self.load(room)
        with self._db() as db:
            facilitator = meta["facilitator"] == token
            seat = None if facilitator else self._seat_for(db, room, token)
            claimed = dict(
                db.execute("SELECT seat, team FROM seats WHERE room=?", (room,)).fetchall()
            )
        moved = self.pending_moves(room, len(game.turns))
        visible = list(game.seats) if facilitator or meta["shared"] else [seat]
        private = {}
        for s in visible:
            if game.seats[s] != "player" or game.finished:
                continue
            private[s] = {
                "options": game.options(s),
                "moved": s in moved,
                "move": moved.get(s) if (facilitator or s == seat) else None,
            }
            if game.advice_visible or facilitator:
                private[s]["advice"] = game.advice(s, reps=500)
        return {
            "room": room,
            "role": "facilitator" if facilitator else seat,
            "state": game.state(),
            "turn": len(game.turns),
            "seats": game.seats,
            "claimed": claimed,
            "moved": sorted(moved),
            "paused": game.paused,
            "finished": game.finished,
            "advice_visible": game.advice_visible,
            "shared": meta["shared"],
            "private": private,
            "log": game.log,
        }
