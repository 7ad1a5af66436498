"""Driving the dashboard in a real browser (Debian's Chromium via Playwright): shared by the
browser tests, the benchmark and the README screenshot.

Test tooling, so it lives in tests/ and is not installed: the browser tests import it as
`browser` (pytest puts tests/ on the path), the benchmark as `tests.browser` (run from the
checkout with `python -m benchmarks.bench_dashboard`). Playwright is a test dependency.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("REDLINE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
APP = '[data-testid="stApp"]'
IDLE = f'{APP}[data-test-script-state="notRunning"]'


def missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


@contextmanager
def chromium(width: int = 1600, height: int = 1000):
    """A fresh headless Chromium profile; yields a Playwright BrowserContext."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="redline-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=ARGS,
                headless=True,
                viewport={"width": width, "height": height},
                accept_downloads=True,
            )
            try:
                yield ctx
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def launch():
    """One headless Chromium; yields the Playwright Browser, from which each test makes
    contexts of its own (each context its own cookies and Streamlit sessions: a laptop)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chrome
        finally:
            chrome.close()


def laptop(chrome, width: int = 1280, height: int = 720):
    """A fresh context (a laptop of the room) of a launched Chromium."""
    return chrome.new_context(viewport={"width": width, "height": height}, accept_downloads=True)


def wait_idle(page, timeout: float = 60, settle: float = 0.3) -> None:
    """Wait until the script has finished and stays finished for `settle` seconds
    (a run can start a moment after the click that causes it)."""
    deadline = time.monotonic() + timeout
    while True:
        page.wait_for_selector(IDLE, timeout=max(1, deadline - time.monotonic()) * 1000)
        time.sleep(settle)
        if page.locator(IDLE).count():
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not become idle")


VISIBLE_CHARTS = """[...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.getClientRects().length > 0)"""


def wait_charts(page, timeout: float = 30) -> int:
    """Wait until every visible Vega-Lite chart has drawn (hidden tabs draw when shown);
    returns how many are visible."""
    page.wait_for_function(
        f"""() => {{
            const charts = {VISIBLE_CHARTS};
            return charts.length > 0 && charts.every(c => c.querySelector('canvas, svg.marks'));
        }}""",
        timeout=timeout * 1000,
    )
    return page.evaluate(f"() => {VISIBLE_CHARTS}.length")


def _slider_box(page, label: str):
    """The slider whose label starts with `label` (sliders are labelled 'Name · unit')."""
    starts = re.compile("^" + re.escape(label))
    return page.get_by_test_id("stSlider").filter(
        has=page.get_by_test_id("stWidgetLabel").filter(has_text=starts)
    )


def slider(page, label: str):
    """The keyboard-focusable thumb of the slider whose label starts with `label`."""
    return _slider_box(page, label).get_by_role("slider")


def slider_value(page, label: str) -> str:
    return _slider_box(page, label).get_by_test_id("stSliderThumbValue").inner_text().strip()


def press(page, label: str, key: str, times: int = 1) -> None:
    """Move a slider with the keyboard (Streamlit sliders ignore typed values)."""
    thumb = slider(page, label)
    thumb.focus()
    for _ in range(times):
        page.keyboard.press(key)


def nav(page, title: str) -> None:
    page.get_by_test_id("stTopNavLink").filter(has_text=title).first.click()


def run_button(page):
    """The Scenario page's Run button (the one above the controls)."""
    return page.get_by_test_id("stSidebar").get_by_role("button", name="Run", exact=True).first


# The time of the page's last change, for "from the click to the last updated card and
# chart": a MutationObserver on the main area stamps window.__last, one on the sidebar
# window.__side (a moved control or an opened group redraws the sidebar alone), and one
# on the app stamps window.__ran when a script run starts (under load the server may
# start a run well after the click, so "idle" alone does not mean the click has been
# answered).
WATCH = """() => {
    window.__last = window.__ran = window.__side = performance.now();
    const main = document.querySelector('[data-testid="stMain"]');
    new MutationObserver(() => { window.__last = performance.now(); })
        .observe(main, {subtree: true, childList: true, characterData: true, attributes: true});
    const side = document.querySelector('[data-testid="stSidebar"]');
    if (side) new MutationObserver(() => { window.__side = performance.now(); })
        .observe(side, {subtree: true, childList: true, characterData: true, attributes: true});
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__ran = performance.now();
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


# Settled: a run has started or the page has changed since `since` (null: no such wait),
# the script is idle, and the page has not changed for `quiet` ms. Checked in the page
# every 100 ms: a room of six drivers polling over the DevTools protocol, or the page
# checking at every animation frame, would take the CPU the room's pages need.
SETTLED = f"""([since, quiet]) => {{
    const started = since === null || window.__ran > since || window.__last > since
        || window.__side > since;
    return started && document.querySelector('{IDLE}') !== null
        && performance.now() - Math.max(window.__last, window.__side) >= quiet;
}}"""


def settle(page, quiet_ms: float = 500, timeout: float = 60, since: float | None = None) -> None:
    """Wait until the script is idle and the page has not changed for `quiet_ms` (needs
    WATCH installed); with `since` (a performance.now() time), first until a run has
    started or the page has changed after it."""
    page.wait_for_function(SETTLED, arg=[since, quiet_ms], polling=100, timeout=timeout * 1000)


def timed(page, action) -> float:
    """Seconds from `action` (a click, a key press) to the page's last change."""
    t0 = page.evaluate("() => (window.__t0 = performance.now())")
    action()
    settle(page, since=t0)
    return page.evaluate("() => (window.__last - window.__t0) / 1000")


def pressed(page, label: str, key: str, times: int = 1) -> None:
    """Move a slider with the keyboard and wait for the page's answer (WATCH installed)."""
    t0 = page.evaluate("() => performance.now()")
    press(page, label, key, times)
    settle(page, since=t0)


# Every card's label, number, change and caption: its text, whether it is cut (wider
# than its box, or ending in an ellipsis) and whether it sticks out of its card.
CARD_TEXT = """() => [...document.querySelectorAll('[class*="st-key-card_"]')].flatMap(card => {
    const box = card.getBoundingClientRect();
    return [...card.querySelectorAll(
        '[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] *, ' +
        '[data-testid="stMetricDelta"] div, [data-testid="stCaptionContainer"] p')]
      .filter(e => e.children.length === 0 && e.innerText.trim())
      .map(e => {
        const r = e.getBoundingClientRect();
        return {card: card.className.match(/st-key-(card_[a-z_]+)/)[1], text: e.innerText.trim(),
                cut: e.scrollWidth > e.clientWidth + 1 || /…$/.test(e.innerText.trim()),
                outside: r.left < box.left - 1 || r.right > box.right + 1};
      });
})"""


def card_text(page, until: set[str] = frozenset(), timeout: float = 15) -> list[dict]:
    """The cards' texts, read once every text in `until` is drawn (the cards' elements are
    drawn one after another, a moment after the script reports it has finished)."""
    deadline = time.monotonic() + timeout
    while True:
        texts = page.evaluate(CARD_TEXT)
        if {t["text"] for t in texts} >= until or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


def wait_cards(page, n: int, timeout: float = 15) -> int:
    """The number of outcome cards once `n` are drawn (they are drawn one after another,
    a moment after the script reports it has finished)."""
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= n",
        arg=n,
        polling=100,
        timeout=timeout * 1000,
    )
    return page.get_by_test_id("stMetric").count()


def p90(xs) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def screenshot(
    target: Path,
    query: str = "?scenario=red-line&seoul.public_opposition=0.6&reps=1000&seed=1",
    width: int = 1600,
    height: int = 1000,
) -> Path:
    """The README's picture: the Scenario page as a projector shows it."""
    from dashboard import serve

    with serve.running() as url, chromium(width=width, height=height) as ctx:
        page = ctx.new_page()
        page.goto(url + "/" + query)
        wait_idle(page)
        wait_charts(page)
        time.sleep(1)  # let the charts' transitions finish
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
    return Path(target)


if __name__ == "__main__":  # python -m tests.browser docs/dashboard.png (from the checkout)
    import sys

    print(screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard.png")))
