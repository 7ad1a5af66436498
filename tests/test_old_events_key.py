"""A scenario or game file saved before injects had their own word (issue 8).

Scheduled happenings were once listed under `events:`; they are `injects:` now. A file
that still uses the old key is refused with one line naming the file and the key and
saying what to do, the same through every door: the Python API, the command line (exit
code 2, nothing written), a saved game, a room and a dashboard upload.
"""

import json
import sqlite3
import subprocess
import sys

import pytest

from dashboard import labels, state
from model import InputError, load_scenario, parse_scenario
from model.game.engine import Game, parse_game
from model.game.rooms import Rooms
from model.scenario import OLD_INJECTS_KEY, dump_yaml

ADVICE = "this key is now called injects (rename it; the entries are unchanged)"


def old_text(name: str = "red-line") -> str:
    """A shipped scenario as an earlier redline wrote it: `events:` for `injects:`."""
    text = dump_yaml(load_scenario(name))
    assert "\ninjects:\n" in text
    return text.replace("\ninjects:\n", "\nevents:\n")


def old_game() -> dict:
    """A saved game whose embedded scenario still has the old key."""
    game = Game(load_scenario("red-line"), seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    data = json.loads(json.dumps(game.to_dict()))
    data["scenario"]["events"] = data["scenario"].pop("injects")
    return data


def redline(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_the_old_key_is_refused_by_the_python_api(tmp_path):
    path = tmp_path / "saved.yaml"
    path.write_text(old_text())
    with pytest.raises(InputError) as info:
        load_scenario(path)
    err = info.value
    assert (err.file, err.field, err.detail) == (str(path), OLD_INJECTS_KEY, ADVICE)
    assert str(err) == f"{path}: events: {ADVICE}"


def test_the_old_key_is_refused_even_when_it_lists_nothing():
    with pytest.raises(InputError) as info:
        parse_scenario("name: mine\nevents: []\n", "mine.yaml")
    assert str(info.value) == f"mine.yaml: events: {ADVICE}"


def test_the_file_with_the_key_renamed_runs_as_before(tmp_path):
    renamed = old_text().replace("\nevents:\n", "\ninjects:\n")
    assert parse_scenario(renamed, "renamed.yaml") == load_scenario("red-line")


def test_the_command_line_refuses_the_old_key_with_one_line_and_exit_2(tmp_path):
    path = tmp_path / "saved.yaml"
    path.write_text(old_text())
    out = tmp_path / "out"
    r = redline("run", str(path), "--reps", "10", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: events: {ADVICE}" in lines[0], r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists(), "nothing half-written"


def test_a_saved_game_with_the_old_key_is_one_message(tmp_path):
    with pytest.raises(InputError) as info:
        parse_game(json.dumps(old_game()).encode(), "g.json")
    assert str(info.value) == f"g.json: scenario: events: {ADVICE}"


def test_redline_report_refuses_a_game_file_with_the_old_key(tmp_path):
    path = tmp_path / "old-game.json"
    path.write_text(json.dumps(old_game()))
    r = redline("report", str(path), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"scenario: events: {ADVICE}" in lines[0], r.stderr
    assert str(path) in lines[0] and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old-game.json"], "no report written"


def test_a_room_stored_before_the_rename_is_one_message(tmp_path):
    path = tmp_path / "rooms.sqlite"
    rooms = Rooms(path)
    room, _ = rooms.create(load_scenario("red-line"), 1, ["seoul"])
    with sqlite3.connect(path) as db:  # the room as an earlier redline stored it
        db.execute("UPDATE rooms SET game=? WHERE id=?", (json.dumps(old_game()), room))
    with pytest.raises(InputError) as info:
        rooms.load(room)
    assert str(info.value) == f"room {room}: scenario: events: {ADVICE}"


def test_a_dashboard_upload_with_the_old_key_is_one_message_in_words():
    with pytest.raises(InputError) as info:
        state.read_upload("saved.yaml", old_text().encode())
    assert labels.error_text(info.value) == f"saved.yaml: `events`: {ADVICE}"
