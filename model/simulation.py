"""`simulate`: scenario in, outcomes out.

Results depend only on (scenario, parameters, seed, reps, start state): the
whole ensemble is one model instance fed by one seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import InputError
from .model import SERIES, RedlineModel, WorldState
from .outcomes import OUTCOME_COLUMNS, OUTCOMES, wilson
from .parameters import MAX_CELLS, MAX_HORIZON, MAX_REPS, MAX_SEED, SPECS
from .scenario import Scenario, month_label


def check_size(reps: int, months: int) -> None:
    if (
        not isinstance(reps, (int, np.integer))
        or isinstance(reps, bool)
        or not 1 <= reps <= MAX_REPS
    ):
        raise InputError(
            f"{reps!r} replications", field="reps", allowed=f"an integer from 1 to {MAX_REPS:,}"
        )
    if reps * months > MAX_CELLS:
        raise InputError(
            f"{reps:,} replications x {months} months = {reps * months:,} "
            "replication-months in one run",
            field="reps",
            allowed=f"at most {MAX_CELLS:,}; use `redline sweep` for more",
        )


def check_seed(seed) -> int:
    if (
        not isinstance(seed, (int, np.integer))
        or isinstance(seed, bool)
        or not 0 <= seed <= MAX_SEED
    ):
        raise InputError(f"{seed!r}", field="seed", allowed=f"an integer from 0 to {MAX_SEED:,}")
    return int(seed)


def check_varying(varying: dict[str, np.ndarray] | None, reps: int) -> None:
    for name, values in (varying or {}).items():
        if name not in SPECS or np.shape(values) != (reps,):
            raise InputError(
                f"per-replication values of shape {np.shape(values)}",
                field=name,
                allowed=f"a parameter name from `redline sources` with one value per "
                f"replication ({reps:,})",
            )


@dataclass
class Result:
    scenario: Scenario
    reps: int
    seed: int
    months: list[str]
    series: dict[str, np.ndarray]  # name -> (months x reps)
    first: dict[str, np.ndarray]  # event -> months to it (0 already, -1 never)
    counters: dict[str, np.ndarray]
    log: list[dict] = field(default_factory=list)
    model: RedlineModel | None = field(default=None, repr=False)

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per replication."""
        last = {k: v[-1] for k, v in self.series.items()}
        return outcome_frame(self.first, self.counters, last)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per replication and month, replication-major."""
        h, r = len(self.months), self.reps
        data = {
            "replication": np.repeat(np.arange(r), h),
            "month": pd.Categorical.from_codes(np.tile(np.arange(h), r), categories=self.months),
            "step": np.tile(np.arange(1, h + 1), r),
        }
        for name in SERIES:
            data[name] = self.series[name].T.reshape(-1)
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        return summarize(self.outcomes)

    def world_state(self, replication: int) -> WorldState:
        if self.model is None:
            raise ValueError("this result was made without keep_model=True")
        return self.model.world_state(replication)


def outcome_frame(first: dict, counters: dict, last: dict) -> pd.DataFrame:
    """Outcomes per replication from the model's trackers and its last month's series."""
    reps = len(counters["votes"])
    cols: dict = {"replication": np.arange(reps)}
    for o in OUTCOMES.values():
        f = first[o.name]
        cols[o.name] = f >= 0
        cols[o.months] = pd.array(np.where(f >= 0, f, 0), dtype="Int64")
        cols[o.months][f < 0] = pd.NA
    cols.update(
        {
            "seoul_max_rung": counters["seoul_max_rung"],
            "final_seoul_rung": last["seoul_rung"],
            "moscow_max_reward_rung": counters["moscow_max_reward"],
            "final_moscow_reward_rung": last["moscow_reward_rung"],
            "final_moscow_posture": last["moscow_posture"],
            "moscow_max_posture": counters["moscow_max_posture"],
            "assembly_motions_blocked": counters["motions_blocked"],
            "assembly_votes": counters["votes"],
            "assembly_approvals": counters["approvals"],
            "min_stockpile_days": counters["min_stockpile"],
            "shells_transferred": counters["shells_transferred"],
            "final_public_opposition": last["public_opposition"],
        }
    )
    assert set(cols) == set(OUTCOME_COLUMNS), set(cols) ^ set(OUTCOME_COLUMNS)
    return pd.DataFrame({k: cols[k] for k in OUTCOME_COLUMNS})


def _counters(model: RedlineModel) -> dict:
    s = model.seoul
    return {
        "seoul_max_rung": s.max_rung.astype(np.int8),
        "votes": s.votes.astype(np.int32),
        "approvals": s.approvals.astype(np.int32),
        "min_stockpile": s.min_stockpile.copy(),
        "moscow_max_reward": model.moscow.max_reward.astype(np.int8),
        "moscow_max_posture": model.moscow.max_posture.astype(np.int8),
        "motions_blocked": s.motions_blocked.astype(np.int32),
        "shells_transferred": s.days_transferred * model.params.seoul.wartime_shells_per_day,
    }


def simulate_outcomes(
    scenario: Scenario, reps: int, seed: int, varying: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """Outcomes only, for sweeps: `varying` gives per-replication parameter arrays
    (see parameters.coerce_column), so one call can hold many design points."""
    seed = check_seed(seed)
    model = RedlineModel(scenario, reps, seed, varying=varying)
    try:
        model.run()
    finally:
        model.release()
    last = {k: v[-1] for k, v in model.series.items()}
    return outcome_frame(model.first, _counters(model), last)


def summarize(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Probability of each event with a Wilson 95% interval and median months to it."""
    n = len(outcomes)
    rows = []
    for o in OUTCOMES.values():
        event, months_col = o.name, o.months
        k = int(outcomes[event].sum())
        low, high = wilson(k, n)
        months = outcomes.loc[outcomes[event], months_col].astype("float64")
        rows.append(
            {
                "outcome": event,
                "probability": k / n,
                "ci_low": low,
                "ci_high": high,
                "count": k,
                "median_months": float(months.median()) if k else None,
            }
        )
    return pd.DataFrame(rows)


def simulate(
    scenario: Scenario,
    reps: int = 1000,
    seed: int = 0,
    *,
    start: WorldState | None = None,
    months: int | None = None,
    trace: list[int] | None = None,
    keep_model: bool = False,
    first_moves: dict[tuple[str, str], int] | None = None,
    varying: dict[str, np.ndarray] | None = None,
    progress=None,
) -> Result:
    """Run `reps` replications of `scenario`.

    `start` branches the ensemble from one world's snapshot (a game's current
    month, or `Result.world_state(i)`); `months` then defaults to what is left of
    the scenario's horizon. `trace` lists replications whose decisions keep
    their reasons (see `Result.log`). `first_moves` plays {(actor, decision):
    option} in the first month in every replication (a player's move under test);
    the rules still apply, and where they block it the actor holds. `varying`
    gives parameters that differ per replication, dotted name -> (reps,) array
    (see parameters.coerce_column; `redline run --calibrated` draws them from a
    calibration's surviving sets); they replace the scenario's values.
    """
    seed = check_seed(seed)
    left = scenario.horizon_months - (start.step if start else 0)
    months = left if months is None else months
    if not isinstance(months, (int, np.integer)) or not 1 <= months <= MAX_HORIZON:
        raise InputError(
            f"{months!r} months to simulate",
            field="months",
            allowed=f"an integer from 1 to {MAX_HORIZON} (the scenario's horizon less "
            "the months already played)",
        )
    check_size(reps, months)
    if trace and any(not 0 <= i < reps for i in trace):
        raise InputError(
            f"trace {trace}",
            field="replication",
            allowed=f"replication numbers from 0 to {reps - 1}",
        )
    check_varying(varying, reps)
    model = RedlineModel(
        scenario, reps, seed, start=start, months=months, trace=trace, varying=varying
    )
    model.forced = {
        key: np.full(reps, option, dtype=np.int64) for key, option in (first_moves or {}).items()
    }
    try:
        model.run(progress)
    finally:
        model.release()
    counters = _counters(model)
    labels = [month_label(model.first_month + t) for t in range(months)]
    return Result(
        scenario,
        reps,
        seed,
        labels,
        model.series,
        model.first,
        counters,
        model.log,
        model if keep_model else None,
    )
