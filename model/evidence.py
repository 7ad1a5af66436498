"""The evidence register: one YAML file per source in seeds/, with numbered excerpts.

Parameters and rules cite excerpt ids (``seok-13``); this module loads the register
so the citations can be printed (`redline sources`) and checked (tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .resources import shipped

SEEDS_DIR = shipped("seeds")  # or REDLINE_SEEDS


@dataclass(frozen=True)
class Excerpt:
    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    author: str
    outlet: str
    date: str
    kind: str
    excerpts: tuple[Excerpt, ...]


class Register:
    def __init__(self, sources: list[Source]):
        self.sources = {s.id: s for s in sources}
        self.excerpts = {e.id: e for s in sources for e in s.excerpts}

    def excerpt(self, excerpt_id: str) -> Excerpt:
        return self.excerpts[excerpt_id]

    def cite(self, excerpt_id: str) -> str:
        s = self.sources[self.excerpts[excerpt_id].source]
        flag = " - OUTSIDE the analysed documents" if s.kind != "document" else ""
        return f"{s.author}, '{s.title}', {s.outlet}, {s.date}{flag}"


@lru_cache(maxsize=1)
def load_register(folder: Path = SEEDS_DIR) -> Register:
    sources = []
    for path in sorted(Path(folder).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        sources.append(
            Source(
                doc["id"],
                doc["title"],
                doc["author"],
                doc["outlet"],
                str(doc["date"]),
                doc["kind"],
                tuple(Excerpt(e["id"], e["text"], doc["id"]) for e in doc["excerpts"]),
            )
        )
    return Register(sources)


def evidence_rows(values: dict | None = None) -> list[dict]:
    """One row per parameter: value, unit, range, source and the evidence text."""
    from .parameters import SPECS

    register = load_register()
    rows = []
    for name, spec in SPECS.items():
        if spec.is_assumption:
            evidence = f"ASSUMPTION: {spec.why}"
        else:
            evidence = "\n".join(
                f'{i}: "{register.excerpt(i).text}" ({register.cite(i)})' for i in spec.excerpt_ids
            )
            if spec.note:
                evidence += f"\nnote: {spec.note}"
        rows.append(
            {
                "parameter": name,
                "value": values[name] if values else spec.default,
                "unit": spec.unit,
                "range": f"{spec.lo} to {spec.hi}",
                "source": spec.source,
                "evidence": evidence,
            }
        )
    return rows
