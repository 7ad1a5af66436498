"""Design files: every sampler, the block plan, and bad files refused with file + field, exit 2."""

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from model.cli import app
from model.errors import InputError
from model.experiments.design import (
    DESIGN_DIR,
    KEEPABLE,
    block_seed,
    load_design,
    parse_design,
    plan_blocks,
)
from model.parameters import SPECS

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def design(tmp_path, text, name="d.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_design(path)


BASE = """
scenario: november-2024
replications: 10
seed: 5
"""


# --- samplers ------------------------------------------------------------------------------


def test_grid_is_the_full_product_of_levels_and_even_steps(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: grid
samples: 3
factors:
  seoul.public_opposition: {low: 0.4, high: 0.7}
  seoul.assembly_opposition_seats: {levels: [100, 192]}
  seoul.step_by_step: {levels: [true, false]}
""",
    )
    points, unit = d.points()
    assert unit is None and len(points) == d.n_points == 3 * 2 * 2
    want = list(itertools.product([0.4, 0.55, 0.7], [100, 192], [True, False]))
    got = list(
        zip(
            points["seoul.public_opposition"].round(12),
            points["seoul.assembly_opposition_seats"],
            points["seoul.step_by_step"],
        )
    )
    assert got == [(round(a, 12), b, c) for a, b, c in want]
    assert points["seoul.assembly_opposition_seats"].dtype == np.int64
    assert points["seoul.step_by_step"].dtype == bool
    assert list(points["point"]) == list(range(12))


def test_grid_integer_steps_do_not_repeat(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: grid
samples: 10
factors:
  seoul.vote_cooldown_months: {low: 1, high: 4}
""",
    )
    points, _ = d.points()
    assert list(points["seoul.vote_cooldown_months"]) == [1, 2, 3, 4]


def test_list_runs_exactly_the_points_given(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: list
points:
  - {seoul.public_opposition: 0.5, seoul.step_by_step: false}
  - {seoul.public_opposition: 0.79, seoul.step_by_step: true}
""",
    )
    points, unit = d.points()
    assert unit is None
    assert points["seoul.public_opposition"].tolist() == [0.5, 0.79]
    assert points["seoul.step_by_step"].tolist() == [False, True]


def test_lhs_has_one_point_per_stratum_of_every_factor(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: lhs
samples: 50
factors:
  seoul.public_opposition: {low: 0.4, high: 0.79}
  war.ceasefire_hazard: {low: 0.0, high: 0.1}
""",
    )
    points, unit = d.points()
    assert len(points) == 50
    for name in d.names:
        strata = np.floor(unit[name].to_numpy() * 50).astype(int)
        assert sorted(strata) == list(range(50))  # the Latin hypercube property
    assert points["seoul.public_opposition"].between(0.4, 0.79).all()
    np.testing.assert_allclose(points["war.ceasefire_hazard"], unit["war.ceasefire_hazard"] * 0.1)


@pytest.mark.parametrize("second_order,per_base", [(True, 2 * 3 + 2), (False, 3 + 2)])
def test_sobol_point_count_follows_saltelli(tmp_path, second_order, per_base):
    d = design(
        tmp_path,
        BASE
        + f"""
sampler: sobol
samples: 16
second_order: {str(second_order).lower()}
factors:
  seoul.public_opposition: {{low: 0.4, high: 0.79}}
  seoul.threat_weight: {{low: 1, high: 8}}
  seoul.step_by_step: {{levels: [false, true]}}
""",
    )
    points, unit = d.points()
    assert len(points) == len(unit) == d.n_points == 16 * per_base
    assert ((unit[d.names] >= 0) & (unit[d.names] <= 1)).all().all()
    # booleans take equal shares of the unit interval
    np.testing.assert_array_equal(points["seoul.step_by_step"], unit["seoul.step_by_step"] >= 0.5)


def test_morris_trajectories_move_one_factor_at_a_time(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: morris
samples: 6
morris_levels: 4
factors:
  seoul.public_opposition: {low: 0.4, high: 0.79}
  seoul.vote_cooldown_months: {low: 1, high: 3}
  seoul.step_by_step: {levels: [false, true]}
""",
    )
    points, unit = d.points()
    k = len(d.names)
    assert len(points) == 6 * (k + 1)
    u = unit[d.names].to_numpy().reshape(6, k + 1, k)
    moved = (np.abs(np.diff(u, axis=1)) > 1e-12).sum(axis=2)
    assert (moved == 1).all()
    assert set(np.round(unit[d.names].to_numpy().ravel(), 9)) <= {
        0.0,
        round(1 / 3, 9),
        round(2 / 3, 9),
        1.0,
    }
    # integers 1..3 get equal shares: the levels 0, 1/3, 2/3, 1 map to 1, 2, 3, 3
    assert set(points["seoul.vote_cooldown_months"]) <= {1, 2, 3}


def test_samples_depend_on_seed_only(tmp_path):
    text = (
        BASE
        + """
sampler: lhs
samples: 20
factors:
  seoul.public_opposition: {low: 0.4, high: 0.79}
"""
    )
    a, _ = design(tmp_path, text, "a.yaml").points()
    b, _ = design(tmp_path, text, "b.yaml").points()
    c, _ = design(tmp_path, text.replace("seed: 5", "seed: 6"), "c.yaml").points()
    assert a.equals(b)
    assert not a.equals(c)


def test_integer_mapping_gives_every_integer_an_equal_share(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: lhs
samples: 400
factors:
  seoul.vote_cooldown_months: {low: 1, high: 4}
""",
    )
    points, _ = d.points()
    counts = points["seoul.vote_cooldown_months"].value_counts().sort_index()
    assert counts.to_dict() == {1: 100, 2: 100, 3: 100, 4: 100}


# --- blocks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "points,reps,size", [(100, 10, 64), (7, 1000, 300), (5, 3, 1), (1, 1, 8192)]
)
def test_blocks_cover_every_replication_once(points, reps, size):
    plan = plan_blocks(points, reps, size)
    seen = set()
    for i, b in enumerate(plan):
        assert b.index == i and 0 < b.replications <= max(size, reps if reps <= size else size)
        for p in range(b.point_start, b.point_stop):
            for r in range(b.rep_start, b.rep_stop):
                assert (p, r) not in seen
                seen.add((p, r))
    assert len(seen) == points * reps


def test_block_seeds_differ_and_depend_on_design_seed_and_index_only():
    seeds = [block_seed(7, i) for i in range(1000)]
    assert len(set(seeds)) == 1000 and all(0 <= s < 2**63 for s in seeds)
    assert block_seed(7, 3) == block_seed(7, 3) != block_seed(8, 3)
    expected = int(np.random.SeedSequence([7, 3]).generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert block_seed(7, 3) == expected


# --- shipped designs -------------------------------------------------------------------------


def test_every_shipped_design_loads():
    names = sorted(p.stem for p in DESIGN_DIR.glob("*.yaml"))
    samplers = set()
    for name in names:
        d = load_design(name)
        samplers.add(d.spec.sampler)
        assert d.n_points >= 1 and d.blocks()
    assert samplers == {"grid", "list", "lhs", "sobol", "morris"}


def test_sobol_assumptions_design_covers_every_assumption():
    d = load_design("sobol-assumptions")
    wanted = {n for n, s in SPECS.items() if s.is_assumption} - {
        "horizon_months",
        "seoul.wartime_shells_per_day",
    }
    assert set(d.names) == wanted, (
        "designs/sobol-assumptions.yaml is out of step with the evidence register's assumptions"
    )


# --- bad design files ------------------------------------------------------------------------

GOOD = {
    "scenario": "november-2024",
    "sampler": "lhs",
    "samples": 8,
    "replications": 10,
    "seed": 1,
    "factors": {"seoul.public_opposition": {"low": 0.4, "high": 0.79}},
}


def _with(**changes):
    data = {**GOOD, **changes}
    return yaml.safe_dump({k: v for k, v in data.items() if v is not None}, sort_keys=False)


BAD = {
    "malformed_yaml": ("sampler: [lhs\nseed: 1\n", "line"),
    "not_a_mapping": ("- 1\n- 2\n", None),
    "unknown_key": (_with(sampels=3), "sampels"),
    "unknown_factor_key": (
        _with(factors={"seoul.public_opposition": {"low": 0.4, "hihg": 0.9}}),
        "factors.seoul.public_opposition.hihg",
    ),
    "unknown_parameter": (
        _with(factors={"seoul.public_oppositon": {"low": 0.4, "high": 0.9}}),
        "factors.seoul.public_oppositon",
    ),
    "low_above_high": (
        _with(factors={"seoul.public_opposition": {"low": 0.9, "high": 0.4}}),
        "factors.seoul.public_opposition.low",
    ),
    "low_equals_high": (
        _with(factors={"seoul.public_opposition": {"low": 0.5, "high": 0.5}}),
        "factors.seoul.public_opposition.low",
    ),
    "out_of_range": (
        _with(factors={"seoul.public_opposition": {"low": -0.1, "high": 0.79}}),
        "factors.seoul.public_opposition.low",
    ),
    "horizon_as_factor": (
        _with(factors={"horizon_months": {"low": 12, "high": 36}}),
        "factors.horizon_months",
    ),
    "samples_missing": (_with(samples=None), "samples"),
    "unknown_sampler": (_with(sampler="latin"), "sampler"),
    "replications_missing": (_with(replications=None), "replications"),
    "replications_zero": (_with(replications=0), "replications"),
    "seed_text": (_with(seed="abc"), "seed"),
    "sobol_not_power_of_two": (_with(sampler="sobol", samples=100), "samples"),
    "morris_odd_levels": (_with(sampler="morris", samples=4, morris_levels=3), "morris_levels"),
    "second_order_on_lhs": (_with(second_order=True), "second_order"),
    "bool_given_low_high": (
        _with(factors={"seoul.step_by_step": {"low": 0, "high": 1}}),
        "factors.seoul.step_by_step",
    ),
    "integer_given_fraction": (
        _with(factors={"seoul.vote_cooldown_months": {"low": 1.5, "high": 6}}),
        "factors.seoul.vote_cooldown_months.low",
    ),
    "level_out_of_range": (
        _with(factors={"seoul.public_opposition": {"levels": [0.5, 1.5]}}),
        "factors.seoul.public_opposition.levels.1",
    ),
    "unknown_outcome": (_with(outcomes=["lethal_aid", "nukes"]), "outcomes.1"),
    "unknown_scenario": (_with(scenario="no-such-scenario"), "scenario"),
    "fixed_bad_value": (_with(fixed={"seoul.approval": 2.0}), "fixed.seoul.approval"),
    "name_escapes_the_runs_folder": (_with(name="../../etc"), "name"),
    "fixed_text_value": (_with(fixed={"seoul.approval": "high"}), "fixed.seoul.approval"),
    "factor_high_a_list": (
        _with(factors={"seoul.public_opposition": {"low": 0.4, "high": [1]}}),
        "factors.seoul.public_opposition.high",
    ),
    "fixed_and_varied": (
        _with(fixed={"seoul.public_opposition": 0.5}),
        "fixed.seoul.public_opposition",
    ),
    "list_without_points": (_with(sampler="list", samples=None, factors=None), "points"),
    "list_points_differ": (
        _with(
            sampler="list",
            samples=None,
            factors=None,
            points=[{"seoul.approval": 0.2}, {"seoul.public_opposition": 0.5}],
        ),
        "points.1",
    ),
    "grid_needs_samples": (_with(sampler="grid", samples=None), "samples"),
    "no_factors": (_with(factors={}), "factors"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_design_exits_2_naming_file_and_field(tmp_path, case):
    text, field = BAD[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    r = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert r.exit_code == 2, r.output
    message = r.stderr if hasattr(r, "stderr") else r.output
    line = [x for x in message.splitlines() if x.startswith("error:")]
    assert len(line) == 1, message
    assert str(path) in line[0]
    if field:
        assert f": {field}" in line[0] or f"{field}:" in line[0], line[0]
    assert "allowed:" in line[0] or case == "malformed_yaml"
    assert "Traceback" not in message
    assert not out.exists()  # nothing half-written


def test_bad_design_in_a_real_process_prints_one_line_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD["low_above_high"][0])
    r = subprocess.run(
        [sys.executable, "-m", "model", "sweep", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert str(path) in r.stderr and "factors.seoul.public_opposition.low" in r.stderr


@pytest.mark.parametrize(
    "args,field",
    [
        (["--workers", "0"], "--workers"),
        (["--dask", "udp://x"], "--dask"),
        (["--dask", "local:2", "--workers", "2"], "--workers"),
    ],
)
def test_bad_executor_options_exit_2(tmp_path, args, field):
    r = runner.invoke(app, ["sweep", "list-policy-worlds", "--out", str(tmp_path / "o"), *args])
    assert r.exit_code == 2
    assert field in r.output and "allowed" in r.output


def test_unknown_design_name_lists_the_shipped_ones():
    r = runner.invoke(app, ["sweep", "no-such-design"])
    assert r.exit_code == 2
    assert "lhs" in r.output and "sobol-assumptions" in r.output


def test_keepable_outcomes_name_real_columns(tmp_path):
    d = design(
        tmp_path,
        BASE
        + """
sampler: list
outcomes: [relations_collapsed, shells_transferred]
points:
  - {seoul.approval: 0.3}
""",
    )
    assert d.columns == ["relations_collapsed", "months_to_collapse", "shells_transferred"]
    assert "lethal_aid" in KEEPABLE and "replication" not in KEEPABLE


def test_parse_design_names_its_origin():
    with pytest.raises(Exception) as err:
        parse_design("sampler: lhs\n", "inline-design")
    assert "inline-design" in str(err.value)


def test_a_design_whose_opposition_and_support_exceed_the_public_is_refused(tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(
        "scenario: november-2024\nsampler: lhs\nsamples: 4\nreplications: 10\nseed: 1\n"
        "factors:\n  seoul.public_opposition: {low: 0.5, high: 0.95}\n"
    )
    with pytest.raises(InputError) as exc:
        load_design(path)
    assert exc.value.field == "seoul.public_opposition"
    assert "over 100%" in exc.value.render()
