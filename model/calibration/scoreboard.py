"""The forecast scoreboard: the model's and the two analysts' forecasts, scored by the record.

Each observable is a yes/no question the record (seeds/record-2024.yaml, outside the two
documents) answers, and one the model forecasts rather than is told: the record's
injects (troops, the treaty, the impeachment, the new government) are not given to the
forecasts. The model forecasts from the two documents' moments, the `july-2024` and
`november-2024` scenarios as shipped (no injects), each run to December 2025, with the
register's defaults and with calibrated parameters (each world drawing its weights from
the surviving sets). Asmolov's "above 50%" and Seok's words are read as numbers; the
readings are assumptions, and they are labelled so in every table.

Scores: the Brier score (p - o)^2, 0 best and 1 worst, for every forecast; the log score
-ln(probability given to what happened), 0 best, where the forecast is a probability
(the model's, and Asmolov's, who gave one), not for words read as numbers (the log
score lives in the tails, and a word's tail is exactly what the reading makes up). A
model share of k worlds in n is read as (k + 0.5) / (n + 1) for the log score only, so
that a share of 0 for what happened scores a large, finite loss.

Everything here is a pure function of the runs; `redline scoreboard` and the
dashboard's Evidence page lay it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outcomes import OUTCOMES
from ..parameters import HORIZON
from ..scenario import load_scenario, month_index
from ..simulation import Result, simulate

CLOSE = "2025-12"  # the record closes here; every forecast runs to it
ORIGINS = {"july-2024": "July 2024", "november-2024": "November 2024"}
DEFAULT_REPS = 2000
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Observable:
    """A question the record answers: did it happen by `by`?"""

    name: str
    question: str  # plain words: "Seoul supplies weapons of any kind"
    by: str  # YYYY-MM, the last month counted
    excerpts: tuple[str, ...]  # the record's excerpts that answer it
    happened: bool
    read: Callable[[Result, int], np.ndarray]  # (result, months counted) -> per-world bool
    origins: tuple[str, ...] = tuple(ORIGINS)  # the moments it is forecast from
    note: str = ""


def _event(name: str) -> Callable[[Result, int], np.ndarray]:
    def read(res: Result, k: int) -> np.ndarray:
        months = res.outcomes[OUTCOMES[name].months]
        return months.le(k).fillna(False).to_numpy(dtype=bool)

    return read


def _both(a: str, b: str) -> Callable[[Result, int], np.ndarray]:
    first, second = _event(a), _event(b)
    return lambda res, k: first(res, k) & second(res, k)


def _series(name: str, at_least: float) -> Callable[[Result, int], np.ndarray]:
    return lambda res, k: (res.series[name][:k] >= at_least).any(axis=0)


OBSERVABLES: tuple[Observable, ...] = (
    Observable(
        "troops-deployed-2024",
        "North Korean troops are in Russia's war",
        "2024-12",
        ("record-2",),
        True,
        _series("pyongyang_troops", 1),
        origins=("july-2024",),
        note="from November 2024 they are there at the start: not a forecast",
    ),
    Observable(
        "lethal-aid-2024",
        "Seoul supplies lethal weapons (indirectly or directly)",
        "2024-12",
        ("record-1",),
        False,
        _event("lethal_aid"),
    ),
    Observable(
        "arms-and-collapse-2024",
        "Seoul supplies weapons and Seoul-Moscow relations collapse",
        "2024-12",
        ("record-1", "record-14"),
        False,
        _both("weapons_supplied", "relations_collapsed"),
        note="Asmolov's question (asmolov-19): arms read as weapons of any kind",
    ),
    Observable(
        "troops-reinforced-2025",
        "North Korea sends more troops",
        "2025-03",
        ("record-3",),
        True,
        _series("pyongyang_troops", 2),
        note="'early 2025' read as by March 2025",
    ),
    Observable(
        "weapons-2025",
        "Seoul supplies weapons of any kind",
        CLOSE,
        ("record-11",),
        False,
        _event("weapons_supplied"),
    ),
    Observable(
        "offensive-weapons-2025",
        "Seoul supplies offensive weapons",
        CLOSE,
        ("record-11",),
        False,
        _event("offensive_weapons"),
    ),
    Observable(
        "assembly-vote-2025",
        "the National Assembly votes on arms for Ukraine",
        CLOSE,
        ("record-12",),
        False,
        _series("assembly_vote", 1),
    ),
    Observable(
        "troops-sent-2025",
        "Seoul sends troops",
        CLOSE,
        ("record-13",),
        False,
        _event("troops_sent"),
    ),
    Observable(
        "troops-withdrawn-2025",
        "North Korea withdraws its troops while the war goes on",
        CLOSE,
        ("record-6",),
        False,
        _event("troops_withdrawn"),
    ),
    Observable(
        "collapse-2025",
        "Seoul-Moscow relations collapse",
        CLOSE,
        ("record-14",),
        False,
        _event("relations_collapsed"),
    ),
    Observable(
        "ceasefire-2025",
        "a ceasefire in Ukraine",
        CLOSE,
        ("record-15",),
        False,
        _event("ceasefire"),
        note="no actor's choice in the model (war.ceasefire_hazard)",
    ),
)


@dataclass(frozen=True)
class Call:
    """An analyst's forecast: the words, the number they are read as, and why."""

    forecaster: str
    made: str  # when
    observable: str
    words: str
    probability: float
    excerpt: str
    reading: str  # how the words became the number (an assumption)
    stated: bool  # a probability the analyst gave (log score), or words read as one


CALLS: tuple[Call, ...] = (
    Call(
        "Asmolov",
        "August 2024",
        "arms-and-collapse-2024",
        "the likelihood of this happening is above 50%",
        0.55,
        "asmolov-19",
        "assumption: 'above 50%' read as 0.55, just above the line he drew",
        True,
    ),
    Call(
        "Seok",
        "November 2024",
        "troops-sent-2025",
        "Seoul is highly unlikely to send troops",
        0.05,
        "seok-17",
        "assumption: 'highly unlikely' read as 0.05",
        False,
    ),
    Call(
        "Seok",
        "November 2024",
        "offensive-weapons-2025",
        "the possibility of providing offensive weapons ... is low",
        0.15,
        "seok-19",
        "assumption: 'low' read as 0.15 (seok-18: defensive assets would come first)",
        False,
    ),
)


def label(question: str, by: str) -> str:
    """'Seoul sends troops by December 2025': what a row of the scoreboard asks."""
    from .targets import _month_words

    return f"{question[0].upper()}{question[1:]} by {_month_words(by)}"


def forecaster_name(origin: str, calibrated: bool) -> str:
    return f"model from {ORIGINS[origin]}, {'calibrated' if calibrated else 'defaults'}"


def forecast_scenario(origin: str):
    """The document's scenario as shipped, run from its start to the record's close."""
    sc = load_scenario(origin)
    months = month_index(CLOSE) - month_index(sc.start) + 1
    return load_scenario(origin, {HORIZON: months})


def model_runs(
    reps: int = DEFAULT_REPS, seed: int = DEFAULT_SEED, calibration=None
) -> dict[tuple[str, bool], Result]:
    """(origin, calibrated) -> the run: both documents' moments, defaults and calibrated."""
    from .calibrated import draw

    runs = {}
    for origin in ORIGINS:
        sc = forecast_scenario(origin)
        runs[(origin, False)] = simulate(sc, reps=reps, seed=seed)
        if calibration is not None:
            pdraw = draw(calibration, seed)
            runs[(origin, True)] = simulate(
                sc, reps=reps, seed=seed, varying=pdraw.varying(0, reps)
            )
    return runs


def brier(p: float, happened: bool) -> float:
    return (p - float(happened)) ** 2


def log_score(p: float, happened: bool) -> float:
    """-ln of the probability given to what happened (0 is best)."""
    return float(-np.log(p if happened else 1.0 - p))


def _targets_on(obs: Observable, targets) -> tuple[list[str], list[str]]:
    """The calibration targets resting on the same record excerpts: (fit, held-out)."""
    if targets is None:
        return [], []
    hits = [t for t in targets.targets if set(t.source) & set(obs.excerpts)]
    return [t.name for t in hits if t.fit], [t.name for t in hits if not t.fit]


def score(runs: dict[tuple[str, bool], Result], targets=None) -> pd.DataFrame:
    """One row per observable and forecast: the probability, the outcome and the scores."""
    rows = []
    for obs in OBSERVABLES:
        fit, held = _targets_on(obs, targets)
        base = {
            "observable": obs.name,
            "question": obs.question,
            "by": obs.by,
            "happened": int(obs.happened),
            "record": ", ".join(obs.excerpts),
            "fit targets": ", ".join(fit),
            "held-out targets": ", ".join(held),
            "held out": bool(held),
        }
        for (origin, calibrated), res in runs.items():
            if origin not in obs.origins:
                continue
            k = res.months.index(obs.by) + 1
            hits = obs.read(res, k)
            n, count = len(hits), int(hits.sum())
            p = count / n
            smoothed = (count + 0.5) / (n + 1)
            rows.append(
                {
                    **base,
                    "forecaster": forecaster_name(origin, calibrated),
                    "kind": "model",
                    "made": ORIGINS[origin],
                    "calibrated": calibrated,
                    "probability": p,
                    "basis": f"{count:,} of {n:,} worlds",
                    "source": origin,
                    "brier": brier(p, obs.happened),
                    "log score": log_score(smoothed, obs.happened),
                }
            )
        for call in CALLS:
            if call.observable != obs.name:
                continue
            rows.append(
                {
                    **base,
                    "forecaster": call.forecaster,
                    "kind": "analyst",
                    "made": call.made,
                    "calibrated": False,
                    "probability": call.probability,
                    "basis": f"“{call.words}” ({call.reading})",
                    "source": call.excerpt,
                    "brier": brier(call.probability, obs.happened),
                    "log score": log_score(call.probability, obs.happened)
                    if call.stated
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


def forecasters(board: pd.DataFrame) -> list[str]:
    """In reading order: the model's four, then the analysts."""
    order = [forecaster_name(o, c) for o in ORIGINS for c in (False, True)]
    names = list(dict.fromkeys(board["forecaster"]))
    return [n for n in order if n in names] + [n for n in names if n not in order]


def wide(board: pd.DataFrame) -> pd.DataFrame:
    """One row per observable, one column per forecaster: 'probability (Brier)'."""
    rows = []
    for _, group in board.groupby("observable", sort=False):
        first = group.iloc[0]
        row = {
            "observable": label(first["question"], first["by"]),
            "happened": f"{'yes' if first['happened'] else 'no'} ({first['record']})",
            "calibration": _role(first),
        }
        cells = group.set_index("forecaster")
        for f in forecasters(board):
            if f in cells.index:
                c = cells.loc[f]
                row[f] = f"{c['probability']:.1%} (Brier {c['brier']:.3f})"
            else:
                row[f] = "-"
        rows.append(row)
    return pd.DataFrame(rows)


def _role(row) -> str:
    parts = []
    if row["fit targets"]:
        parts.append(f"fitted: {row['fit targets']}")
    if row["held-out targets"]:
        parts.append(f"HELD OUT: {row['held-out targets']}")
    return "; ".join(parts) or "not a target"


def totals(board: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster: observables scored, mean Brier and mean log score."""
    rows = []
    for f in forecasters(board):
        g = board[board["forecaster"] == f]
        logs = g["log score"].dropna()
        rows.append(
            {
                "forecaster": f,
                "observables": len(g),
                "mean Brier": float(g["brier"].mean()),
                "mean log score": float(logs.mean()) if len(logs) else np.nan,
                "held-out observables": int(g["held out"].sum()),
            }
        )
    return pd.DataFrame(rows)


# --- writing it ------------------------------------------------------------------------------

FORMATS = (".md", ".csv", ".png")


def check_out(path: Path, overwrite: bool) -> Path:
    path = Path(path)
    if path.suffix not in FORMATS:
        raise InputError(
            f"cannot tell what to write from the name {path.name!r}",
            file=str(path),
            field="--out",
            allowed="a file name ending .md (the tables), .csv (one row per forecast) or "
            ".png (the chart)",
        )
    if path.exists() and not overwrite:
        raise InputError(
            "the file exists", file=str(path), field="--out", allowed="a new file, or --overwrite"
        )
    return path


def markdown(board: pd.DataFrame, totals_frame: pd.DataFrame, about: str) -> str:
    from .report import _md

    def fmt(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.map(lambda v: ("-" if v != v else f"{v:.3f}") if isinstance(v, float) else v)

    calls = board[board["kind"] == "analyst"]
    calls = pd.DataFrame(
        {
            "forecaster": calls["forecaster"],
            "made": calls["made"],
            "forecast of": [label(q, b) for q, b in zip(calls["question"], calls["by"])],
            "words and reading": calls["basis"],
            "excerpt": calls["source"],
        }
    )
    return "\n".join(
        [
            "# Forecast scoreboard",
            "",
            about,
            "",
            "Each cell: the probability the forecast gave and its Brier score ((p - o)², 0 "
            "best, 1 worst). HELD OUT marks observables of calibration targets that took no "
            "part in the fit.",
            "",
            _md(wide(board)),
            "",
            "## Per forecaster",
            "",
            "Means over the observables each forecaster scored (they differ: compare like "
            "with like). Log score: -ln(probability given to what happened), 0 best; only "
            "for stated probabilities.",
            "",
            _md(fmt(totals_frame)),
            "",
            "## The analysts' words read as numbers",
            "",
            _md(calls),
            "",
        ]
    )


def plot(board: pd.DataFrame, target: Path) -> Path:
    """Brier scores by observable and forecaster (dots), and each forecaster's mean (bars)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..outputs import atomic_path

    names = forecasters(board)
    obs = list(dict.fromkeys(board["observable"]))
    first = board.drop_duplicates("observable").set_index("observable")
    labels = [
        label(first.loc[o, "question"], first.loc[o, "by"])
        + (" (held out)" if first.loc[o, "held out"] else "")
        for o in obs
    ]
    colours = ["#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#000000"]
    markers = ["o", "o", "s", "s", "D", "^", "v"]
    fig, (ax, bx) = plt.subplots(
        2,
        1,
        figsize=(10, 3 + 0.45 * len(obs) + 0.35 * len(names)),
        gridspec_kw={"height_ratios": [len(obs), 0.6 * len(names) + 1]},
    )
    y = {o: i for i, o in enumerate(reversed(obs))}
    offsets = np.linspace(-0.3, 0.3, len(names))
    for j, f in enumerate(names):
        g = board[board["forecaster"] == f]
        ax.scatter(
            g["brier"],
            [y[o] + offsets[j] for o in g["observable"]],
            color=colours[j % len(colours)],
            marker=markers[j % len(markers)],
            label=f,
            zorder=3,
        )
    ax.set_yticks(range(len(obs)), list(reversed(labels)), fontsize="small")
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("Brier score (0 best, 1 worst)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Forecasts scored against the 2024-25 record", loc="left")
    ax.legend(fontsize="small", loc="lower right")
    t = totals(board)
    bx.barh(
        range(len(t))[::-1],
        t["mean Brier"],
        color=[colours[j % len(colours)] for j in range(len(t))],
    )
    bx.set_yticks(
        range(len(t))[::-1],
        [f"{r.forecaster} ({r.observables} scored)" for r in t.itertuples()],
        fontsize="small",
    )
    bx.set_xlim(0, max(0.3, float(t["mean Brier"].max()) * 1.15))
    bx.set_xlabel("mean Brier score over the observables each forecaster scored")
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return target


def write(board: pd.DataFrame, path: Path, about: str) -> Path:
    """The scoreboard as .csv (one row per forecast), .md (the tables) or .png (the chart)."""
    from ..outputs import atomic_path, write_text

    path = Path(path)
    if path.suffix == ".csv":
        with atomic_path(path) as tmp:
            board.to_csv(tmp, index=False)
    elif path.suffix == ".md":
        write_text(markdown(board, totals(board), about), path)
    else:
        plot(board, path)
    return path


__all__ = [
    "CALLS",
    "CLOSE",
    "OBSERVABLES",
    "ORIGINS",
    "Call",
    "Observable",
    "brier",
    "check_out",
    "forecast_scenario",
    "forecasters",
    "label",
    "log_score",
    "markdown",
    "model_runs",
    "plot",
    "score",
    "totals",
    "wide",
    "write",
]
