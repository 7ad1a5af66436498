"""docs/model.md describes the model as the code is: its tables, rules, terms and excerpts.

The generated tables must equal what `model.docs` renders now, so a default tuned, a rule
added or a state variable renamed without `python -m model.docs` fails here. The prose is
tied by names: every rule has its subsection, every utility term and inject is described,
every parameter the prose names exists, and every excerpt of the register is used by a
parameter or a rule or says in the docs why not.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from model import docs
from model.agents import RULES
from model.evidence import load_register
from model.parameters import SPECS
from model.scenario import INJECT_TYPES, load_scenario
from model.simulation import simulate

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "model.md"
TEXT = DOC.read_text(encoding="utf-8")
REG = load_register()
ID = re.compile(r"\b(?:seok|asmolov|assembly|record)-\d+\b(?!-\d)")  # not record-2024-07


def _section(title: str) -> str:
    """The text of the `## N title` section, up to the next `## ` heading."""
    match = re.search(rf"^## \d+ {re.escape(title)}\n(.*?)(?=^## )", TEXT, re.M | re.S)
    assert match, f"docs/model.md has no section '{title}'"
    return match.group(1)


def _first_column_ids(section: str) -> set[str]:
    """Excerpt ids in the first column of the section's table rows."""
    return {m.group(1) for m in re.finditer(r"^\| `([a-z]+-\d+)` \|", section, re.M)}


@pytest.mark.parametrize("name", list(docs.BLOCKS))
def test_generated_table_is_current(name):
    assert docs.read_blocks(TEXT)[name] == docs.render(name), (
        f"docs/model.md's {name} table is stale: run `python -m model.docs`"
    )


def test_every_parameter_is_in_the_table():
    table = docs.read_blocks(TEXT)["parameters"]
    for name in SPECS:
        assert f"| `{name}` |" in table, name


def test_every_rule_has_a_subsection():
    headings = [line for line in TEXT.splitlines() if re.match(r"#{3,5} ", line)]
    for rule in RULES:
        assert any(f"(`{rule}`)" in h for h in headings), f"no subsection for rule {rule}"


def test_every_excerpt_is_used_or_explained():
    cited = set()
    for spec in SPECS.values():
        cited |= set(spec.excerpt_ids) | set(ID.findall(spec.why + " " + spec.note))
    for _, source in RULES.values():
        cited |= set(ID.findall(source))
    not_used = _first_column_ids(_section("Excerpts not used and why"))
    outside = _first_column_ids(_section("Outside the two documents"))
    for excerpt in REG.excerpts:
        assert excerpt in cited | not_used | outside, (
            f"{excerpt} is cited by no parameter or rule and not explained in docs/model.md"
        )
    assert not not_used & cited, f"listed as not used but cited: {sorted(not_used & cited)}"
    for excerpt in outside:
        source = REG.sources[REG.excerpt(excerpt).source]
        assert source.kind != "document", f"{excerpt} is from the documents, not outside them"


def test_every_listed_excerpt_exists():
    for excerpt in set(ID.findall(TEXT)):
        assert excerpt in REG.excerpts, f"docs/model.md cites {excerpt}, not in the register"


def test_every_named_parameter_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    dotted = re.compile(r"`((?:decision|seoul|moscow|pyongyang|nato|war)\.[a-z_]+)")
    for where, text in (("docs/model.md", TEXT), ("README.md", readme)):
        for name in set(dotted.findall(text)):
            assert name in SPECS, f"{where} names {name}, which is not a parameter"


def test_every_utility_term_is_described():
    res = simulate(load_scenario("november-2024"), reps=1, seed=0, months=1, trace=[0])
    terms = {t for d in res.log[0]["decisions"] for t in d["terms_chosen"]}
    assert "ratification_prospect" in terms  # the trace does carry Seoul's terms
    for term in terms:
        assert f"`{term}`" in TEXT, f"utility term {term} is not described"


def test_every_inject_is_described():
    rows = {m.group(1) for m in re.finditer(r"^\| `([a-z_]+)` \|", _section("Input data"), re.M)}
    assert set(INJECT_TYPES) <= rows, sorted(set(INJECT_TYPES) - rows)


def test_audience_costs_hold_for_seoul():
    """4.3.5 says reneging costs Seoul more than not promising (Fearon 1994)."""
    assert SPECS["seoul.retreat_cost"].default > SPECS["seoul.change_cost"].default


def test_identifiers_are_code_formatted():
    assert docs.code("see mood_reference_opposition") == "see `mood_reference_opposition`"
    assert docs.code("seok-13 and seoul.public_opposition") == (
        "`seok-13` and `seoul.public_opposition`"
    )
    assert docs.code("the war. It") == "the war. It"
    assert docs.code("scenario record-2024-07") == "scenario record-2024-07"  # not an excerpt


def test_rewrite_replaces_only_the_blocks():
    text = "\n".join(f"<!-- BEGIN {n} -->\nold\n<!-- END {n} -->" for n in docs.BLOCKS)
    out = docs.rewrite("intro\n" + text + "\noutro", blocks=dict.fromkeys(docs.BLOCKS, "new"))
    assert out.startswith("intro\n") and out.endswith("\noutro")
    assert "old" not in out and out.count("\nnew\n") == len(docs.BLOCKS)


def test_command_names_a_missing_block_and_leaves_the_file(tmp_path):
    path = tmp_path / "model.md"
    path.write_text("no markers here\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "model.docs", str(path)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert str(path) in run.stderr and "BEGIN ladders" in run.stderr
    assert "Traceback" not in run.stderr
    assert path.read_text(encoding="utf-8") == "no markers here\n"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_command_check_reports_a_stale_table(tmp_path):
    path = tmp_path / "model.md"
    stale = TEXT.replace(docs.read_blocks(TEXT)["commitments"], "stale", 1)
    path.write_text(stale, encoding="utf-8")
    check = [sys.executable, "-m", "model.docs", "--check", str(path)]
    run = subprocess.run(check, capture_output=True, text=True)
    assert run.returncode == 1 and "commitments" in run.stdout
    assert path.read_text(encoding="utf-8") == stale
    fix = subprocess.run([sys.executable, "-m", "model.docs", str(path)], capture_output=True)
    assert fix.returncode == 0
    assert "stale" not in docs.read_blocks(path.read_text(encoding="utf-8"))["commitments"]
    assert subprocess.run(check, capture_output=True).returncode == 0
