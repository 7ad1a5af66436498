"""A room of laptops on one server: page runs taken in turn, nothing that burns the CPU a
room needs (the figures are benchmarks/bench_dashboard.py's; nothing here is timed)."""

import threading

import pytest

from dashboard import runs, serve, ui


def _enter(queued: bool, inside: threading.Event, leave: threading.Event, order: list, name):
    with runs.one_at_a_time(queued=queued):
        order.append(name)
        inside.set()
        leave.wait(timeout=10)


def test_queued_page_runs_take_turns_and_long_work_does_not_wait():
    first_in, first_leave = threading.Event(), threading.Event()
    second_in, second_leave = threading.Event(), threading.Event()
    free_in, free_leave = threading.Event(), threading.Event()
    order: list[str] = []
    first = threading.Thread(target=_enter, args=(True, first_in, first_leave, order, "first"))
    second = threading.Thread(target=_enter, args=(True, second_in, second_leave, order, "second"))
    free = threading.Thread(target=_enter, args=(False, free_in, free_leave, order, "sweep"))
    first.start()
    assert first_in.wait(timeout=10)
    second.start()
    free.start()
    assert free_in.wait(timeout=10)  # unqueued work starts while the turn is held
    assert not second_in.wait(timeout=0.3)  # the second queued run waits for the turn
    first_leave.set()
    assert second_in.wait(timeout=10)  # ... and gets it when the first ends
    second_leave.set()
    free_leave.set()
    for t in (first, second, free):
        t.join(timeout=10)
    assert order == ["first", "sweep", "second"]


def test_the_turn_is_released_however_a_run_ends():
    """A rerun or a stop ends a script with an exception: the room must not stay held."""
    with pytest.raises(RuntimeError):
        with runs.one_at_a_time():
            raise RuntimeError("the user pressed Run again")
    got = []

    def take_turn():
        got.append(runs._TURN.acquire(timeout=2))
        if got[-1]:
            runs._TURN.release()

    t = threading.Thread(target=take_turn)
    t.start()
    t.join(timeout=5)
    assert got == [True]


def test_a_page_run_s_own_parts_reenter_its_turn():
    """A full run of the Scenario page holds the turn, and its results part takes it
    again (a Run redraws that part alone, in a turn of its own)."""
    done = threading.Event()

    def nested():
        with runs.one_at_a_time():
            with runs.one_at_a_time():
                done.set()

    t = threading.Thread(target=nested, daemon=True)  # a plain lock would hang here
    t.start()
    assert done.wait(timeout=5)


def test_the_server_skips_the_full_collection_after_every_run():
    cmd = serve.command(headless=True)
    assert cmd[cmd.index("--runner.postScriptGC") + 1] == "false"


def test_the_page_has_no_motion():
    """Streamlit's running indicator and fades animate while a script runs; in a browser
    without a GPU that is CPU the room's other laptops wait for."""
    assert "animation: none !important" in ui.PROJECTOR_CSS
    assert "transition: none !important" in ui.PROJECTOR_CSS
