"""The tables of docs/model.md, rendered from the code that defines what they list.

A hand-kept table of 140 parameters drifts from the code within a week; these are
rendered instead. Each table lives in docs/model.md between the marker comments
``<!-- BEGIN name -->`` and ``<!-- END name -->``; ``python -m model.docs`` rewrites
every block in place, and tests/test_docs.py fails when a block differs from what
the code renders now (a default tuned without regenerating the docs, say).

Everything here is a pure function of the code and the shipped default scenario:
importing the module reads no file and writes none.

    python -m model.docs [--check] [PATH]     # PATH defaults to the checkout's docs/model.md
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .agents import RULES, Moscow, Nato, Pyongyang, Seoul
from .choice import allowed_mask, probabilities, total_utility
from .errors import InputError
from .model import ACTOR_CLASSES, STATE_VARS, RedlineModel
from .outcomes import MEASURES, OUTCOMES
from .parameters import SPECS, Parameters, ParamSpec, flatten
from .words import ACTOR_NAMES, GROUP_NAMES

DOC = Path(__file__).resolve().parent.parent / "docs" / "model.md"
DEFAULT_SCENARIO = "november-2024"

GROUPS = {"": "The scenario", **GROUP_NAMES}  # parameter group -> heading in the table

_EXCERPT = re.compile(r"\b(?:seok|asmolov|assembly|record)-\d+\b(?!-\d)")  # not record-2024-07
_DOTTED = re.compile(r"\b(?:decision|seoul|moscow|pyongyang|nato|war)\.[a-z_]+[a-z]\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


# --- formatting ------------------------------------------------------------------------
def code(text: str) -> str:
    """Put identifiers (excerpt ids, dotted parameter names, snake_case names) in code
    formatting, so a reader sees at once what is a name and what is prose."""
    out, last = [], 0
    spans = sorted(
        {(m.start(), m.end()) for rx in (_EXCERPT, _DOTTED, _SNAKE) for m in rx.finditer(text)}
    )
    for start, end in spans:
        if start < last:  # inside a longer match already taken (a dotted name's field)
            continue
        out += [text[last:start], f"`{text[start:end]}`"]
        last = end
    out.append(text[last:])
    return "".join(out)


def cell(text: Any) -> str:
    """A table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def number(value: Any) -> str:
    """A value as a reader writes it: true/false, thousands separated, no trailing .0."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    value = float(value)
    if value.is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def _signed(x: float) -> str:
    return "0" if abs(x) < 0.005 else f"{x:+.2f}"


def _evidence(source: str) -> str:
    """A rule's or parameter's source: excerpt ids in code, or the assumption's reason."""
    if source.startswith("assumption"):
        return code(source)
    return ", ".join(f"`{s.strip()}`" for s in source.split(","))


# --- the tables ------------------------------------------------------------------------
def _spec_source(spec: ParamSpec) -> str:
    if spec.is_assumption:
        return "assumption: " + code(spec.why)
    text = _evidence(spec.source)
    return f"{text}: {code(spec.note)}" if spec.note else text


def _range(spec: ParamSpec) -> str:
    return "true or false" if spec.kind is bool else f"{number(spec.lo)} to {number(spec.hi)}"


def parameter_table() -> str:
    """Every parameter: dotted name, default, unit, range, tier and its source or reason."""
    specs = list(SPECS.values())
    sourced = sum(not s.is_assumption for s in specs)
    advanced = sum(s.advanced for s in specs)
    parts = [
        f"{len(specs)} parameters: {sourced} rest on excerpts, {len(specs) - sourced} are "
        f"assumptions with their reason; {len(specs) - advanced} are constraints (documented "
        f"constraints and scenario facts, shown first in the dashboard) and {advanced} "
        "advanced (model weights)."
    ]
    headers = ["parameter", "default", "unit", "range", "tier", "source or reason"]
    for group, heading in GROUPS.items():
        rows = [
            [f"`{s.name}`", number(s.default), s.unit, _range(s), s.tier, _spec_source(s)]
            for s in specs
            if (s.name.split(".")[0] if "." in s.name else "") == group
        ]
        if rows:
            parts += [f"**{heading}**", table(headers, rows)]
    return "\n\n".join(parts)


class _Reads:
    """Parameter values at their defaults, as the model reads them (``p.seoul.approval``),
    noting which parameters a state variable's start reads."""

    def __init__(self, values: dict[str, Any], seen: list[str], group: str = ""):
        self._values, self._seen, self._group = values, seen, group

    def __getattr__(self, field: str):
        if not self._group:
            return _Reads(self._values, self._seen, field)
        name = f"{self._group}.{field}"
        self._seen.append(name)
        return self._values[name]


_KIND = {int: "integer", float: "number", bool: "true or false"}


def state_table() -> str:
    """Every state variable a world carries from month to month, from the actors' STATE."""
    values = flatten(Parameters())
    owners = {f"{cls.name}_": ACTOR_NAMES[cls.name] for cls in ACTOR_CLASSES}
    rows = []
    for name, var in STATE_VARS.items():
        seen: list[str] = []
        start = var.start(_Reads(values, seen))
        owner = next((o for prefix, o in owners.items() if name.startswith(prefix)), "the world")
        reads = ", ".join(f"`{n}`" for n in dict.fromkeys(seen)) or "a constant"
        rows.append([f"`{name}`", owner, _KIND[var.dtype], code(var.meaning), reads, number(start)])
    return table(["variable", "held by", "type", "meaning", "starts from", "at the defaults"], rows)


def ladder_table() -> str:
    """Each actor's decisions and the options on each ladder, by index."""
    rows = []
    for cls in (Seoul, Moscow, Pyongyang, Nato):
        for decision, options in cls.DECISIONS.items():
            listed = "; ".join(f"{k} {label}" for k, label in enumerate(options))
            rows.append([ACTOR_NAMES[cls.name], decision, listed])
    return table(["actor", "decision", "options (index and meaning)"], rows)


def rule_table() -> str:
    """Every named rule: what it does and what it rests on."""
    rows = [[f"`{name}`", code(what), _evidence(source)] for name, (what, source) in RULES.items()]
    return table(["rule", "what it does", "evidence"], rows)


def outcome_table() -> str:
    """The outcomes every interface reports, and the per-replication measures beside them."""
    rows = [[f"`{o.name}`", f"`{o.months}`", o.label, o.meaning] for o in OUTCOMES.values()]
    measures = [[f"`{name}`", what] for name, what in MEASURES.items()]
    return "\n\n".join(
        [
            table(["outcome", "month it first held", "shown as", "what counts"], rows),
            table(["measure", "what it measures"], measures),
        ]
    )


def commitment_table() -> str:
    """Per actor: the cost of a rung climbed against the cost of a rung given up."""
    rows = []
    for actor in ("seoul", "moscow", "pyongyang", "nato"):
        up = SPECS[f"{actor}.change_cost"].default
        down = SPECS[f"{actor}.retreat_cost"].default
        reading = (
            "stepping back costs more than moving up"
            if down > up
            else "stepping back costs less than moving up"
            if down < up
            else "stepping back costs the same as moving up"
        )
        rows.append(
            [
                ACTOR_NAMES[actor],
                f"`{actor}.change_cost` {number(up)}",
                f"`{actor}.retreat_cost` {number(down)}",
                reading,
            ]
        )
    return table(["actor", "per rung moved up", "per rung given up", "at the defaults"], rows)


def seoul_at_start(scenario: str = DEFAULT_SCENARIO) -> str:
    """Seoul's decision as the world stands at a scenario's start, before anyone moves:
    each utility term per rung, the sum, the rules that block and the logit chances."""
    from .scenario import load_scenario

    model = RedlineModel(load_scenario(scenario), reps=1, seed=0)
    try:
        s = model.seoul
        threat = s.threat()
        terms = {k: np.broadcast_to(v, (1, 6)) for k, v in s.terms(threat).items()}
        blocked = s.blocked_for(threat=threat)
        utility = total_utility(terms)
        allowed = allowed_mask(blocked, s.rung, 6)
        chance = probabilities(utility, allowed, model.columns.decision.rationality)[0]
        vote = s.needs_vote()[0] & (np.arange(6) > s.approved_rung[0])
        pass_chance = float(s.pass_chance(threat)[0])
        direct = bool(model.moscow.counts_as_direct()[0])
    finally:
        model.release()
    headers = ["term", *(f"rung {k}" for k in range(6))]
    rows = [[f"`{k}`", *(_signed(x) for x in v[0])] for k, v in terms.items()]
    rows.append(["sum", *(_signed(x) for x in utility[0])])
    rows.append(
        [
            "blocked by",
            *(", ".join(f"`{n}`" for n, m in blocked.items() if m[0, k]) or "-" for k in range(6)),
        ]
    )
    rows.append(["needs a vote first", *("yes" if v else "-" for v in vote)])
    rows.append(["chance as this month's wish", *(f"{p:.1%}" for p in chance)])
    odds = "below 0.01%" if pass_chance < 1e-4 else f"{pass_chance:.2%}"
    reading = "reads" if direct else "does not read"
    lead = (
        f"`{scenario}` at its start, before anyone moves: Seoul at rung {int(s.rung[0])}, "
        f"threat {threat[0]:.2f}; the government reckons a motion's chance of passing at "
        f"{odds}; in this world Moscow {reading} indirect supply as direct."
    )
    return "\n\n".join([lead, table(headers, rows)])


BLOCKS: dict[str, Callable[[], str]] = {
    "ladders": ladder_table,
    "state": state_table,
    "commitments": commitment_table,
    "outcomes": outcome_table,
    "seoul-at-start": seoul_at_start,
    "rules": rule_table,
    "parameters": parameter_table,
}


# --- the blocks in docs/model.md ---------------------------------------------------------
def _markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"


def _span(text: str, name: str, origin: str) -> tuple[int, int]:
    """Where block `name`'s content starts and ends in `text` (between its markers)."""
    begin, end = _markers(name)
    if text.count(begin) != 1 or text.count(end) != 1:
        raise InputError(
            f"block {name} needs exactly one {begin} and one {end}",
            file=origin,
            allowed="each of " + ", ".join(BLOCKS) + " once, BEGIN before END",
        )
    start, stop = text.index(begin) + len(begin), text.index(end)
    if stop < start:
        raise InputError(f"{end} comes before {begin}", file=origin, allowed="BEGIN before END")
    return start, stop


def read_blocks(text: str, origin: str = "docs/model.md") -> dict[str, str]:
    """Each block's content as it stands in the file (without its markers)."""
    out = {}
    for name in BLOCKS:
        start, stop = _span(text, name, origin)
        out[name] = text[start:stop].strip("\n")
    return out


def render(name: str) -> str:
    """Block `name` as the code renders it now."""
    return BLOCKS[name]().strip("\n")


def rendered() -> dict[str, str]:
    return {name: render(name) for name in BLOCKS}


def rewrite(text: str, origin: str = "docs/model.md", blocks: dict[str, str] | None = None) -> str:
    """`text` with every block replaced by what the code renders now (or by `blocks`)."""
    blocks = rendered() if blocks is None else blocks
    for name in BLOCKS:
        start, stop = _span(text, name, origin)
        text = f"{text[:start]}\n{blocks[name]}\n{text[stop:]}"
    return text


def _write(path: Path, text: str) -> None:
    """Write under a temporary name beside `path`, then rename: never half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m model.docs",
        description="Rewrite the generated tables of docs/model.md from the code.",
    )
    ap.add_argument("path", nargs="?", default=str(DOC), help="the file (default: %(default)s)")
    ap.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a table is stale"
    )
    args = ap.parse_args(argv)
    path = Path(args.path)
    try:
        if not path.is_file():
            raise InputError(
                "no such file", file=str(path), allowed="the path of docs/model.md in a checkout"
            )
        old = path.read_text(encoding="utf-8")
        current = read_blocks(old, str(path))
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    blocks = rendered()
    stale = [name for name, body in current.items() if body != blocks[name]]
    new = rewrite(old, str(path), blocks)
    if args.check:
        print(f"{path}: stale tables: {', '.join(stale)}" if stale else f"{path}: up to date")
        return 1 if stale else 0
    if new != old:
        _write(path, new)
    print(f"{path}: rewrote {', '.join(stale)}" if stale else f"{path}: already up to date")
    return 0


__all__ = ["BLOCKS", "read_blocks", "render", "rendered", "rewrite", "main", "code"]

if __name__ == "__main__":
    sys.exit(main())
