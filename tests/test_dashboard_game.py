"""The Game page: its pure helpers (dashboard/game.py) and the page through AppTest — a
facilitator and teams in separate sessions sharing one rooms database in tmp_path.
(The real-browser game is in test_dashboard_game_browser.py.)"""

import json
import re
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import game as g
from model import InputError, load_scenario, words
from model.agents import SEOUL_RUNGS as SEOUL
from model.game import Game, Option
from model.game.rooms import Rooms, play_month
from model.outcomes import OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 60
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")


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
    assert len(g.read_link({"room": "x" * 10_000})["room"]) == 100


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


def test_custom_inject_changes_are_read_by_dotted_name():
    assert g.parse_changes("seoul.public_opposition = 0.5\nnato.pressure=0.8") == {
        "seoul.public_opposition": 0.5,
        "nato.pressure": 0.8,
    }
    assert g.parse_changes("seoul.assembly_approval_required = false") == {
        "seoul.assembly_approval_required": False
    }
    for text, expected in [
        ("seoul.bogus = 1", "seoul.bogus"),
        ("seoul.public_opposition = lots", "not a valid value"),
        ("seoul.public_opposition", "no '='"),
        ("  ", "no parameter changes"),
    ]:
        with pytest.raises(InputError) as info:
            g.parse_changes(text)
        assert expected in info.value.render()


def test_options_name_what_blocks_them_and_what_would_lift_it():
    sc = load_scenario(
        "november-2024", overrides={"seoul.initial_rung": 2, "seoul.step_by_step": False}
    )
    game = Game(sc, seed=3, seats={"seoul": "player"})
    options = game.options("seoul")
    rows = {r["option"]: r for r in g.option_rows(options)}
    troops = options["assistance"][5]
    row = rows[troops.label]
    assert row["open"] == "no" and "Seoul has pledged not to send troops" in row["blocked by"]
    assert "the government dropping its no-troops pledge" in row["lifted by"]
    assert "no_troops" not in json.dumps(rows)
    assert g.option_label(troops).startswith("troops (blocked: ")
    assert "Seoul has pledged not to send troops" in g.option_label(troops)
    indirect = options["assistance"][3]  # lethal supply: the government puts a motion
    assert rows[indirect.label]["open"] == "yes" and "National Assembly" in indirect.note
    assert rows[indirect.label]["note"] == indirect.note
    assert g.option_label(indirect) == f"{indirect.label} ({indirect.note})"
    held = options["assistance"][2]
    assert held.current and rows[held.label]["blocked by"] == ""
    assert g.default_moves(options) == {"assistance": 2}, "the picker starts where Seoul stands"


def test_the_picker_skips_a_blocked_present_option_and_says_what_an_option_hangs_on():
    opts = {
        "reward": [
            Option(0, "a", False, ["reward_earned"], current=True),
            Option(1, "b", True),
            Option(2, "c", False, ["one_rung_a_month"], depends_on=("pyongyang",)),
        ]
    }
    assert g.default_moves(opts) == {"reward": 1}
    assert g.option_label(opts["reward"][2]) == "c (depends on Pyongyang this month)"
    row = g.option_rows(opts)[2]
    assert row["open"] == "depends" and row["blocked by"] == "what Pyongyang does first"


def test_risk_sentences_set_the_move_against_holding(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    risk = game.risk("seoul", {"assistance": 2}, reps=400, months=3)
    lines = g.risk_sentences("seoul", risk)
    assert lines[0] == (
        f"If Seoul plays assistance to Ukraine: {SEOUL[2]} now, in 400 worlds over 2024-11 to "
        "2025-01 (against holding where it stands):"
    )
    shown = {k: c for k, c in risk.outcomes.items() if c.move.p or c.hold.p}
    assert shown, "some outcome is possible within three months"
    for key, c in shown.items():
        o = OUTCOMES[key]
        assert (
            f"{o.label} ({o.meaning}): {words.chance(c.move.p)}, against "
            f"{words.chance(c.hold.p)} if it holds." in lines
        )
    assert len(lines) == 1 + (risk.carried_out.p < 1) + len(shown) + 1, "and the provocations"
    if risk.carried_out.p < 1:
        assert "(a National Assembly vote may refuse it)" in lines[1]
    rows = g.answer_rows(risk)
    assert {r["actor"] for r in rows} == {"Moscow", "Pyongyang", "NATO"}, "own seat left out"
    posture = [r["after the move"] for r in rows if r["decision"] == "posture towards Seoul"]
    assert abs(sum(posture) - 1) < 1e-9
    hold = g.risk_sentences("seoul", game.risk("seoul", {"assistance": 1}, reps=400, months=3))
    assert hold[0].startswith(f"If Seoul holds (assistance to Ukraine: {SEOUL[1]}), in 400 worlds")
    assert not any("if it holds" in x for x in hold)
    assert not IDENTIFIER.search(" ".join(lines + hold))


def test_the_state_in_words_for_all_four_actors(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    rows = g.state_rows(game.state())
    assert [r["actor"] for r in rows] == [
        "Seoul",
        "Moscow",
        "Pyongyang",
        "NATO",
        "The war in Ukraine",
    ]
    seoul = rows[0]["now"]
    assert seoul.startswith(f"assistance to Ukraine: {SEOUL[1]}; public opposition to lethal aid ")
    assert "government approval 20%" in seoul and "shell stockpile" in seoul
    assert rows[2]["now"].startswith("troops in Russia's war: deployed;")
    assert rows[4]["now"] == "the fighting goes on"
    assert not IDENTIFIER.search(json.dumps(rows))


def test_month_lines_and_replay_tell_what_was_played(nov):
    game = Game(nov, seed=4, seats={"seoul": "player", "moscow": "player"})
    moscow = {"reward": 1, "posture": 1}
    game.play_turn({"seoul": {"assistance": 1}, "moscow": moscow})
    game.inject("atrocity", note="shelling of a city")
    game.inject_custom("a shift in Washington", {"nato.pressure": 0.9})
    play_month(game, {"seoul": {"assistance": 1}}, ["moscow"])  # Moscow's team was absent
    r = g.replay(game, 1)
    atrocity = "shelling of a city — an intolerable event: large-scale attacks on civilians"
    assert r["month"] == "2024-12" and r["injects"][0].startswith(atrocity)
    assert r["injects"][1] == "a shift in Washington — NATO's pressure becomes 0.9"
    assert r["moves"] == {
        "seoul": f"assistance to Ukraine: {SEOUL[1]}",
        "moscow": "played by the model (no move by the turn deadline)",
    }
    assert r["lines"][0].startswith("Inject: " + atrocity)
    assert "Inject: a shift in Washington — NATO's pressure becomes 0.9" in r["lines"]
    assert any(line.startswith("Seoul (team): ") and SEOUL[1] in line for line in r["lines"]), (
        "the team's move, told as the team's"
    )
    assert r["lines"][-1].startswith("Now: Seoul: ") and "NATO: " in r["lines"][-1]
    assert r["after"]["seoul_rung"] == SEOUL[1]
    assert not IDENTIFIER.search(" ".join(r["lines"] + r["injects"]))
    with pytest.raises(InputError):
        g.replay(game, 2)


def test_the_facilitators_waiting_month_in_words(nov):
    game = Game(nov, seed=4, seats={"seoul": "player"})
    game.inject("poll_shift", -0.2, note="a rally")
    game.inject_custom("US shift", {"nato.pressure": 0.9, "seoul.troops_excluded": False})
    assert g.pending_text(game.pending) == [
        "a rally — public opinion shifts: opposition to lethal aid falls by 20 points",
        "US shift — NATO's pressure becomes 0.9, Seoul's troops excluded becomes no",
    ]


def test_a_red_line_crossing_is_announced_in_its_month():
    game = Game(load_scenario("red-line"), seed=1, seats={"seoul": "player"})
    for month in range(3):
        assert not any(k == "error" for k, _ in g.announcements(game)), month
        game.play_turn({"seoul": {"assistance": 1}})
    assert game.turns[-1]["month"] == "2025-01"
    kind, text = g.announcements(game)[0]
    assert kind == "error"
    assert text.startswith("2025-01: Seoul's red line crossed. Moscow gives Pyongyang")
    game.play_turn({"seoul": {"assistance": 1}})
    assert not any("red line" in t for _, t in g.announcements(game)), "only in its month"


def test_the_deadline_reads_as_time_left():
    view = {"finished": False, "paused": False}
    assert g.deadline_text(view | {"deadline": {"minutes": 0, "at": None, "left": None}}) == ""
    text = g.deadline_text(view | {"deadline": {"minutes": 5, "at": 1.0, "left": 125.4}})
    assert text.startswith("Turn deadline: 2 min 05 s left; the model plays any team")
    paused = g.deadline_text(
        view | {"paused": True, "deadline": {"minutes": 5, "at": 1.0, "left": 9}}
    )
    assert "stopped while paused" in paused


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
        {"pending": {"injects": [{"month": "2024-12", "type": "bogus"}]}},
        {"pending": {"custom": {"seoul.public_opposition": "lots"}}},
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


def stored(db) -> list:
    with sqlite3.connect(db) as con:
        return [
            con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("rooms", "moves")
        ]


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


def tab(at: AppTest, label: str) -> AppTest:
    """The facilitator picks a tab (the page tracks the choice in the session)."""
    at.session_state["g_fac_tab"] = label
    return ok(at.run())


def test_facilitator_creates_a_room_with_join_links(db):
    fac, room = create_room()
    assert f"Room {room} created (november-2024, seed 3); players hold Seoul, Moscow." in texts(
        fac.success
    )
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
    assert any(m.value.startswith("If Seoul holds (assistance to Ukraine") for m in seoul.markdown)
    taken = join(room, "seoul", "team C")
    assert "Seoul is already taken" in texts(taken.error)
    assert "game_room" not in taken.session_state

    moscow = join(room, "moscow", "team B")
    seoul.radio(key="g_move_0_assistance").set_value(1)
    ok(seoul.button(key="g_confirm").click().run())
    assert "Move committed. Waiting for the other teams." in texts(seoul.success)
    seoul.radio(key="g_move_0_assistance").set_value(2)
    ok(seoul.button(key="g_confirm").click().run())
    assert "Seoul has already moved in turn 0" in texts(seoul.error)
    assert Rooms(db).pending_moves(room, 0) == {"seoul": {"assistance": 1}}

    ok(moscow.run())
    assert "Waiting for: Moscow." in texts(moscow.caption)
    moscow.radio(key="g_move_0_posture").set_value(1)
    ok(moscow.button(key="g_confirm").click().run())
    assert "the month is adjudicated" in texts(moscow.success)
    assert any("2024-11 (turn 1)" in e.label for e in moscow.expander)
    ok(seoul.button(key="g_refresh").click().run())
    assert "2024-12" in seoul.markdown[0].value
    game, _ = Rooms(db).load(room)
    assert len(game.turns) == 1 and game.turns[0]["moves"]["seoul"] == {"assistance": 1}
    log = " ".join(m.value for m in seoul.markdown)
    assert f"Seoul (team): keeps its assistance to Ukraine at {SEOUL[1]}" in log


def test_a_blocked_move_is_shown_with_its_rule_and_refused(db):
    _, room = create_room(seats=("seoul",))
    seoul = join(room, "seoul")
    seoul.radio(key="g_move_0_assistance").set_value(5)
    ok(seoul.run())
    warning = texts(seoul.warning)
    assert "'troops' is blocked this month:" in warning
    assert "Seoul has pledged not to send troops" in warning and "no_troops" not in warning
    assert "(lifted by " in warning
    ok(seoul.button(key="g_confirm").click().run())
    assert "Refused:" in texts(seoul.error) and "blocked" in texts(seoul.error)
    assert Rooms(db).pending_moves(room, 0) == {}


def test_a_move_from_a_released_seat_is_one_message_and_the_game_untouched(db):
    fac, room = create_room(seats=("seoul",))
    seoul = join(room, "seoul")
    seoul.radio(key="g_move_0_assistance").set_value(2)
    ok(seoul.run())
    Rooms(db).facilitate(room, fac.session_state["game_token"], "release", seat="seoul")
    before = stored(db)
    ok(seoul.button(key="g_confirm").click().run())  # the team had the page open meanwhile
    assert len(seoul.error) == 1 and "this token holds no seat in the room" in seoul.error[0].value
    assert stored(db) == before


def test_facilitator_injects_and_undoes(db):
    fac, room = create_room(seats=("seoul",))
    fac = tab(fac, "Controls")
    fac.selectbox(key="g_inject_type").set_value("poll_shift")
    ok(fac.run())
    fac.number_input(key="g_inject_value").set_value(-0.2)
    fac.text_input(key="g_inject_note").set_value("a rally")
    ok(fac.button(key="g_inject").click().run())
    assert "Inject added for the coming month." in texts(fac.success)
    assert "a rally — public opinion shifts: opposition to lethal aid falls by 20 points" in texts(
        fac.caption
    )
    fac.text_area(key="g_custom_params").set_value("seoul.public_opposition = 9")
    ok(fac.button(key="g_custom").click().run())
    assert "seoul.public_opposition" in texts(fac.error)

    seoul = join(room, "seoul")
    ok(seoul.button(key="g_confirm").click().run())
    assert "the month is adjudicated" in texts(seoul.success)
    game, _ = Rooms(db).load(room)
    assert len(game.turns) == 1 and game.log[0]["injects"][0]["type"] == "poll_shift"
    ok(fac.button(key="g_refresh").click().run())
    assert any("Inject: a rally" in m.value for m in fac.markdown)
    ok(fac.button(key="g_undo").click().run())
    assert "Undone: the last 1 month." in texts(fac.success)
    game, _ = Rooms(db).load(room)
    assert game.turns == [] and game.pending["injects"][0]["type"] == "poll_shift"
    ok(fac.button(key="g_pause").click().run())
    assert Rooms(db).load(room)[0].paused
    assert fac.button(key="g_resume").label == "Resume"


def test_the_facilitator_stays_on_the_tab_and_keeps_half_typed_fields(db):
    """A facilitator inject while a team moves: the tab and the custom inject survive."""
    fac, room = create_room()
    fac = tab(fac, "Controls")
    fac.text_input(key="g_custom_note").set_value("the US cuts aid")
    fac.text_area(key="g_custom_params").set_value("nato.pressure = 0.2")
    ok(fac.run())
    seoul = join(room, "seoul")  # a team claims and moves meanwhile
    ok(seoul.button(key="g_confirm").click().run())
    ok(fac.run())  # what the page's poll does when the room changes
    assert fac.session_state["g_fac_tab"] == "Controls"
    assert fac.text_area(key="g_custom_params").value == "nato.pressure = 0.2"
    fac.selectbox(key="g_inject_type").set_value("provocation")
    ok(fac.button(key="g_inject").click().run())  # the facilitator's own inject
    assert "Inject added for the coming month." in texts(fac.success)
    assert fac.session_state["g_fac_tab"] == "Controls"
    assert fac.text_input(key="g_custom_note").value == "the US cuts aid"
    assert fac.text_area(key="g_custom_params").value == "nato.pressure = 0.2"
    fac = tab(fac, "Room")  # another tab: the fields are kept for when it comes back
    fac = tab(fac, "Controls")
    assert fac.text_area(key="g_custom_params").value == "nato.pressure = 0.2"


def test_the_facilitator_releases_reassigns_and_sets_a_deadline(db):
    fac, room = create_room()
    seoul = join(room, "seoul", "team A")
    fac = tab(fac, "Room")
    fac.selectbox(key="g_manage_seat").set_value("seoul")
    ok(fac.run())
    ok(fac.button(key="g_release").click().run())
    assert "Seat released" in texts(fac.success)
    ok(seoul.button(key="g_refresh").click().run())
    assert "this token holds no seat in the room" in texts(seoul.error)
    fac.text_input(key="g_reassign_team").set_value("team D")
    ok(fac.button(key="g_reassign").click().run())
    mine = fac.session_state["game_token"]
    (link,) = [c.value for c in fac.code if "token=" in c.value and mine not in c.value]
    token = link.split("token=")[1]
    assert Rooms(db).view(room, token)["claimed"]["seoul"] == "team D"
    fac.number_input(key="g_deadline_minutes").set_value(10.0)
    ok(fac.button(key="g_deadline").click().run())
    assert "Turn deadline set." in texts(fac.success)
    assert any(c.value.startswith("Turn deadline: ") for c in fac.caption)
    assert Rooms(db).view(room, token)["deadline"]["minutes"] == 10.0
    fac.number_input(key="g_deadline_minutes").set_value(0.0)
    ok(fac.button(key="g_deadline").click().run())
    assert not any(c.value.startswith("Turn deadline: ") for c in fac.caption)


def test_the_facilitator_undoes_several_months(db):
    fac, room = create_room(seats=("seoul",))
    seoul = join(room, "seoul")
    for turn in range(3):
        ok(seoul.button(key="g_confirm").click().run())
        assert "the month is adjudicated" in texts(seoul.success), turn
    fac = tab(fac, "Controls")
    fac.number_input(key="g_undo_months").set_value(2)
    ok(fac.button(key="g_undo").click().run())
    assert "Undone: the last 2 months." in texts(fac.success)
    assert len(Rooms(db).load(room)[0].turns) == 1
    assert fac.number_input(key="g_undo_months").value == 1, "no more than the months played"


def test_a_team_cannot_use_facilitator_controls_and_sees_only_its_seat(db):
    fac, room = create_room()
    seoul = join(room, "seoul")
    keys = {b.key for b in seoul.button}
    assert not keys & {"g_undo", "g_inject", "g_release", "g_reassign", "g_deadline"}
    assert not any("Shared by the facilitator" in e.label for e in seoul.expander)
    fac = tab(fac, "Controls")
    ok(fac.button(key="g_share").click().run())
    ok(seoul.button(key="g_refresh").click().run())
    assert any("Shared by the facilitator: Moscow" in e.label for e in seoul.expander)


def test_the_debrief_tab_shows_the_charts_and_the_questions(db):
    fac, room = create_room(seats=("seoul",))
    seoul = join(room, "seoul")
    for _ in range(2):
        ok(seoul.button(key="g_confirm").click().run())
    fac = tab(fac, "Debrief")
    assert len(fac.get("vega_lite_chart")) == 4
    page = " ".join(m.value for m in fac.markdown)
    assert "## Questions for discussion" in page and "## Where the game sits" in page
    labels = [d.proto.label for d in fac.get("download_button")]
    assert labels == [
        "Game (JSON)",
        "After-action report (Markdown)",
        "After-action report (HTML, with charts)",
    ]


def test_a_token_link_rejoins_and_a_bad_one_says_so(db):
    fac, room = create_room()
    token = fac.session_state["game_token"]
    again = game_page({"room": room, "token": token})
    assert again.session_state["game_token"] == token
    assert any("facilitator" in m.value for m in again.markdown)
    for bad_room, bad_token in (
        (room, "guess"),
        ("'; DROP TABLE rooms; --", token),
        ("x" * 500, "t"),
    ):
        bad = game_page({"room": bad_room, "token": bad_token})
        assert len(bad.error) == 1, bad_room
        assert "game_room" not in bad.session_state
    assert "this token holds no seat in the room" in texts(
        game_page({"room": room, "token": "guess"}).error
    )
    assert Rooms(db).load(room)[0].turns == []


def test_a_bad_room_or_seat_in_the_join_form_is_one_message(db):
    _, room = create_room()
    at = game_page()
    at.text_input(key="g_join_room").set_value("no-such-room")
    ok(at.button(key="g_claim").click().run())
    assert len(at.error) == 1 and "no room 'no-such-room'" in at.error[0].value
    at.text_input(key="g_join_room").set_value(room)
    at.selectbox(key="g_join_seat").set_value("nato")
    ok(at.button(key="g_claim").click().run())
    assert "NATO is not a player seat" in texts(at.error)
    assert "game_room" not in at.session_state


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


def test_a_hostile_month_in_waiting_is_refused_on_upload(db, nov):
    game = Game(nov, seed=7, seats={"seoul": "player"})
    data = game.to_dict() | {"pending": {"injects": [{"month": "2024-11", "type": "bogus"}]}}
    at = game_page()
    at.file_uploader(key="g_upload").set_value(
        ("evil.json", json.dumps(data).encode(), "application/json")
    )
    ok(at.run())
    assert len(at.error) == 1 and "pending.injects.0" in at.error[0].value
    assert not Path(db).exists() or stored(db)[0] == []


def test_a_saved_game_resumes_as_a_new_room_and_replays(db, nov):
    game = Game(nov, seed=7, seats={"seoul": "player"})
    for _ in range(3):
        game.play_turn({"seoul": {"assistance": 1}})
    at = game_page()
    at.file_uploader(key="g_upload").set_value(
        ("saved.json", g.game_json(game).encode(), "application/json")
    )
    ok(at.run())
    assert "continues 'saved.json' after 3 turn(s)" in texts(at.success)
    assert not at.warning, "an unedited scenario changes no rule"
    restored, _ = Rooms(db).load(at.session_state["game_room"])
    assert restored.state() == game.state()
    at = tab(at, "Log and replay")
    at.slider(key="g_replay").set_value(2)
    ok(at.run())
    assert any(
        m.value.startswith(f"**2024-12** · moves: Seoul: assistance to Ukraine: {SEOUL[1]}")
        for m in at.markdown
    )


def test_an_edited_scenario_upload_says_which_rules_it_changed(db, nov):
    game = Game(nov.with_overrides({"seoul.troops_excluded": False}), seed=7)
    game.seats["seoul"] = "player"
    at = game_page()
    at.file_uploader(key="g_upload").set_value(
        ("edited.json", g.game_json(game).encode(), "application/json")
    )
    ok(at.run())
    assert (
        "This game's scenario changes the shipped scenario november-2024: "
        "Seoul's troops excluded: yes there, no here." in texts(at.warning)
    )
