"""Rooms (model/game/rooms.py): nothing stays stuck, and bad input leaves a room untouched.

A process that dies while it adjudicates a month leaves every move committed and the
month unplayed; the next request from any process plays it, exactly once. A turn
deadline lets the model play the teams that have not moved; the facilitator can
release or reassign a seat and undo several months.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from model import InputError, load_scenario
from model.game import Game
from model.game.engine import parse_game
from model.game.rooms import Rooms, play_month

# The last move of the month comes from a process that dies mid-adjudication: inside the
# write transaction, after the month is played in memory and before it is written.
DYING = r"""
import os, signal, sys, time
from pathlib import Path
from model.game import rooms as r

path, room, token, flag, how = sys.argv[1:6]
real = r.Game.play_turn

def dying(self, moves=None):
    out = real(self, moves)
    Path(flag).write_text("adjudicating")
    if how == "exit":
        os._exit(9)
    time.sleep(600)  # the test kills this process (SIGKILL) while it holds the lock
    return out

r.Game.play_turn = dying
r.Rooms(path).submit(room, token, 0, {"reward": 1, "posture": 1})
"""

ASK = r"""
import sys
from model.game.rooms import Rooms
rooms = Rooms(sys.argv[1])
print(rooms.stamp(sys.argv[2])[0], len(rooms.load(sys.argv[2])[0].turns))
"""


def raw(db, room) -> dict:
    """The stored game, read without going through Rooms (which would settle the month)."""
    with sqlite3.connect(db) as con:
        return json.loads(con.execute("SELECT game FROM rooms WHERE id=?", (room,)).fetchone()[0])


def stored(db) -> list:
    """Everything the database holds, to show a refused request changed nothing."""
    with sqlite3.connect(db) as con:
        return [
            con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("rooms", "seats", "moves", "clocks")
        ]


@pytest.fixture
def two_teams(tmp_path, nov):
    db = tmp_path / "rooms.sqlite"
    rooms = Rooms(db)
    room, fac = rooms.create(nov, 3, ["seoul", "moscow"])
    return db, rooms, room, fac, rooms.claim(room, "seoul", "A"), rooms.claim(room, "moscow", "B")


def wait_for(path, proc, limit=120.0):
    """Until the subprocess has written `path` (it is then inside the adjudication)."""
    end = time.monotonic() + limit
    while not path.exists():
        assert proc.poll() is None or path.exists(), proc.stderr.read()
        assert time.monotonic() < end, "the dying process never reached the adjudication"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["exit", "kill"])
def test_a_month_whose_adjudicator_died_completes_on_the_next_request(two_teams, tmp_path, how):
    db, rooms, room, fac, seoul, moscow = two_teams
    rooms.submit(room, seoul, 0, {"assistance": 1})
    flag = tmp_path / "flag"
    proc = subprocess.Popen(
        [sys.executable, "-c", DYING, str(db), room, moscow, str(flag), how],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(flag, proc)
        if how == "kill":
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, "the adjudicating process died"
    # every move is committed, the month is not
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM moves WHERE turn=0").fetchone()[0] == 2
    assert raw(db, room)["turns"] == []

    # the next request, from other processes and this one, completes it exactly once
    asks = [
        subprocess.Popen([sys.executable, "-c", ASK, str(db), room], stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    game, meta = Rooms(db).load(room)
    answers = [p.communicate(timeout=120)[0].split() for p in asks]
    assert answers == [[b"1", b"1"]] * 2
    assert len(game.turns) == 1 and meta["version"] == 1
    assert game.turns[0]["moves"] == {
        "seoul": {"assistance": 1},
        "moscow": {"reward": 1, "posture": 1},
    }
    straight = Game(game.scenario, 3, {"seoul": "player", "moscow": "player"})
    straight.play_turn({"seoul": {"assistance": 1}, "moscow": {"reward": 1, "posture": 1}})
    assert game.state() == straight.state()
    assert Rooms(db).stamp(room) == (1, 2, 2), "asking again plays nothing more"


def test_many_processes_asking_at_once_play_the_month_once(two_teams):
    db, rooms, room, fac, seoul, moscow = two_teams
    # both moves committed by hand, as if the process that wrote the last one had died
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO moves VALUES (?, 0, 'seoul', ?, 0)", (room, '{"assistance": 1}'))
        con.execute(
            "INSERT INTO moves VALUES (?, 0, 'moscow', ?, 0)", (room, '{"reward": 1, "posture": 0}')
        )
    asks = [
        subprocess.Popen([sys.executable, "-c", ASK, str(db), room], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    answers = [p.communicate(timeout=120)[0].split() for p in asks]
    assert answers == [[b"1", b"1"]] * 3
    assert len(raw(db, room)["turns"]) == 1


def test_a_deadline_lets_the_model_play_the_absent_teams(tmp_path, nov):
    now = [1000.0]
    db = tmp_path / "rooms.sqlite"
    rooms = Rooms(db, clock=lambda: now[0])
    room, fac = rooms.create(nov, 3, ["seoul", "moscow"])
    seoul = rooms.claim(room, "seoul")
    rooms.facilitate(room, fac, "deadline", minutes=5)
    assert rooms.view(room, fac)["deadline"] == {"minutes": 5.0, "at": 1300.0, "left": 300.0}
    rooms.submit(room, seoul, 0, {"assistance": 1})
    now[0] = 1299.0
    assert rooms.stamp(room)[0] == 1 and len(rooms.load(room)[0].turns) == 0, "not yet"
    now[0] = 1300.0
    game, _ = rooms.load(room)
    assert len(game.turns) == 1
    assert game.turns[0]["moves"] == {"seoul": {"assistance": 1}}, "Moscow's move left out"
    moscow = [d for d in game.log[0]["decisions"] if d["actor"] == "moscow"]
    assert moscow and not any(d["player"] for d in moscow), "the model played Moscow"
    assert game.seats["moscow"] == "player", "Moscow's team keeps its seat"
    assert rooms.view(room, fac)["deadline"]["at"] == 1600.0, "the next month gets its own"
    # a paused game waits however late it is; resuming restarts the clock
    rooms.facilitate(room, fac, "pause")
    now[0] = 5000.0
    assert len(rooms.load(room)[0].turns) == 1
    rooms.facilitate(room, fac, "resume")
    assert rooms.view(room, fac)["deadline"]["at"] == 5300.0
    rooms.facilitate(room, fac, "deadline", minutes=0)
    now[0] = 10**6
    assert len(rooms.load(room)[0].turns) == 1 and rooms.view(room, fac)["deadline"]["at"] is None
    # the game file replays the absent team's month the same way
    again = Game.from_dict(json.loads(json.dumps(game.to_dict())))
    assert again.state() == game.state()
    before = stored(db)
    for bad in (-1, "5", float("nan"), True, 10**6):
        with pytest.raises(InputError) as info:
            rooms.facilitate(room, fac, "deadline", minutes=bad)
        assert info.value.field == "deadline"
    assert stored(db) == before


def test_play_month_leaves_the_absent_seats_to_the_model(nov):
    game = Game(nov, 4, {"seoul": "player", "moscow": "player"})
    play_month(game, {"seoul": {"assistance": 1}}, ["moscow"])
    assert game.seats == {
        "seoul": "player",
        "moscow": "player",
        "pyongyang": "model",
        "nato": "model",
    }
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 1}})  # without the deadline every seat moves


def test_the_facilitator_releases_and_reassigns_seats(two_teams):
    db, rooms, room, fac, seoul, moscow = two_teams
    rooms.facilitate(room, fac, "release", seat="seoul")
    with pytest.raises(InputError) as info:
        rooms.view(room, seoul)
    assert "holds no seat" in info.value.detail, "the released team's token stops working"
    again = rooms.claim(room, "seoul", "team C")
    assert rooms.view(room, again)["role"] == "seoul"
    token = rooms.facilitate(room, fac, "reassign", seat="moscow", team="team D")
    assert token and token != moscow
    assert rooms.view(room, token)["claimed"]["moscow"] == "team D"
    with pytest.raises(InputError):
        rooms.view(room, moscow)
    before = stored(db)
    for kw in ({"seat": "nato"}, {"seat": "kyiv"}, {"seat": None}, {}):
        with pytest.raises(InputError) as info:
            rooms.facilitate(room, fac, "release", **kw)
        assert info.value.field == "seat"
    rooms.facilitate(room, fac, "release", seat="seoul")
    with pytest.raises(InputError) as info:
        rooms.facilitate(room, fac, "release", seat="seoul")
    assert "not claimed" in info.value.detail
    with pytest.raises(InputError):
        rooms.facilitate(room, again, "release", seat="moscow")  # a team is no facilitator
    assert stored(db)[2:] == before[2:]


def test_undo_takes_back_several_months(two_teams):
    db, rooms, room, fac, seoul, moscow = two_teams
    for turn in range(3):
        if turn == 1:
            rooms.facilitate(room, fac, "inject", kind="atrocity", note="shelling")
        rooms.submit(room, seoul, turn, {"assistance": 1})
        rooms.submit(room, moscow, turn, {"reward": 1, "posture": 1 if turn else 0})
    rooms.submit(room, seoul, 3, {"assistance": 1})
    assert len(rooms.load(room)[0].turns) == 3
    before = stored(db)
    for bad in (0, 4, "2", 1.5, True):
        with pytest.raises(InputError) as info:
            rooms.facilitate(room, fac, "undo", months=bad)
        assert info.value.field == "months"
    assert stored(db) == before
    rooms.facilitate(room, fac, "undo", months=2)
    game, _ = rooms.load(room)
    assert len(game.turns) == 1 and game.month == "2024-12"
    assert rooms.pending_moves(room, 1) == {} and rooms.pending_moves(room, 3) == {}
    assert game.pending["injects"][0]["type"] == "atrocity", "the undone month's inject waits"


def test_a_custom_inject_that_would_void_a_committed_move_is_refused(tmp_path):
    sc = load_scenario("november-2024", overrides={"seoul.step_by_step": False})
    rooms = Rooms(tmp_path / "r.sqlite")
    room, fac = rooms.create(sc, 2, ["seoul", "moscow"])
    seoul = rooms.claim(room, "seoul")
    rooms.submit(room, seoul, 0, {"assistance": 3})  # a jump the doctrine forbids
    before = stored(tmp_path / "r.sqlite")
    with pytest.raises(InputError) as info:
        rooms.facilitate(
            room, fac, "custom", note="doctrine back", parameters={"seoul.step_by_step": True}
        )
    assert "Seoul's committed move illegal" in info.value.detail and info.value.field == "inject"
    assert stored(tmp_path / "r.sqlite") == before
    rooms.facilitate(room, fac, "custom", note="a rally", parameters={"nato.pressure": 0.9})
    assert rooms.load(room)[0].pending["custom"] == {"nato.pressure": 0.9}


@pytest.mark.parametrize(
    "room_id, token",
    [
        (None, "x"),
        ("", "x"),
        ("'; DROP TABLE rooms; --", "x"),
        ("a" * 5000, "x"),
        (3, "x"),
        ("ROOM", None),
        ("ROOM", 123),
        ("ROOM", ""),
        ("ROOM", "guess"),
    ],
)
def test_bad_room_ids_and_tokens_are_one_message_and_change_nothing(two_teams, room_id, token):
    db, rooms, room, fac, seoul, moscow = two_teams
    room_id = room if room_id == "ROOM" else room_id
    before = stored(db)
    for call in (
        lambda: rooms.view(room_id, token),
        lambda: rooms.submit(room_id, token, 0, {"assistance": 1}),
        lambda: rooms.facilitate(room_id, token, "pause"),
        lambda: rooms.facilitate(room_id, token, "undo"),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert info.value.field in ("room", "token")
    assert stored(db) == before


@pytest.mark.parametrize(
    "seat, moves, field",
    [
        ("seoul", "assistance 1", "moves.seoul"),
        ("seoul", {"assistance": "1"}, "moves.seoul.assistance"),
        ("seoul", {"assistance": 1.0}, "moves.seoul.assistance"),
        ("seoul", {"assistance": 99}, "moves.seoul.assistance"),
        ("seoul", {"bogus": 1}, "moves.seoul"),
        ("seoul", {"assistance": 5}, "moves.seoul.assistance"),
        ("moscow", {"posture": 3}, "moves.moscow.posture"),
    ],
)
def test_malformed_moves_are_one_message_and_change_nothing(two_teams, seat, moves, field):
    db, rooms, room, fac, seoul, moscow = two_teams
    before = stored(db)
    with pytest.raises(InputError) as info:
        rooms.submit(room, {"seoul": seoul, "moscow": moscow}[seat], 0, moves)
    assert info.value.field == field
    with pytest.raises(InputError) as info:
        rooms.submit(room, seoul, "0", {"assistance": 1})
    assert info.value.field == "turn"
    assert stored(db) == before


@pytest.mark.parametrize("seat", ["kyiv", "nato", None, 5, "<b>seoul</b>"])
def test_bad_seat_names_are_refused(two_teams, seat):
    db, rooms, room, *_ = two_teams
    before = stored(db)
    with pytest.raises(InputError) as info:
        rooms.claim(room, seat, "team")
    assert info.value.field == "seat"
    with pytest.raises(InputError) as info:
        rooms.claim(room, "seoul", {"not": "a name"})
    assert info.value.field == "team"
    assert stored(db) == before


def test_a_team_name_is_one_short_line(tmp_path, nov):
    rooms = Rooms(tmp_path / "r.sqlite")
    room, fac = rooms.create(nov, 1, ["seoul"])
    token = rooms.claim(room, "seoul", "  team\nA\t" + "x" * 200)
    claimed = rooms.view(room, token)["claimed"]["seoul"]
    assert claimed.startswith("team A x") and len(claimed) == 60


def test_a_damaged_stored_game_is_one_message(two_teams):
    db, rooms, room, fac, seoul, moscow = two_teams
    for text in ("{not json", "[]", json.dumps({"format": "redline-game/1", "scenario": 3})):
        with sqlite3.connect(db) as con:
            con.execute("UPDATE rooms SET game=? WHERE id=?", (text, room))
        for call in (lambda: rooms.load(room), lambda: rooms.view(room, seoul)):
            with pytest.raises(InputError) as info:
                call()
            assert room in info.value.render()


@pytest.mark.parametrize(
    "pending, field",
    [
        ("x", "pending"),
        ({"injects": "x"}, "pending.injects"),
        ({"injects": [{"month": "2024-11", "type": "bogus"}]}, "pending.injects.0"),
        (
            {"injects": [{"month": "2024-11", "type": "poll_shift", "value": 9}]},
            "pending.injects.0",
        ),
        ({"custom": {"seoul.bogus": 1}}, "pending.custom.seoul.bogus"),
        ({"custom": {"seoul.public_opposition": 9}}, "pending.custom"),
        ({"notes": [{"a": 1}]}, "pending.notes"),
        ({"other": 1}, "pending"),
    ],
)
def test_a_hostile_month_in_waiting_is_refused(tmp_path, nov, pending, field):
    game = Game(nov, 1, {"seoul": "player"})
    data = json.dumps(game.to_dict() | {"pending": pending}).encode()
    with pytest.raises(InputError) as info:
        parse_game(data, "evil.json")
    assert info.value.file == "evil.json" and info.value.field.startswith(field)
    game.pending = pending  # a game object someone tampered with
    rooms = Rooms(tmp_path / "r.sqlite")
    with pytest.raises(InputError):
        rooms.restore(game)
    assert stored(tmp_path / "r.sqlite")[0] == []
