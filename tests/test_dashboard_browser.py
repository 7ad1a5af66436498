"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a
`streamlit run` this module starts (and stops) on a free localhost port.

Outside CI a missing Chromium or Playwright skips these tests with the reason; under CI
(CI=true) it fails them. Screenshots go to build/dashboard-screenshots/.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import browser
import pytest

from dashboard import charts, serve
from model import load_scenario
from model.scenario import dump_yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

SHOTS = ROOT / "build" / "dashboard-screenshots"
CARD_COUNT = re.compile(r"([\d,]+) of ([\d,]+) replications")
TITLES = {charts.label(o): o for o in charts.CARD_ORDER}

why_not = browser.missing()
if why_not:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {why_not}", pytrace=False)
    pytest.skip(f"browser tests skipped: {why_not}", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with serve.running(log=log) as url:
        yield url


@pytest.fixture(scope="module")
def chrome():
    with browser.chromium(width=1600, height=1200) as ctx:
        yield ctx


@pytest.fixture
def page(chrome):
    """A new tab; the test fails if the page logged any console error."""
    tab = chrome.new_page()
    errors = []
    tab.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    yield tab
    tab.close()
    assert errors == [], errors


def open_app(page, url: str, query: str = "") -> None:
    page.goto(url + "/" + query)
    browser.wait_idle(page)
    browser.wait_charts(page)


def shoot(page, name: str, locator=None) -> Path:
    """Streamlit scrolls inside its own container, so shoot elements, not the page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.png"
    (locator or page.locator('[data-testid="stMain"]')).screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    return target


def card_counts(page) -> dict:
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    captions = [
        c
        for c in page.get_by_test_id("stCaptionContainer").all_inner_texts()
        if CARD_COUNT.search(c)
    ]
    assert len(labels) == len(captions) == len(charts.CARD_ORDER)
    return {
        TITLES[label.strip()]: int(CARD_COUNT.search(c).group(1).replace(",", ""))
        for label, c in zip(labels, captions)
    }


def test_every_page_loads_and_draws(page, server):
    open_app(page, server)
    assert page.get_by_test_id("stMetric").count() == len(charts.CARD_ORDER)
    shoot(page, "scenario")
    browser.nav(page, "Compare")
    browser.wait_idle(page)
    assert browser.wait_charts(page) >= 7
    assert page.get_by_text("current: november-2024").first.is_visible()
    shoot(page, "compare")
    browser.nav(page, "Sweep")
    browser.wait_idle(page)
    page.get_by_role("button", name="Run sweep").click()
    page.get_by_text("Probability as seoul.public_opposition varies").wait_for(timeout=60_000)
    browser.wait_idle(page)
    assert browser.wait_charts(page) == 1
    shoot(page, "sweep")
    browser.nav(page, "Sensitivity")
    browser.wait_idle(page)
    assert page.get_by_role("button", name="Run analysis").is_visible()
    shoot(page, "sensitivity")
    browser.nav(page, "Evidence")
    browser.wait_idle(page)
    page.get_by_test_id("stDataFrame").first.wait_for()
    assert page.get_by_text("Assumptions").first.is_visible()
    shoot(page, "evidence")


def test_keyboard_slider_run_and_the_export_runs_in_the_cli(page, server, tmp_path):
    open_app(page, server, "?scenario=red-line&reps=500&seed=3")
    label = "Public opposition"
    assert browser.slider_value(page, label) == "0.742"
    browser.press(page, label, "ArrowLeft", 5)
    assert browser.slider_value(page, label) == "0.690"
    page.get_by_test_id("stBaseButton-primaryFormSubmit").first.click()
    page.get_by_text("→ 0.69").wait_for(timeout=30_000)
    browser.wait_idle(page)
    browser.wait_charts(page)
    assert "seoul.public_opposition=0.69" in page.url
    shown = card_counts(page)
    shoot(page, "cards-after-slider", page.get_by_test_id("stMain"))

    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download scenario YAML").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "red-line-custom.yaml"
    exported = path.read_text()
    assert "public_opposition: 0.69" in exported
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "model",
            "run",
            str(path),
            "--reps",
            "500",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    cli = {
        r["outcome"]: r["count"]
        for r in json.loads((tmp_path / "run" / "summary.json").read_text())["outcomes"]
    }
    assert {o: shown[o] for o in cli} == cli


def test_a_link_fills_the_controls_and_a_bad_link_says_why(page, server):
    open_app(page, server, "?scenario=atrocity&nato.pressure=0.9&reps=300&seed=2")
    page.get_by_text("atrocity · 300 replications · seed 2").wait_for()
    nato = page.get_by_test_id("stExpander").filter(has_text="NATO")
    nato.locator("summary").first.click()
    assert browser.slider_value(page, "Pressure") == "0.90"
    assert page.get_by_text("of 300 replications").first.is_visible()

    open_app(page, server, "?seoul.public_opposition=9&seoul.bogus=1")
    warning = " ".join(page.get_by_test_id("stAlertContentWarning").all_inner_texts())
    assert "seoul.public_opposition" in warning and "seoul.bogus" in warning
    assert browser.slider_value(page, "Public opposition") == "0.742"


def upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "application/x-yaml", "buffer": data}
    )


def test_uploads_good_and_hostile(page, server):
    open_app(page, server)
    page.get_by_test_id("stSidebar").get_by_text("Import, save, reset").click()
    good = dump_yaml(load_scenario("atrocity", overrides={"nato.pressure": 0.8})).replace(
        "name: atrocity", "name: seminar-room"
    )
    upload(page, "seminar-room.yaml", good.encode())
    page.get_by_text("Loaded uploaded scenario 'seminar-room'").wait_for(timeout=30_000)
    browser.wait_idle(page)
    assert re.search(r"scenario=upload(%3A|:)seminar-room", page.url)
    before = card_counts(page)

    upload(page, "bomb.yaml", b"a: &a [1, 1, 1, 1, 1]\nb: [*a, *a, *a, *a, *a]\n")
    page.get_by_text("Upload refused, nothing changed").wait_for(timeout=30_000)
    browser.wait_idle(page)
    assert "aliases" in page.get_by_test_id("stAlertContentError").first.inner_text()
    assert card_counts(page) == before
    assert "seminar-room" in page.url

    upload(page, "huge.yaml", b"#" * (3 * 1024 * 1024))  # over the server's 2 MB limit
    page.get_by_text(re.compile(r"File must be .*MB or smaller")).wait_for(timeout=30_000)
    browser.wait_idle(page)
    assert card_counts(page) == before
    assert page.get_by_test_id("stException").count() == 0
    shoot(page, "upload-refused", page.get_by_test_id("stSidebar"))
