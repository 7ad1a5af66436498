"""Starting the dashboard's Streamlit server: one command line for `redline dashboard`,
the browser tests and the benchmark, so they all run the app the same way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from .state import GAME_UPLOAD_MB, SCENARIO_UPLOAD_MB

APP = Path(__file__).resolve().parent / "app.py"
# the server's own cap: the largest upload box's (each box has its limit, dashboard.state)
MAX_UPLOAD_MB = max(SCENARIO_UPLOAD_MB, GAME_UPLOAD_MB)


def has_display() -> bool:
    """Whether a browser window can be opened (Linux without X/Wayland cannot)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def command(
    port: int = 8501, address: str = "localhost", headless: bool | None = None
) -> list[str]:
    headless = (not has_display()) if headless is None else headless
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true" if headless else "false",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--server.runOnSave",
        "false",
        "--server.fileWatcherType",
        "none",
        # Streamlit collects all garbage (gc.collect(2)) after every script run by default:
        # with this app's heap that holds the interpreter about 0.1 s a run, and a room of
        # six laptops waits for it six times over (benchmarks/bench_dashboard.py).
        # Python's own generational collector still runs.
        "--runner.postScriptGC",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        # light theme, Okabe-Ito blue as the accent (colour-blind safe, readable on a projector)
        "--theme.base",
        "light",
        "--theme.primaryColor",
        "#0072B2",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started (it runs in its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextmanager
def running(port: int | None = None, log: Path | None = None):
    """A headless dashboard on a free localhost port while the block runs; yields its URL."""
    port = port or free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        command(port, "127.0.0.1", headless=True),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        stop(proc)
        if log:
            out.close()
