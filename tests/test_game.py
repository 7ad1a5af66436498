"""Teaching mode: rules in play are the simulation's rules; games save, resume, report."""

import json
import subprocess
import sys

import numpy as np
import pytest

from model import InputError, load_scenario, simulate
from model.game import Game
from model.game.report import build, to_html, to_markdown
from model.game.rooms import Rooms


def model_only_trajectory(game):
    return {k: v[: game.world.t, 0].copy() for k, v in game.world.series.items()}


def test_a_game_with_no_players_is_replication_zero_of_simulate(nov):
    game = Game(nov, seed=11)
    while not game.finished:
        game.play_turn()
    res = simulate(nov, reps=1, seed=11)
    for name, series in model_only_trajectory(game).items():
        assert np.array_equal(series, res.series[name][:, 0]), name


def test_a_player_who_plays_the_models_own_choices_changes_nothing(nov):
    auto = Game(nov, seed=5)
    while not auto.finished:
        auto.play_turn()
    human = Game(nov, seed=5, seats={"seoul": "player"})
    for log in auto.log:
        d = next(x for x in log["decisions"] if x["actor"] == "seoul")
        human.play_turn({"seoul": {"assistance": d["chosen_index"]}})
    assert np.array_equal(
        model_only_trajectory(auto)["seoul_rung"], model_only_trajectory(human)["seoul_rung"]
    )
    assert np.array_equal(
        model_only_trajectory(auto)["moscow_posture"],
        model_only_trajectory(human)["moscow_posture"],
    )


def test_blocked_option_cannot_be_played(nov):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    opts = game.options("seoul")["assistance"]
    assert not opts[5].allowed and "no_troops" in opts[5].rules
    assert not opts[3].allowed and "step_by_step" in opts[3].rules
    with pytest.raises(InputError) as info:
        game.play_turn({"seoul": {"assistance": 3}})
    assert "blocked" in info.value.detail and info.value.field == "moves.seoul.assistance"
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 9}})
    with pytest.raises(InputError):
        game.play_turn({})  # a player seat must move
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 1}, "moscow": {"posture": 2}})  # model's seat
    assert game.turns == []


def test_edited_game_file_with_a_blocked_move_is_refused(nov, tmp_path):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    data = game.to_dict()
    data["turns"].append({"month": "2024-12", "moves": {"seoul": {"assistance": 4}}})
    with pytest.raises(InputError) as info:
        Game.from_dict(data, origin="edited.json")
    assert info.value.file == "edited.json" and info.value.field.startswith("turns.1.moves.seoul")
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    r = subprocess.run(
        [sys.executable, "-m", "model", "report", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "blocked" in r.stderr and "Traceback" not in r.stderr


def test_assembly_vote_is_held_for_a_lethal_request():
    sc = load_scenario(
        "november-2024", overrides={"seoul.initial_rung": 2, "seoul.step_by_step": False}
    )
    game = Game(sc, seed=3, seats={"seoul": "player"})
    opt = game.options("seoul")["assistance"][3]
    assert opt.allowed and "vote" in opt.note
    log = game.play_turn({"seoul": {"assistance": 3}})
    assert len(log["votes"]) == 1
    passed = log["votes"][0]["passed"]
    assert game.state()["seoul_rung"] == (3 if passed else 2)
    if not passed:  # a failed vote bars another for the cooldown
        assert "assembly_approval" in game.options("seoul")["assistance"][3].rules


def test_save_resume_gives_the_same_continuation(nov):
    moves = [1, 1, 1, 0, 0, 1, 1, 1]
    straight = Game(nov, seed=9, seats={"seoul": "player"})
    for m in moves:
        straight.play_turn({"seoul": {"assistance": m}})
    first = Game(nov, seed=9, seats={"seoul": "player"})
    for m in moves[:4]:
        first.play_turn({"seoul": {"assistance": m}})
    resumed = Game.from_dict(json.loads(json.dumps(first.to_dict())))
    for m in moves[4:]:
        resumed.play_turn({"seoul": {"assistance": m}})
    assert resumed.state() == straight.state()
    assert resumed.log == straight.log


def test_undo_and_injects(nov):
    game = Game(nov, seed=4, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    before = game.state()
    game.inject("technology_transfer", 3, note="missile help")
    game.inject_custom("poll collapses", {"seoul.public_opposition": 0.5})
    game.play_turn({"seoul": {"assistance": 1}})
    assert game.state()["red_line_crossed"] and game.params.seoul.public_opposition == 0.5
    game.undo()
    assert game.state() == before and game.pending["injects"][0]["type"] == "technology_transfer"
    with pytest.raises(InputError):
        game.inject("alien_invasion")
    with pytest.raises(InputError):
        game.inject_custom("bad", {"seoul.public_opposition": 3})
    game.paused = True
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 1}})


def test_risk_view_plays_the_move_in_many_worlds(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    allowed = [o.index for o in game.options("seoul")["assistance"] if o.allowed]
    risk_hold = game.risk("seoul", {"assistance": 1}, reps=500, months=3)
    assert (
        risk_hold["next_month"]["seoul"]["non-lethal military support and a monitoring team"] == 1.0
    )
    assert abs(sum(risk_hold["next_month"]["moscow_posture"].values()) - 1) < 1e-9
    for key in ("relations_collapsed", "red_line_crossed", "lethal_aid"):
        assert 0 <= risk_hold["within"][key] <= 1
    assert 0 in allowed and 1 in allowed
    advice = game.advice("seoul", reps=300)["assistance"]
    assert abs(sum(advice.values()) - 1) < 1e-9


def test_report_matches_a_direct_simulate(nov):
    game = Game(nov, seed=6, seats={"seoul": "player"})
    for _ in range(10):
        game.play_turn({"seoul": {"assistance": 1}})
    rep = build(game, reps=1500)
    direct = simulate(nov, reps=1500, seed=6, months=10).outcomes
    for key in ("relations_collapsed", "lethal_aid", "red_line_crossed"):
        assert rep["ensemble"][key] == direct[key].mean()
    md = to_markdown(rep)
    assert f"{direct.red_line_crossed.mean():.0%} of 1,500 worlds" in md
    assert "## Timeline" in md and "## Constraints that bound" in md
    assert "| Seoul has pledged not to send troops | the government dropping" in md
    assert "no_troops" not in md and "(player): keeps its assistance to Ukraine at" in md
    assert "## The players' path" in md and "10 decisions" in md
    assert to_html(rep).startswith("<!doctype html>") and "<table>" in to_html(rep)


def test_terminal_play_writes_a_game_and_resumes(tmp_path):
    game_file = tmp_path / "g.json"
    cmd = [
        sys.executable,
        "-m",
        "model",
        "play",
        "november-2024",
        "--seat",
        "seoul",
        "--seed",
        "4",
        "--game",
        str(game_file),
    ]
    r = subprocess.run(
        cmd + ["--set"] if False else cmd,
        input="a\nr 1\n3\n1\n1\nq\n",
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    assert "model:" in r.stdout and "within 3 months" in r.stdout
    assert "refused" in r.stdout, "a blocked option typed at the prompt is refused"
    assert "2024-11 adjudicated" in r.stdout and "2024-12 adjudicated" in r.stdout
    saved = json.loads(game_file.read_text())
    assert len(saved["turns"]) == 2
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "model",
            "play",
            "--resume",
            str(game_file),
            "--game",
            str(game_file),
        ],
        input="1\n" * 30,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "Game over" in r.stdout and "worlds from this start" in r.stdout
    assert len(json.loads(game_file.read_text())["turns"]) == 24
    assert game_file.with_suffix(".md").exists()
    out = tmp_path / "r.html"
    r = subprocess.run(
        [sys.executable, "-m", "model", "report", str(game_file), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and out.read_text().startswith("<!doctype html>")


def test_rooms_share_a_game_and_survive_a_restart(tmp_path, nov):
    db = tmp_path / "rooms.sqlite"
    rooms = Rooms(db)
    room, fac = rooms.create(nov, 3, ["seoul", "moscow"])
    seoul = rooms.claim(room, "seoul", "team A")
    moscow = rooms.claim(room, "moscow", "team B")
    with pytest.raises(InputError):
        rooms.claim(room, "seoul", "team C")
    with pytest.raises(InputError):
        rooms.claim(room, "nato")
    v = rooms.view(room, seoul)
    assert set(v["private"]) == {"seoul"}, "a team sees only its own seat"
    assert set(rooms.view(room, fac)["private"]) == {"seoul", "moscow"}
    assert rooms.submit(room, seoul, 0, {"assistance": 1})["adjudicated"] is False
    with pytest.raises(InputError):
        rooms.submit(room, seoul, 0, {"assistance": 0})  # a second, conflicting move
    with pytest.raises(InputError):
        rooms.submit(room, moscow, 0, {"posture": 3})  # blocked: one rung a month
    assert rooms.submit(room, moscow, 0, {"reward": 1, "posture": 1})["adjudicated"] is True
    # "restart": a new process opens the same database
    code = (
        "import sys; from model.game.rooms import Rooms; g,_=Rooms(sys.argv[1]).load(sys.argv[2]);"
        "print(len(g.turns), g.state()['seoul_rung'])"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(db), room], capture_output=True, text=True, timeout=60
    )
    assert r.stdout.split() == ["1", "1"]
    rooms2 = Rooms(db)
    rooms2.facilitate(room, fac, "share", shared=True)
    assert set(rooms2.view(room, seoul)["private"]) == {"seoul", "moscow"}
    with pytest.raises(InputError):
        rooms2.facilitate(room, seoul, "pause")  # only the facilitator
    rooms2.facilitate(room, fac, "inject", kind="atrocity", note="shelling of a city")
    rooms2.facilitate(room, fac, "advice", visible=False)
    assert "advice" not in rooms2.view(room, seoul)["private"]["seoul"]
    rooms2.submit(room, seoul, 1, {"assistance": 1})
    rooms2.submit(room, moscow, 1, {"reward": 1, "posture": 1})
    game, _ = rooms2.load(room)
    assert len(game.turns) == 2 and game.log[1]["events"][0]["type"] == "atrocity"
    rooms2.facilitate(room, fac, "undo")
    game, _ = rooms2.load(room)
    assert len(game.turns) == 1 and rooms2.pending_moves(room, 1) == {}
