"""A wargame in a real browser: a facilitator and two teams (two Chromium profiles, via
Playwright) play three months of a room on a `streamlit run` this module starts, then the
server is restarted on the same rooms database and the room is still there. And a
facilitator injecting while a team moves keeps the tab and the half-typed custom inject.

Outside CI a missing Chromium or Playwright skips this with the reason; under CI (CI=true)
it fails. Screenshots go to build/dashboard-screenshots/.
"""

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import browser
import pytest

from dashboard import serve
from model.game.rooms import Rooms

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

SHOTS = ROOT / "build" / "dashboard-screenshots"
MONTHS = ["2024-11", "2024-12", "2025-01", "2025-02"]
WAIT = 60_000  # ms; generous, the machine is shared

why_not = browser.missing()
if why_not:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {why_not}", pytrace=False)
    pytest.skip(f"browser tests skipped: {why_not}", allow_module_level=True)


@pytest.fixture
def rooms_db(tmp_path, monkeypatch):
    """The server inherits REDLINE_ROOMS from this process's environment."""
    path = tmp_path / "rooms.sqlite"
    monkeypatch.setenv("REDLINE_ROOMS", str(path))
    return path


def watch_errors(page) -> list:
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors


def idle(page) -> None:
    browser.wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0


def header(page, month: str):
    """The room header once the page shows `month` (the page refreshes itself)."""
    return page.get_by_role("heading", name=re.compile(rf"Room \w+ · .* · {month} · "))


def codes(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stCode").all_inner_texts()]


def claim(page, link: str, seat: str) -> None:
    page.goto(link)
    idle(page)
    page.get_by_role("button", name=f"Claim {seat}").click()
    page.get_by_text(f"You hold {seat} in room").wait_for(timeout=WAIT)
    idle(page)


def confirm(page) -> None:
    page.get_by_role("button", name="Confirm move").click()


@contextmanager
def profiles(tmp_path: Path, n: int):
    """`n` separate Chromium profiles (fresh user-data-dirs) from one Playwright driver."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        contexts = []
        try:
            for _ in range(n):
                contexts.append(
                    p.chromium.launch_persistent_context(
                        tempfile.mkdtemp(prefix="profile-", dir=tmp_path),
                        executable_path=browser.CHROMIUM,
                        args=browser.ARGS,
                        headless=True,
                        viewport={"width": 1400, "height": 1100},
                    )
                )
            yield contexts
        finally:
            for ctx in contexts:
                ctx.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("stMain").screenshot(path=str(SHOTS / f"{name}.png"))


def test_two_teams_play_three_months_and_the_room_survives_a_restart(rooms_db, tmp_path):
    port = serve.free_port()
    with (
        serve.running(port=port, log=tmp_path / "streamlit-1.log") as url,
        profiles(tmp_path, 2) as (first, second),
    ):
        # the facilitator (a tab in the first profile) creates the room
        fac = first.new_page()
        errors = watch_errors(fac)
        fac.goto(url + "/game")
        idle(fac)
        fac.get_by_role("tab", name="Run a room (facilitator)").click()
        fac.get_by_role("button", name="Create room").click()
        fac.get_by_text(re.compile(r"Room \w+ created \(november-2024")).wait_for(timeout=WAIT)
        idle(fac)
        # on a loaded machine the join links can render a moment after the message
        fac.get_by_test_id("stCode").filter(has_text=re.compile(r"seat=moscow")).first.wait_for(
            timeout=WAIT
        )
        links = codes(fac)
        seoul_link = next(x for x in links if x.endswith("seat=seoul"))
        moscow_link = next(x for x in links if x.endswith("seat=moscow"))
        room = re.search(r"room=(\w+)", seoul_link).group(1)
        token = Rooms(rooms_db).load(room)[1]["facilitator"]
        assert token not in seoul_link and token not in moscow_link

        # each team's laptop: Seoul in a second tab of the first profile, Moscow in the second
        seoul, moscow = first.new_page(), second.new_page()
        errors += watch_errors(seoul) + watch_errors(moscow)
        claim(seoul, seoul_link, "Seoul")
        claim(moscow, moscow_link, "Moscow")
        assert seoul.get_by_text("Risk view").first.is_visible()
        idle(seoul)  # the page polls the room; a rerun may briefly show a stale copy
        seoul.get_by_text("Your rejoin link (keep it in your team)").last.click()
        seoul.get_by_text(re.compile(r"/game\?room=\w+&token=")).wait_for(timeout=WAIT)
        seoul_rejoin = next(x for x in codes(seoul) if "token=" in x)

        for turn in range(3):
            header(seoul, MONTHS[turn]).wait_for(timeout=WAIT)
            header(moscow, MONTHS[turn]).wait_for(timeout=WAIT)
            idle(seoul)
            confirm(seoul)
            seoul.get_by_text("Move committed. Waiting for the other teams.").wait_for(timeout=WAIT)
            idle(seoul)
            if turn == 0:  # a second, conflicting move for the same seat and turn
                seoul.get_by_test_id("stRadio").first.get_by_text(
                    "defensive weapons (Cheongung air defence)"
                ).click()
                idle(seoul)
                confirm(seoul)
                refused = seoul.get_by_text(re.compile("Seoul has already moved in turn 0"))
                refused.wait_for(timeout=WAIT)
                shoot(seoul, "game-conflicting-move")
            # Moscow's page shows, unprompted, that Seoul has moved
            moscow.get_by_text("Waiting for: Moscow.").wait_for(timeout=WAIT)
            idle(moscow)
            confirm(moscow)
            moscow.get_by_text("the month is adjudicated").wait_for(timeout=WAIT)
            idle(moscow)
            # Seoul's page refreshes itself into the next month, with the turn in its log
            header(seoul, MONTHS[turn + 1]).wait_for(timeout=WAIT)
            seoul.get_by_text(f"{MONTHS[turn]} (turn {turn + 1})").wait_for(timeout=WAIT)

        game, _ = Rooms(rooms_db).load(room)
        assert len(game.turns) == 3
        assert [t["month"] for t in game.turns] == MONTHS[:3]
        assert set(game.turns[0]["moves"]) == {"seoul", "moscow"}
        header(fac, MONTHS[3]).wait_for(timeout=WAIT)
        shoot(moscow, "game-team")
        shoot(fac, "game-facilitator")
        assert errors == [], errors

    # restart: a new server on the same port and the same rooms database
    with (
        serve.running(port=port, log=tmp_path / "streamlit-2.log") as url2,
        profiles(tmp_path, 1) as (third,),
    ):
        assert url2 == url
        page = third.new_page()
        errors = watch_errors(page)
        page.goto(f"{url}/game?room={room}&token={token}")
        header(page, MONTHS[3]).wait_for(timeout=WAIT)
        idle(page)
        assert page.get_by_role(
            "heading", name=re.compile(rf"Room {room} · facilitator · 2025-02 · turn 4")
        ).is_visible()
        for turn in range(3):
            assert page.get_by_text(f"{MONTHS[turn]} (turn {turn + 1})").count() >= 1
        assert token not in page.url, "the token leaves the address bar"
        team = third.new_page()
        errors += watch_errors(team)
        team.goto(seoul_rejoin)
        header(team, MONTHS[3]).wait_for(timeout=WAIT)
        idle(team)
        assert team.get_by_role("heading", name=re.compile(r" · Seoul · ")).is_visible()
        assert errors == [], errors
    assert len(Rooms(rooms_db).load(room)[0].turns) == 3


def selected(page, name: str) -> bool:
    return page.get_by_role("tab", name=name).get_attribute("aria-selected") == "true"


def test_a_facilitator_inject_while_a_team_moves_keeps_the_tab_and_the_half_typed_inject(
    rooms_db, tmp_path
):
    port = serve.free_port()
    with (
        serve.running(port=port, log=tmp_path / "streamlit.log") as url,
        profiles(tmp_path, 2) as (first, second),
    ):
        fac = first.new_page()
        errors = watch_errors(fac)
        fac.goto(url + "/game")
        idle(fac)
        fac.get_by_role("tab", name="Run a room (facilitator)").click()
        fac.get_by_role("button", name="Create room").click()
        fac.get_by_text(re.compile(r"Room \w+ created \(november-2024")).wait_for(timeout=WAIT)
        idle(fac)
        fac.get_by_test_id("stCode").filter(has_text=re.compile(r"seat=seoul")).first.wait_for(
            timeout=WAIT
        )
        seoul_link = next(x for x in codes(fac) if x.endswith("seat=seoul"))

        # the facilitator opens Controls and starts typing a custom inject, not finished
        fac.get_by_role("tab", name="Controls").click()
        idle(fac)
        note = fac.get_by_label("What happens")
        note.click()
        fac.keyboard.type("Washington cuts its aid", delay=20)

        # meanwhile a team claims Seoul and moves: the facilitator's page refreshes itself
        team = second.new_page()
        errors += watch_errors(team)
        claim(team, seoul_link, "Seoul")
        confirm(team)
        team.get_by_text("Move committed. Waiting for the other teams.").wait_for(timeout=WAIT)
        fac.get_by_text("Waiting for: Moscow.").wait_for(timeout=WAIT)
        idle(fac)
        assert selected(fac, "Controls"), "the tab the facilitator chose"
        assert note.input_value() == "Washington cuts its aid", "nothing half-typed is lost"

        # the facilitator's own inject, the custom inject still half done
        fac.get_by_label("Parameter changes").fill("nato.pressure = 0.2")
        fac.get_by_role("button", name="Add inject").click()
        fac.get_by_text("Inject added for the coming month.").wait_for(timeout=WAIT)
        idle(fac)
        shoot(fac, "game-facilitator-inject")
        assert selected(fac, "Controls")
        assert note.input_value() == "Washington cuts its aid"
        assert fac.get_by_label("Parameter changes").input_value() == "nato.pressure = 0.2"
        game, _ = Rooms(rooms_db).load(re.search(r"room=(\w+)", seoul_link).group(1))
        assert [e["type"] for e in game.pending["injects"]] == ["troops_deployed"]
        assert errors == [], errors
