"""The evidence table behind every parameter (for the Evidence page), as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from model import SPECS
from model.agents import RULES

from .state import format_value


def parameter_table(
    values: Mapping[str, Any], defaults: Mapping[str, Any], register
) -> pd.DataFrame:
    """One row per parameter: value now, the scenario's value, unit, range, source, the
    excerpts quoted with their citations, and whether it is an assumption (with why)."""
    rows = []
    for name, spec in SPECS.items():
        if spec.is_assumption:
            evidence = spec.why
            cites = ""
        else:
            evidence = "\n".join(f"“{register.excerpt(i).text}”" for i in spec.excerpt_ids)
            cites = "; ".join(f"{i}: {register.cite(i)}" for i in spec.excerpt_ids)
        rows.append(
            {
                "parameter": name,
                "group": name.split(".")[0] if "." in name else "run",
                "value": format_value(values[name]),
                "scenario value": format_value(defaults[name]),
                "changed": values[name] != defaults[name],
                "unit": spec.unit,
                "range": "true / false" if spec.kind is bool else f"{spec.lo:g} – {spec.hi:g}",
                "assumption": spec.is_assumption,
                "source": spec.source,
                "evidence": evidence,
                "citation": cites,
                "note": spec.note,
            }
        )
    return pd.DataFrame(rows)


def rules_table() -> pd.DataFrame:
    return pd.DataFrame(
        [{"rule": k, "what it does": v[0], "source": v[1]} for k, v in RULES.items()]
    )


# ---- the record (outside the two documents) and the forecast scoreboard


def record_table(register) -> pd.DataFrame:
    """Every excerpt from outside the two analysed documents, marked so."""
    rows = []
    for source in register.sources.values():
        if source.kind == "document":
            continue
        for e in source.excerpts:
            rows.append(
                {
                    "excerpt": e.id,
                    "text": e.text,
                    "outside the documents": True,
                    "citation": register.cite(e.id),
                }
            )
    return pd.DataFrame(rows)


def scoreboard_frame(board: pd.DataFrame) -> pd.DataFrame:
    """The scoreboard's forecasts in words: one row per observable and forecaster."""
    from model.calibration.scoreboard import label

    return pd.DataFrame(
        {
            "what happened or not": [label(q, b) for q, b in zip(board["question"], board["by"])],
            "happened": board["happened"].map({1: "yes", 0: "no"}) + " (" + board["record"] + ")",
            "held out": board["held out"],
            "forecaster": board["forecaster"],
            "probability": board["probability"],
            "Brier score": board["brier"],
            "log score": board["log score"],
            "basis": board["basis"],
        }
    )


def scoreboard_chart(board: pd.DataFrame) -> dict:
    """Brier score of every forecast, one row per observable, a colour per forecaster."""
    import altair as alt

    from model.calibration.scoreboard import forecasters

    from . import charts

    frame = scoreboard_frame(board)
    frame["row"] = frame["what happened or not"] + frame["held out"].map(
        {True: " (held out)", False: ""}
    )
    order = list(dict.fromkeys(frame["row"]))
    names = forecasters(board)
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=120)
        .encode(
            x=alt.X("Brier score:Q", scale=alt.Scale(domain=[0, 1]), title="Brier score (0 best)"),
            y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=520)),
            yOffset=alt.YOffset("forecaster:N", sort=names),
            color=alt.Color("forecaster:N", sort=names, title=None),
            shape=alt.Shape("forecaster:N", sort=names, title=None),
            tooltip=[
                "forecaster:N",
                alt.Tooltip("probability:Q", format=".1%"),
                alt.Tooltip("Brier score:Q", format=".3f"),
                "basis:N",
            ],
        )
        .properties(
            width=charts.WIDTH,
            height=40 * len(order),
            title=alt.TitleParams(
                "Forecasts scored against the 2024-25 record",
                subtitle="(held out): a calibration target on this record took no part in the fit",
            ),
        )
    )
    return charts.style(chart).to_dict()
