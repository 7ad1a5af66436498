"""`redline play` and `redline report` as a student runs them: every save path, every refusal.

Each test runs the command in a subprocess from a temporary folder, so a file written
anywhere but where the student named would be seen. A refusal is one line on stderr,
exit code 2, before any month is asked, with every file as it was.
"""

import json
import subprocess
import sys

import pytest

from model import load_scenario
from model.game import Game
from model.game.engine import parse_game
from model.scenario import dump_yaml

MONTH = "=== "  # the header of a month being asked


def redline(*args, stdin="", cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "model", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def refused(r, *words):
    """Exit 2, one line naming the problem, nothing asked."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr and MONTH not in r.stdout
    for w in words:
        assert w in r.stderr, (w, r.stderr)


def turns(path) -> int:
    return len(json.loads(path.read_text())["turns"])


@pytest.fixture
def short(tmp_path):
    """A three-month scenario file, so a game can be played to its end quickly."""
    path = tmp_path / "short.yaml"
    path.write_text(dump_yaml(load_scenario("november-2024", {"horizon_months": 3})))
    return path


@pytest.fixture
def saved(tmp_path):
    """A game file with one month played and an inject waiting."""
    game = Game(load_scenario("november-2024"), seed=2, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    game.inject("atrocity", note="shelling of a city")
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(game.to_dict()))
    return path


def test_a_game_saves_where_named_and_a_resumed_game_saves_back(tmp_path):
    r = redline(
        "play", "--seat", "seoul", "--seed", "4", "--game", "g1.json", stdin="1\nq\n", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert "continue with: redline play --resume g1.json" in r.stdout
    assert turns(tmp_path / "g1.json") == 1
    r = redline("play", "--resume", "g1.json", stdin="1\nq\n", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 of 24 months played" in r.stdout and "--- 2024-11 adjudicated ---" in r.stdout
    assert "continue with: redline play --resume g1.json" in r.stdout
    assert turns(tmp_path / "g1.json") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g1.json"], "nothing else written"
    # --game naming the same file as --resume is the same thing
    r = redline("play", "--resume", "g1.json", "--game", "./g1.json", stdin="q\n", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_new_game_claims_its_file_before_the_first_month(tmp_path):
    r = redline("play", stdin="", cwd=tmp_path)  # end of input at the first prompt: saved
    assert r.returncode == 0, r.stderr
    assert turns(tmp_path / "game.json") == 0
    assert "redline play --resume game.json" in r.stdout


def test_an_existing_file_is_never_replaced_without_force(tmp_path, saved):
    before = saved.read_bytes()
    refused(
        redline("play", "--game", saved, stdin="1\n", cwd=tmp_path),
        "already exists",
        f"redline play --resume {saved}",
        "--force",
    )
    assert saved.read_bytes() == before
    other = tmp_path / "notes.json"
    other.write_text("my notes")
    refused(redline("play", "--game", other, stdin="1\n", cwd=tmp_path), "already exists")
    assert other.read_text() == "my notes"
    r = redline("play", "--game", saved, "--force", stdin="q\n", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert turns(saved) == 0, "replaced, as asked"


def test_a_folder_is_refused_up_front(tmp_path, saved):
    (tmp_path / "d").mkdir()
    refused(redline("play", "--game", "d", stdin="1\n" * 3, cwd=tmp_path), "is a folder")
    refused(redline("play", "--resume", "d", stdin="1\n", cwd=tmp_path), "is a folder")
    refused(redline("report", "d", cwd=tmp_path), "is a folder")
    refused(redline("report", saved, "--out", "d", cwd=tmp_path), "is a folder")


def test_a_resumed_game_keeps_its_file_scenario_seats_and_seed(tmp_path, saved):
    before = saved.read_bytes()
    refused(
        redline("play", "--resume", saved, "--game", "other.json", cwd=tmp_path),
        "saves back to the file it came from",
    )
    refused(redline("play", "--resume", saved, "--seat", "moscow", cwd=tmp_path), "--seat")
    refused(redline("play", "red-line", "--resume", saved, cwd=tmp_path), "SCENARIO")
    refused(redline("play", "--resume", saved, "--seed", "3", cwd=tmp_path), "--seed")
    refused(redline("play", "--resume", "missing.json", cwd=tmp_path), "no such game file")
    refused(redline("play", "--seat", "kyiv", cwd=tmp_path), "unknown seat")
    assert saved.read_bytes() == before
    assert not (tmp_path / "other.json").exists()


def test_the_final_report_never_replaces_the_game(tmp_path, short):
    r = redline("play", short, "--game", "x.md", stdin="1\n" * 3, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Game over" in r.stdout and "after-action report in x.report.md" in r.stdout
    game = parse_game((tmp_path / "x.md").read_bytes(), "x.md")
    assert game.finished and len(game.turns) == 3
    assert (tmp_path / "x.report.md").read_text().startswith("# After-action report")
    # a finished game resumed says so, and where its report is
    r = redline("play", "--resume", "x.md", cwd=tmp_path)
    assert r.returncode == 0 and "This game is over" in r.stdout


def test_a_report_path_is_checked_before_the_game_starts(tmp_path, short, saved):
    before = saved.read_bytes()
    refused(
        redline("play", short, "--game", "g.json", "--report", "g.json", cwd=tmp_path),
        "is the game file itself",
    )
    refused(
        redline("play", short, "--game", "g.json", "--report", saved, "--force", cwd=tmp_path),
        "holds a saved game",
    )
    (tmp_path / "r.md").write_text("my notes")
    refused(
        redline("play", short, "--game", "g.json", "--report", "r.md", cwd=tmp_path),
        "already exists",
    )
    refused(redline("play", short, "--game", "g.json", "--report", "r.txt", cwd=tmp_path), ".md")
    assert saved.read_bytes() == before and (tmp_path / "r.md").read_text() == "my notes"
    assert not (tmp_path / "g.json").exists(), "a refused start writes nothing"
    r = redline(
        "play", short, "--game", "g.json", "--report", "r.html", stdin="1\n" * 3, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    r = redline(
        "play",
        short,
        "--game",
        "g.json",
        "--force",
        "--report",
        "r.md",
        stdin="1\n" * 3,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and (tmp_path / "r.md").read_text().startswith("# After-action")


def test_report_out_follows_the_same_rules(tmp_path, saved):
    before = saved.read_bytes()
    refused(redline("report", saved, "--out", saved, cwd=tmp_path), "is the game file itself")
    other = tmp_path / "other.json"
    other.write_bytes(before)
    refused(redline("report", saved, "--out", "other.json", "--force", cwd=tmp_path), "saved game")
    refused(redline("report", saved, "--out", "r.txt", cwd=tmp_path), ".md or .html")
    (tmp_path / "r.md").write_text("mine")
    refused(redline("report", saved, "--out", "r.md", cwd=tmp_path), "already exists")
    assert (tmp_path / "r.md").read_text() == "mine"
    r = redline("report", saved, "--out", "r.md", "--force", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "r.md").read_text().startswith("# After-action")
    r = redline("report", saved, "--out", "r.html", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    assert saved.read_bytes() == before and other.read_bytes() == before


def _edit(data, path, value):
    *head, last = path
    for key in head:
        data = data[key]
    data[last] = value


HOSTILE = [  # edits of a saved game: (path, value, words the message must hold)
    (("extra",), 1, "unknown key"),
    (("pending", "moves"), {"seoul": {"assistance": 1}}, "pending"),
    (("pending", "injects", 0, "type"), "alien_invasion", "pending.injects.0"),
    (("pending", "custom"), {"seoul.public_opposition": 3}, "public_opposition"),
    (("seats", "kyiv"), "player", "seats"),
    (("turns", 0, "moves", "seoul", "assistance"), "1", "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "assistance"), 4, "blocked"),
    (("scenario", "parameters", "seoul", "public_support"), 0.6, "seoul.public_support"),
    (("scenario", "colour"), "red", "unknown key"),
    (("seed",), "one", "seed"),
]


@pytest.mark.parametrize(
    "path,value,says", HOSTILE, ids=[".".join(map(str, h[0])) for h in HOSTILE]
)
def test_a_hostile_game_file_exits_2_before_any_month(tmp_path, saved, path, value, says):
    data = json.loads(saved.read_text())
    _edit(data, path, value)
    saved.write_text(json.dumps(data))
    before = saved.read_bytes()
    refused(redline("play", "--resume", saved, stdin="1\n" * 3, cwd=tmp_path), str(saved), says)
    refused(redline("report", saved, cwd=tmp_path), says)
    assert saved.read_bytes() == before


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe\x00", b"[" * 50_000, b"{}"])
def test_a_file_that_is_no_game_exits_2(tmp_path, raw):
    path = tmp_path / "g.json"
    path.write_bytes(raw)
    refused(redline("play", "--resume", path, stdin="1\n", cwd=tmp_path), "g.json")
    assert path.read_bytes() == raw


def test_the_prompt_answers_every_command_in_words(tmp_path):
    r = redline(
        "play",
        "--seed",
        "4",
        "--game",
        "g.json",
        stdin="u\nh\na\nr x\nr 9\nr\n7\nfour\n4\nr 1\n1\nu\n1\n",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "nothing to undo yet" in out
    assert "save and quit" in out and "risk view" in out  # help
    assert "the model:" in out  # advice
    assert out.count("is not a risk request") == 3 and "invalid literal" not in out
    assert "there is no option 7" in out and "please type an option number" in out
    assert "refused: direct offensive weapons" in out and "step-by-step doctrine" in out
    assert "Risk view for Seoul, 2024-11: holding" in out
    assert "Took back 2024-11" in out
    assert "redline play --resume g.json" in out  # end of input saved the game
    assert turns(tmp_path / "g.json") == 1
    assert "_" not in "".join(line for line in out.splitlines() if "[" in line)


def test_several_seats_are_asked_in_the_order_they_move(tmp_path):
    r = redline(
        "play",
        "--seat",
        "seoul",
        "--seat",
        "moscow",
        "--game",
        "g.json",
        stdin="1\n1\n1\nq\n",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("Moscow's reward to Pyongyang") < out.index("Seoul's assistance to Ukraine")
    saved = json.loads((tmp_path / "g.json").read_text())
    assert saved["turns"][0]["moves"] == {
        "moscow": {"reward": 1, "posture": 1},
        "seoul": {"assistance": 1},
    }
