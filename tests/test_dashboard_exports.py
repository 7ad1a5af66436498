"""Downloads, sensitivity and the evidence table, tested without Streamlit (sweeps:
test_dashboard_sweep.py)."""

import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dashboard import charts, evidence, exports, state
from dashboard import sensitivity as sa
from dashboard.state import Settings
from model import SPECS, InputError, load_scenario, parse_scenario, simulate
from model.evidence import load_register

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings("red-line", (), 300, 4).with_changes(
    {"seoul.public_opposition": 0.6, "nato.pressure": 0.85, "seoul.step_by_step": False}
)


def redline(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "model", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_exported_yaml_runs_in_the_cli_to_the_same_numbers(tmp_path):
    scenario = state.build_scenario(SETTINGS, {})
    text = exports.scenario_yaml(scenario, SETTINGS)
    assert parse_scenario(text, "export") == scenario  # the comment header changes nothing
    path = tmp_path / exports.scenario_filename(SETTINGS)
    path.write_text(text)
    command = shlex.split(exports.run_command(SETTINGS, str(path)))
    assert command[:2] == ["redline", "run"]
    out = redline(*command[1:], "--out", str(tmp_path / "run"))
    assert out.returncode == 0, out.stderr
    cli = {
        r["outcome"]: r["count"]
        for r in json.loads((tmp_path / "run" / "summary.json").read_text())["outcomes"]
    }
    mine = charts.outcome_summary(simulate(scenario, reps=300, seed=4)).set_index("outcome")
    assert cli and all(cli[o] == mine.loc[o, "count"] for o in cli)


def test_the_set_command_is_the_same_run(tmp_path):
    line = exports.set_command(SETTINGS)
    assert "--set seoul.public_opposition=0.6" in line and "--set seoul.step_by_step=false" in line
    out = redline(*shlex.split(line)[1:], "--out", str(tmp_path / "run"))
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    scenario = state.build_scenario(SETTINGS, {})
    assert manifest["parameters"] == scenario.flat_parameters()


def test_no_set_command_for_an_upload():
    assert exports.set_command(Settings("upload:mine")) is None
    assert exports.scenario_filename(Settings("upload:my room")) == "my-room.yaml"


def test_tables_round_trip_as_csv_and_parquet():
    outcomes = simulate(load_scenario("atrocity"), reps=50, seed=2).outcomes
    back = pd.read_parquet(io.BytesIO(exports.table_bytes(outcomes, "parquet")))
    pd.testing.assert_frame_equal(back, outcomes)
    csv = pd.read_csv(io.BytesIO(exports.table_bytes(outcomes, "csv")))
    assert list(csv.columns) == list(outcomes.columns) and len(csv) == 50
    assert csv["lethal_aid"].tolist() == outcomes["lethal_aid"].tolist()
    with pytest.raises(ValueError):
        exports.table_bytes(outcomes, "xlsx")


def test_charts_export_as_png_and_svg():
    res = simulate(load_scenario("november-2024"), reps=50, seed=1)
    spec = charts.assembly_chart(charts.assembly_frame(res))
    png = exports.chart_bytes(spec, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = exports.chart_bytes(spec, "svg").decode()
    assert svg.startswith("<svg") and "Assembly votes on lethal aid" in svg


# ---------------------------------------------------------------- sensitivity


def test_factor_ranges_halve_and_double_within_bounds():
    assert sa.factor_range("seoul.threat_weight", 4.0) == (2.0, 8.0)
    assert sa.factor_range("seoul.public_opposition", 0.742) == (0.371, 1.0)
    assert sa.factor_range("seoul.vote_cooldown_months", 6) == (3, 12)
    assert sa.factor_range("moscow.initial_reward_rung", 0) == (0, 4)  # 0: the whole range
    assert sa.factor_range("nato.pressure", 0.5, "full") == (0.0, 1.0)
    assert all(SPECS[n].kind is not bool for n in sa.factor_choices())


def _design(tmp_path, method="morris"):
    text = sa.design_yaml(
        "november-2024",
        {"seoul.assembly_opposition_seats": 130},
        method,
        {"seoul.threat_weight": (2.0, 8.0), "seoul.domestic_cost_weight": (0.0, 4.0)},
        samples=4,
        replications=20,
        seed=3,
    )
    spec = yaml.safe_load(text)
    assert spec["fixed"] == {"seoul.assembly_opposition_seats": 130}
    return sa.parse(text)


def test_a_dashboard_design_runs_and_is_analysed_by_the_sweeps_package(tmp_path):
    design = _design(tmp_path)
    ticks = []
    sw = sa.run(design, progress=lambda i, n: ticks.append((i, n)), root=tmp_path)
    result = sa.analyse(sw)
    assert result.method == "morris"
    assert set(result.table["parameter"]) == {"seoul.threat_weight", "seoul.domestic_cost_weight"}
    frame = sa.index_frame(result, result.outcomes[0])
    assert set(frame["index"]) == {"mu* (mean |effect|)", "sigma"}
    # a second run of the same design reuses the finished sweep
    again = sa.run(design, root=tmp_path)
    assert again.path == sw.path


def test_loading_reads_what_redline_analyze_writes(tmp_path):
    analysis = tmp_path / "analysis"
    analysis.mkdir()
    pd.DataFrame(
        {
            "outcome": ["lethal_aid"] * 2,
            "parameter": ["a.b", "c.d"],
            "S1": [0.1, 0.4],
            "S1_conf": [0.02, 0.05],
            "ST": [0.2, 0.6],
            "ST_conf": [0.03, 0.04],
        }
    ).to_csv(analysis / "sobol.csv", index=False)
    pd.DataFrame(
        {
            "box": [1],
            "parameter": ["a.b"],
            "low": [0.2],
            "high": [0.5],
            "design_low": [0.0],
            "design_high": [1.0],
            "unit": ["x"],
            "quasi_p": [0.01],
        }
    ).to_csv(analysis / "discover-lethal_aid.csv", index=False)
    pd.DataFrame({"box": [1], "coverage": [0.7], "density": [0.9]}).to_csv(
        analysis / "discover-lethal_aid-boxes.csv", index=False
    )
    loaded = sa.load(tmp_path)
    assert loaded.method == "sobol" and loaded.outcomes == ["lethal_aid"]
    assert sa.index_frame(loaded, "lethal_aid")["value"].tolist() == [0.1, 0.4, 0.2, 0.6]
    boxes, limits = loaded.discoveries["lethal_aid"]
    assert limits["parameter"].tolist() == ["a.b"] and boxes["density"].tolist() == [0.9]


def test_loading_a_bad_directory_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        sa.load(tmp_path / "missing")
    with pytest.raises(InputError, match="no sobol.csv or morris.csv"):
        sa.load(tmp_path)
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "morris.csv").write_text("outcome,parameter\nx,y\n")
    with pytest.raises(InputError, match="mu_star"):
        sa.load(tmp_path)


def test_a_design_too_big_for_the_page_is_refused():
    text = sa.design_yaml(
        "november-2024",
        {},
        "sobol",
        {"nato.pressure": (0.0, 1.0), "seoul.threat_weight": (0.0, 8.0)},
        samples=4096,
        replications=200,
        seed=1,
    )
    with pytest.raises(InputError, match="redline sweep"):
        sa.parse(text)


# ---------------------------------------------------------------- evidence


def test_evidence_table_quotes_sources_and_flags_assumptions():
    base = load_scenario("november-2024")
    values = base.with_overrides({"nato.pressure": 0.9}).flat_parameters()
    table = evidence.parameter_table(values, base.flat_parameters(), load_register()).set_index(
        "parameter"
    )
    assert len(table) == len(SPECS)
    assert table["assumption"].sum() == sum(s.is_assumption for s in SPECS.values())
    row = table.loc["seoul.public_opposition"]
    assert not row["assumption"] and load_register().excerpt("seok-13").text in row["evidence"]
    assert table.loc["nato.pressure", "changed"] and table.loc["nato.pressure", "value"] == "0.9"
    assert table["changed"].sum() == 1
    assert table.loc["seoul.party_discipline", "evidence"] == SPECS["seoul.party_discipline"].why
