"""Slider-to-chart time in a real browser: move a slider, run, see the updated charts.

Bar (issue 4): under 1 s for 1,000 replications x 24 months. Starts the dashboard
(`streamlit run`, headless) and Debian's Chromium, opens the Scenario page, and
for each trial moves "Public opposition" one step with the keyboard (a new value
every time, so nothing comes from the cache) and presses Run. The time is taken
in the browser, from the click (or the key press, with "Run on every change") to
the last change of the page's cards and charts, once the page has been quiet for
half a second. Prints figures; never fails on timing (the machine is shared).

    .venv/bin/python -m benchmarks.bench_dashboard [trials]   # from the checkout
"""

import statistics
import sys
import time

from dashboard import serve
from tests import browser

BAR = 1.0
LABEL = "Public opposition"
WATCH = """() => {
    window.__last = performance.now();
    const main = document.querySelector('[data-testid="stMain"]');
    new MutationObserver(() => { window.__last = performance.now(); })
        .observe(main, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def settle(page, quiet_ms: float = 500, timeout: float = 30) -> None:
    """Wait until the script is idle and the page has not changed for `quiet_ms`."""
    deadline = time.monotonic() + timeout
    browser.wait_idle(page, settle=0.05)
    while time.monotonic() < deadline:
        if (
            page.evaluate("() => performance.now() - window.__last") >= quiet_ms
            and page.locator(browser.IDLE).count()
        ):
            return
        time.sleep(0.05)
    raise TimeoutError("the page did not settle")


def trial(page, action) -> float:
    page.evaluate("() => { window.__t0 = performance.now(); }")
    action()
    settle(page)
    return page.evaluate("() => (window.__last - window.__t0) / 1000")


def run_click(page):
    page.get_by_test_id("stBaseButton-primaryFormSubmit").first.click()


def main(trials: int = 12) -> None:
    with serve.running() as url, browser.chromium(width=1600, height=1200) as ctx:
        page = ctx.new_page()
        page.goto(url + "/?scenario=november-2024&reps=1000&seed=1")
        browser.wait_idle(page)
        browser.wait_charts(page)
        page.evaluate(WATCH)
        browser.press(page, LABEL, "ArrowLeft")  # warm-up: imports, templates, the baseline
        trial(page, lambda: run_click(page))

        form = []
        for _ in range(trials):
            browser.press(page, LABEL, "ArrowLeft")
            form.append(trial(page, lambda: run_click(page)))
        value = browser.slider_value(page, LABEL)
        assert f"→ {float(value):g}" in page.get_by_test_id("stMain").inner_text(), (
            "the page does not show the last slider value"
        )

        page.get_by_text("Run on every change").click()
        settle(page)
        auto = []
        for _ in range(trials):
            auto.append(trial(page, lambda: browser.press(page, LABEL, "ArrowLeft")))

    def line(name, xs):
        xs = sorted(xs)
        p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
        verdict = "under" if statistics.median(xs) < BAR else "OVER"
        return (
            f"{name:<44} median {statistics.median(xs):.2f} s, p90 {p90:.2f} s, "
            f"max {xs[-1]:.2f} s ({verdict} the {BAR:.0f} s bar)"
        )

    print(
        "slider-to-chart in Chromium, 1,000 replications x 24 months, "
        f"{trials} trials each (new parameter value every trial)"
    )
    print(line("arrow key, then Run (default, batched form):", form))
    print(line("arrow key with 'Run on every change':", auto))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
