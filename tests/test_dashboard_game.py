"""The Game page: its pure helpers (dashboard/game.py) and the page through AppTest — a
facilitator and teams in separate sessions sharing one rooms database in tmp_path.
(The real-browser game is in test_dashboard_game_browser.py.)"""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import game as g
from model import InputError, load_scenario
from model.agents import SEOUL_RUNGS as SEOUL
from model.game import Game
from model.game.rooms import Rooms

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 60


# ---------------------------------------------------------------- pure helpers


def test_join_links_carry_room_and_seat_but_no_token():
    link = g.join_link("http://10.0.0.5:8501/", "ab12cd34", "seoul")
    assert link == "http://10.0.0.5:8501/game?room=ab12cd34&seat=seoul"
    assert "token" not in link
    assert (
        g.rejoin_link("http://h:1", "ab12cd34", "t0k-en")
        == "http://h:1/game?room=ab12cd34&token=t0k-en"
    )
    assert g.base_url("http://h:1/game?room=x&seat=seoul") == "http://h:1"
    assert g.base_url("http://h:1/") == "http://h:1"
    assert g.read_link({"room": ["a", "b"], "seat": "moscow", "scenario": "x"}) == {
        "room": "b",
        "seat": "moscow",
    }


def test_rooms_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REDLINE_ROOMS", str(tmp_path / "r.sqlite"))
    assert g.rooms_path() == tmp_path / "r.sqlite"
    g.open_rooms()
    assert (tmp_path / "r.sqlite").exists()


def test_player_seats_are_checked():
    assert g.check_players(["moscow", "seoul"]) == ["seoul", "moscow"]
    for bad in ([], ["seoul", "kyiv"]):
        with pytest.raises(InputError) as info:
            g.check_players(bad)
        assert info.value.field == "seats"


def test_custom_event_changes_are_read_by_dotted_name():
    assert g.parse_changes("seoul.public_opposition = 0.5\nnato.pressure=0.8") == {
        "seoul.public_opposition": 0.5,
        "nato.pressure": 0.8,
    }
    assert g.parse_changes("seoul.assembly_approval_required = false") == {
        "seoul.assembly_approval_required": False
    }
    for text, words in [
        ("seoul.bogus = 1", "seoul.bogus"),
        ("seoul.public_opposition = lots", "not a valid value"),
        ("seoul.public_opposition", "no '='"),
        ("  ", "no parameter changes"),
    ]:
        with pytest.raises(InputError) as info:
            g.parse_changes(text)
        assert words in info.value.render()


def test_options_show_the_blocking_rule_and_the_assembly_note():
    sc = load_scenario(
        "november-2024", overrides={"seoul.initial_rung": 2, "seoul.step_by_step": False}
    )
    game = Game(sc, seed=3, seats={"seoul": "player"})
    options = game.options("seoul")
    rows = {r["option"]: r for r in g.option_rows(options)}
    troops = options["assistance"][5]
    pledge = "Seoul has pledged not to send troops (lifted by the government dropping its"
    assert not rows[troops.label]["allowed"] and pledge in rows[troops.label]["blocked by"]
    indirect = options["assistance"][3]
    assert rows[indirect.label]["allowed"]
    assert (
        rows[indirect.label]["note"] == "lethal supply needs National Assembly approval: "
        "a vote will be held"
    )
    assert g.option_label(troops).endswith("(blocked: Seoul has pledged not to send troops)")
    assert "a vote will be held" in g.option_label(indirect)
    # the picker starts at the present rung, or at the first allowed option
    assert g.default_moves(options, {"assistance": 2}) == {"assistance": 2}
    assert g.default_moves(options, {"assistance": 5}) == {"assistance": 0}


def test_risk_sentences_and_the_other_actors_next_month(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    options = game.options("seoul")
    risk = game.risk("seoul", {"assistance": 1}, reps=400, months=3)
    lines = g.risk_sentences("seoul", options, {"assistance": 1}, risk)
    collapse = risk["within"]["relations_collapsed"]
    assert lines[0] == (
        f"If Seoul plays assistance to Ukraine: {options['assistance'][1].label} now, "
        f"Moscow-Seoul relations collapse within 3 months in {collapse:.0%} of 400 worlds."
    )
    rows = g.next_month_rows("seoul", risk)
    assert {r["actor"] for r in rows} == {"Moscow", "Pyongyang", "NATO"}, "own seat left out"
    posture = [r["share of worlds"] for r in rows if r["decision"] == "posture towards Seoul"]
    assert abs(sum(posture) - 1) < 1e-9


def test_month_lines_and_replay_tell_what_was_played(nov):
    game = Game(nov, seed=4, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    game.inject("atrocity", note="shelling of a city")
    game.play_turn({"seoul": {"assistance": 0}})
    r = g.replay(game, 1)
    atrocity = "shelling of a city — an intolerable event: large-scale attacks on civilians"
    assert r["month"] == "2024-12" and r["injects"][0].startswith(atrocity)
    assert r["moves"] == {"seoul": f"assistance to Ukraine: {SEOUL[0]}"}
    assert r["lines"][0].startswith("Inject: " + atrocity)
    assert any(line.startswith("Seoul (team): ") and SEOUL[0] in line for line in r["lines"]), (
        "the team's move, told as the team's"
    )
    assert r["lines"][-1].startswith("Now: Seoul: ") and "NATO: " in r["lines"][-1]
    assert r["after"]["seoul_rung"] == SEOUL[0]
    with pytest.raises(InputError):
        g.replay(game, 2)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "something-else"}', "not a redline game file"),
        (b"[" * 50_000, "JSON"),
        (b"\xff\xfe\x00garbage", "JSON"),
    ],
)
def test_a_bad_game_file_is_one_input_error(data, words):
    with pytest.raises(InputError) as info:
        g.read_game_file("evil.json", data)
    assert info.value.file == "evil.json" and words in info.value.render()


def test_a_hostile_or_edited_game_file_is_refused(nov):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    good = game.to_dict()
    assert len(g.read_game_file("ok.json", g.game_json(game).encode()).turns) == 1
    for change in (
        {"seats": "everyone"},
        {"seed": "abc"},
        {"turns": [{"moves": "x"}]},
        {"turns": good["turns"] + [{"month": "2024-12", "moves": {"seoul": {"assistance": 4}}}]},
    ):
        with pytest.raises(InputError) as info:
            g.read_game_file("edited.json", json.dumps(good | change).encode())
        assert info.value.file == "edited.json"


def test_a_restored_room_continues_the_game_and_its_stamp_moves(tmp_path, nov):
    rooms = Rooms(tmp_path / "r.sqlite")
    game = Game(nov, seed=5, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    room, fac = rooms.restore(game)
    assert rooms.stamp(room) == (0, 0, 0)
    token = rooms.claim(room, "seoul")
    assert rooms.stamp(room) == (0, 0, 1)
    assert rooms.submit(room, token, 1, {"assistance": 1})["adjudicated"]
    assert rooms.stamp(room) == (1, 1, 1)
    loaded, _ = rooms.load(room)
    straight = Game(nov, seed=5, seats={"seoul": "player"})
    for _ in range(2):
        straight.play_turn({"seoul": {"assistance": 1}})
    assert loaded.state() == straight.state()
    with pytest.raises(InputError):
        rooms.stamp("nope")


# ---------------------------------------------------------------- the page (AppTest)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "rooms.sqlite"
    monkeypatch.setenv("REDLINE_ROOMS", str(path))
    return path


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def game_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return ok(at.switch_page("views/game.py").run())  # opened at /game, as a link does


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def create_room(seats=("seoul", "moscow"), seed=3):
    fac = game_page()
    fac.multiselect(key="g_players").set_value(list(seats))
    fac.number_input(key="g_seed").set_value(seed)
    ok(fac.button(key="g_create").click().run())
    room = fac.session_state["game_room"]
    return fac, room


def join(room: str, seat: str, team: str = "") -> AppTest:
    at = game_page({"room": room, "seat": seat})
    at.text_input(key="g_team").set_value(team)
    return ok(at.button(key="g_claim_link").click().run())


def test_facilitator_creates_a_room_with_join_links(db):
    fac, room = create_room()
    assert f"Room {room} created (november-2024, seed 3)" in texts(fac.success)
    codes = [c.value for c in fac.code]
    assert f"http://localhost:8501/game?room={room}&seat=seoul" in codes
    assert f"http://localhost:8501/game?room={room}&seat=moscow" in codes
    token = fac.session_state["game_token"]
    assert sum(token in c for c in codes) == 1, "only the facilitator's own link has the token"
    game, meta = Rooms(db).load(room)
    assert (
        game.seats == {"seoul": "player", "moscow": "player", "pyongyang": "model", "nato": "model"}
        and game.seed == 3
        and meta["facilitator"] == token
    )


def test_a_room_from_the_current_dashboard_settings(db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["scenario"] = "red-line"
    at.query_params["nato.pressure"] = "0.9"
    ok(at.run())
    ok(at.switch_page("views/game.py").run())
    assert at.selectbox(key="g_scenario").value == "current dashboard settings"
    ok(at.button(key="g_create").click().run())
    game, _ = Rooms(db).load(at.session_state["game_room"])
    assert game.scenario.name == "red-line" and game.scenario.parameters.nato.pressure == 0.9
    assert not any("Link:" in w.value for w in at.warning)


def test_no_player_seat_is_refused(db):
    fac = game_page()
    fac.multiselect(key="g_players").set_value([])
    ok(fac.button(key="g_create").click().run())
    assert "No room created" in texts(fac.error) and "seats" in texts(fac.error)
    assert "game_room" not in fac.session_state


def test_teams_claim_move_and_the_month_is_adjudicated(db):
    fac, room = create_room()
    seoul = join(room, "seoul", "team A")
    assert f"You hold Seoul in room {room}" in texts(seoul.success)
    assert "Seoul's options for 2024-11" in " ".join(m.value for m in seoul.markdown)
    assert any("relations collapse within 3 months" in m.value for m in seoul.markdown)
    taken = join(room, "seoul", "team C")
    assert "seat seoul is already taken" in texts(taken.error)
    assert "game_room" not in taken.session_state

    moscow = join(room, "moscow", "team B")
    seoul.radio(key="g_move_0_assistance").set_value(1)
    ok(seoul.button(key="g_confirm").click().run())
    assert "Move committed. Waiting for the other teams." in texts(seoul.success)
    seoul.radio(key="g_move_0_assistance").set_value(0)
    ok(seoul.button(key="g_confirm").click().run())
    assert "seoul has already moved in turn 0" in texts(seoul.error)
    assert Rooms(db).pending_moves(room, 0) == {"seoul": {"assistance": 1}}

    moscow.radio(key="g_move_0_posture").set_value(1)
    ok(moscow.button(key="g_confirm").click().run())
    assert "the month is adjudicated" in texts(moscow.success)
    assert any("2024-11 (turn 1)" in e.label for e in moscow.expander)
    ok(seoul.button(key="g_refresh").click().run())
    assert "2024-12" in seoul.markdown[0].value
    game, _ = Rooms(db).load(room)
    assert len(game.turns) == 1 and game.turns[0]["moves"]["seoul"] == {"assistance": 1}


def test_a_blocked_move_is_shown_with_its_rule_and_refused(db):
    _, room = create_room(seats=("seoul",))
    seoul = join(room, "seoul")
    seoul.radio(key="g_move_0_assistance").set_value(5)
    ok(seoul.run())
    warning = texts(seoul.warning)
    assert "'troops' is blocked this month:" in warning
    assert "Seoul has pledged not to send troops" in warning and "no_troops" not in warning
    ok(seoul.button(key="g_confirm").click().run())
    assert "Refused:" in texts(seoul.error) and "blocked" in texts(seoul.error)
    assert Rooms(db).pending_moves(room, 0) == {}


def test_facilitator_injects_and_undoes(db):
    fac, room = create_room(seats=("seoul",))
    fac.selectbox(key="g_event").set_value("poll_shift")
    ok(fac.run())
    fac.number_input(key="g_event_value").set_value(-0.2)
    fac.text_input(key="g_event_note").set_value("a rally")
    ok(fac.button(key="g_inject").click().run())
    assert "Done: inject." in texts(fac.success)
    assert "poll_shift = -0.2 (a rally)" in texts(fac.caption)
    fac.text_area(key="g_custom_params").set_value("seoul.public_opposition = 9")
    ok(fac.button(key="g_custom").click().run())
    assert "seoul.public_opposition" in texts(fac.error)

    seoul = join(room, "seoul")
    ok(seoul.button(key="g_confirm").click().run())
    assert "the month is adjudicated" in texts(seoul.success)
    game, _ = Rooms(db).load(room)
    assert len(game.turns) == 1 and game.log[0]["events"][0]["type"] == "poll_shift"
    ok(fac.button(key="g_refresh").click().run())
    assert any("Inject: a rally" in m.value for m in fac.markdown)
    ok(fac.button(key="g_undo").click().run())
    assert "Done: undo." in texts(fac.success)
    game, _ = Rooms(db).load(room)
    assert game.turns == [] and game.pending["injects"][0]["type"] == "poll_shift"
    ok(fac.button(key="g_pause").click().run())
    assert Rooms(db).load(room)[0].paused
    assert fac.button(key="g_resume").label == "Resume"


def test_a_team_cannot_use_facilitator_controls_and_sees_only_its_seat(db):
    fac, room = create_room()
    seoul = join(room, "seoul")
    keys = {b.key for b in seoul.button}
    assert "g_undo" not in keys and "g_inject" not in keys
    assert not any("Shared by the facilitator" in e.label for e in seoul.expander)
    ok(fac.button(key="g_share").click().run())
    ok(seoul.button(key="g_refresh").click().run())
    assert any("Shared by the facilitator: Moscow" in e.label for e in seoul.expander)


def test_a_token_link_rejoins_and_a_bad_one_says_so(db):
    fac, room = create_room()
    token = fac.session_state["game_token"]
    again = game_page({"room": room, "token": token})
    assert again.session_state["game_token"] == token
    assert any("facilitator" in m.value for m in again.markdown)
    bad = game_page({"room": room, "token": "guess"})
    assert "this token holds no seat in the room" in texts(bad.error)
    assert "game_room" not in bad.session_state


@pytest.mark.parametrize(
    "data, words",
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "redline-game/1", "scenario": {"name": 3}}', "scenario"),
        (b'{"format": "redline-game/1", "scenario": null, "seats": []}', "evil.json"),
    ],
)
def test_a_bad_game_upload_is_one_message(db, data, words):
    at = game_page()
    at.file_uploader(key="g_upload").set_value(("evil.json", data, "application/json"))
    ok(at.run())
    errors = texts(at.error)
    assert "Game file refused, no room opened." in errors and "evil.json" in errors
    assert words in errors
    assert "game_room" not in at.session_state


def test_a_saved_game_resumes_as_a_new_room_and_replays(db, nov):
    game = Game(nov, seed=7, seats={"seoul": "player"})
    for k in (1, 1, 0):
        game.play_turn({"seoul": {"assistance": k}})
    at = game_page()
    at.file_uploader(key="g_upload").set_value(
        ("saved.json", g.game_json(game).encode(), "application/json")
    )
    ok(at.run())
    assert "continues 'saved.json' after 3 turn(s)" in texts(at.success)
    restored, _ = Rooms(db).load(at.session_state["game_room"])
    assert restored.state() == game.state()
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Game (JSON)", "After-action report (Markdown)", "After-action report (HTML)"]
    at.slider(key="g_replay").set_value(2)
    ok(at.run())
    assert any(
        m.value.startswith("**2024-12** · moves: Seoul: assistance: non-lethal")
        for m in at.markdown
    )
