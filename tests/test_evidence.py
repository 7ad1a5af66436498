"""Every parameter traces to an excerpt that exists, or is an assumption with a reason."""

import os
import re
from pathlib import Path

import pytest

from model import SPECS
from model.agents import RULES
from model.evidence import load_register

ROOT = Path(__file__).resolve().parent.parent  # the checkout; its parent may hold shared/
REG = load_register()
ID = re.compile(r"\b(?:seok|asmolov|assembly|record)-\d+\b")


@pytest.mark.parametrize("name", list(SPECS))
def test_parameter_has_default_unit_range_and_source(name):
    spec = SPECS[name]
    assert spec.unit
    assert spec.lo is not None and spec.hi is not None
    if spec.kind is not bool:
        assert spec.lo <= spec.default <= spec.hi
    if spec.is_assumption:
        assert len(spec.why) > 20, "an assumption needs its rationale"
    else:
        assert spec.excerpt_ids
        for i in spec.excerpt_ids:
            assert i in REG.excerpts, f"{name} cites missing excerpt {i}"
    for i in ID.findall(spec.why + " " + spec.note):
        assert i in REG.excerpts, f"{name} mentions missing excerpt {i}"


def test_rules_cite_existing_excerpts():
    for name, (_, source) in RULES.items():
        ids = ID.findall(source)
        assert ids or source.startswith("assumption"), name
        for i in ids:
            assert i in REG.excerpts, f"rule {name} cites missing {i}"


def test_register_has_both_documents_and_marks_the_outside_figure():
    kinds = {s.id: s.kind for s in REG.sources.values()}
    assert kinds["seok"] == "document" and kinds["asmolov"] == "document"
    assert kinds["assembly"] != "document" and kinds["record"] != "document"
    assert "OUTSIDE" in REG.cite("assembly-1")
    assert SPECS["seoul.assembly_opposition_seats"].source == "assembly-1"
    for s in REG.sources.values():
        assert s.title and s.author and s.outlet and s.date
        numbers = [int(e.id.rsplit("-", 1)[1]) for e in s.excerpts]
        assert numbers == list(range(1, len(numbers) + 1)), "excerpts are numbered in order"
        for e in s.excerpts:
            assert len(e.text) < 600, "short excerpts only: the articles are copyrighted"


def _source_texts():
    for cand in (
        os.environ.get("REDLINE_SOURCE_TEXTS"),
        ROOT.parent / "shared" / "seeds",
        Path("/work/shared/seeds"),
    ):
        if cand and Path(cand).is_dir():
            return {p.name: p.read_text(encoding="utf-8") for p in Path(cand).glob("*.txt")}
    return None


def test_excerpts_are_quoted_exactly():
    texts = _source_texts()
    if texts is None:
        pytest.skip("the source articles (shared/seeds/*.txt) are not beside this checkout")
    docs = {"seok": texts["seok-2024-11-rusi.txt"], "asmolov": texts["asmolov-2024-08-neo.txt"]}
    for sid, text in docs.items():
        for e in REG.sources[sid].excerpts:
            assert e.text in text, f"{e.id} is not an exact quote"


def test_facts_figures_are_the_defaults():
    d = {n: s.default for n, s in SPECS.items()}
    assert d["seoul.public_opposition"] == 0.742
    assert d["seoul.public_support"] == 0.205
    assert d["seoul.approval"] == 0.20
    assert d["seoul.assembly_opposition_seats"] == 192
    assert d["seoul.min_stockpile_days"] == 60
    assert d["seoul.assembly_approval_required"] is True
    assert d["seoul.step_by_step"] is True and d["seoul.max_rungs_per_step"] == 1
    assert d["seoul.troops_excluded"] is True
    assert d["pyongyang.shells_supplied"] == 8e6 and d["pyongyang.gdp_bn"] == 29
    lo, hi = SPECS["pyongyang.value_per_shell"].lo, SPECS["pyongyang.value_per_shell"].hi
    assert lo * 8e6 == pytest.approx(1.7e9, rel=0.01) and hi * 8e6 == pytest.approx(5.5e9, rel=0.01)
