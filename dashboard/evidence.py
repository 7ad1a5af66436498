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
