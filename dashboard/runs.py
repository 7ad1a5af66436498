"""Simulation behind the pages, cached on exactly what determines a result.

A result depends only on (scenario, replications, seed), so the cache key is the
validated scenario's canonical JSON with the two numbers: moving a slider back
to an earlier value, or opening a page again, costs nothing. `st.cache_data`
stores a pickled copy (a 1,000 x 24 result pickles in about 3 ms), so pages can
never change a cached result by accident. The cache is per server process and
shared by every session, which is what a seminar room wants.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from model import Scenario, simulate
from model.explain import explain, narrate

from . import charts

# One page run at a time on the pages whose runs are short (an ensemble of at most
# state.DASHBOARD_MAX_REPS replications and its charts). Streamlit runs each session's
# script in a thread of one process, so six laptops pressing Run together took turns
# every few milliseconds and all six finished at the end; in turn, the first is drawn
# after one run and the last after six, and the browsers draw while the server works
# on the next (benchmarks/bench_dashboard.py). Long work (sweeps, sensitivity) is not
# queued, so it never holds a room up.
_TURN = threading.RLock()  # re-entered by a page run's own fragments


def one_at_a_time(queued: bool = True):
    """Hold the room's turn while the block runs (released however it ends, a rerun or a
    stop included); `queued=False` runs at once."""
    return _TURN if queued else nullcontext()


MAX_ENTRIES = 48  # views and stories: small
RESULT_ENTRIES = 8  # full results (series): up to ~30 MB at DASHBOARD_MAX_REPS


def key(scenario: Scenario) -> str:
    return scenario.model_dump_json()


STORY_REPLICATION = 0  # the story the page opens with: traced in the run itself


@st.cache_data(max_entries=RESULT_ENTRIES, show_spinner=False)
def result(scenario_json: str, reps: int, seed: int):
    """The ensemble, with replication 0's reasons kept (tracing one replication changes
    no number), so the story tab's first story costs no second run."""
    return simulate(
        Scenario.model_validate_json(scenario_json),
        reps=reps,
        seed=seed,
        trace=[STORY_REPLICATION],
    )


@dataclass(frozen=True)
class View:
    """Everything the Scenario and Compare pages draw from one ensemble."""

    name: str
    reps: int
    seed: int
    months: list
    summary: pd.DataFrame
    ladders: dict
    timing: pd.DataFrame
    assembly: pd.DataFrame
    stockpile: pd.DataFrame
    stockpile_floor: float
    votes_mean: float
    approvals_share: float
    outcomes: pd.DataFrame


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def view(scenario_json: str, reps: int, seed: int) -> View:
    return build_view(result(scenario_json, reps, seed), reps, seed)


def build_view(res, reps: int, seed: int) -> View:
    """The View of any result (this module's runs, or a calibrated one: dashboard.calibrated)."""
    out = res.outcomes
    return View(
        name=res.scenario.name,
        reps=reps,
        seed=seed,
        months=list(res.months),
        summary=charts.outcome_summary(res),
        ladders=charts.ladder_frames(res),
        timing=charts.timing_frame(out, res.months, list(charts.TIMING_CHOICES)),
        assembly=charts.assembly_frame(res),
        stockpile=charts.band_frame(res.series["stockpile_days"], res.months),
        stockpile_floor=float(res.scenario.parameters.seoul.min_stockpile_days),
        votes_mean=float(out["assembly_votes"].mean()),
        approvals_share=float((out["assembly_approvals"] > 0).mean()),
        outcomes=out,
    )


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def narrative(scenario_json: str, seed: int, replication: int, reps: int) -> list[str]:
    """`redline explain`'s story of one replication (replication 0 from the page's run)."""
    if replication == STORY_REPLICATION:
        return narrate(result(scenario_json, reps, seed), replication)
    return explain(
        Scenario.model_validate_json(scenario_json), seed=seed, replication=replication, reps=reps
    )


def matching(outcomes: pd.DataFrame, outcome: str | None) -> np.ndarray:
    """Replication numbers where `outcome` happened (all when None)."""
    if outcome is None:
        return outcomes["replication"].to_numpy()
    return outcomes.loc[outcomes[outcome], "replication"].to_numpy()
