"""The Python API: load, override, simulate, outcomes, time series, summary, branching."""

import numpy as np
import pytest

from model import InputError, WorldState, load_scenario, simulate
from model.outputs import write_run

OUTCOMES = [
    "replication",
    "seoul_max_rung",
    "lethal_aid",
    "offensive_weapons",
    "troops_sent",
    "months_to_lethal_aid",
    "relations_collapsed",
    "months_to_collapse",
    "red_line_crossed",
    "assembly_votes",
    "assembly_approvals",
    "min_stockpile_days",
    "shells_transferred",
    "final_public_opposition",
    "ceasefire",
]
SERIES = [
    "replication",
    "month",
    "seoul_rung",
    "moscow_reward_rung",
    "moscow_posture",
    "pyongyang_troops",
    "nato_pressure",
    "public_opposition",
    "stockpile_days",
]


def test_documented_api_shape():
    sc = load_scenario("november-2024", overrides={"seoul.public_opposition": 0.78})
    assert sc.parameters.seoul.public_opposition == 0.78
    res = simulate(sc, reps=300, seed=1)
    assert set(OUTCOMES) <= set(res.outcomes.columns)
    assert len(res.outcomes) == 300
    ts = res.timeseries
    assert set(SERIES) <= set(ts.columns)
    assert len(ts) == 300 * 24
    assert list(ts.month.cat.categories[:3]) == ["2024-11", "2024-12", "2025-01"]
    assert ts.month.astype(str).iloc[-1] == "2026-10"
    summ = res.summary()
    row = summ.set_index("outcome").loc["relations_collapsed"]
    assert row.ci_low <= row.probability <= row.ci_high
    assert row.probability == res.outcomes.relations_collapsed.mean()


def test_same_inputs_same_files_and_different_seed_differs(tmp_path):
    sc = load_scenario("red-line")
    a, b = simulate(sc, reps=500, seed=9), simulate(sc, reps=500, seed=9)
    write_run(a, tmp_path / "a", {})
    write_run(b, tmp_path / "b", {})
    for name in ("outcomes.parquet", "timeseries.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    c = simulate(sc, reps=500, seed=10)
    assert not a.timeseries.equals(c.timeseries)


def test_first_replications_do_not_depend_on_trace(nov):
    plain = simulate(nov, reps=200, seed=4)
    traced = simulate(nov, reps=200, seed=4, trace=[7])
    assert plain.outcomes.equals(traced.outcomes)


def test_branch_from_a_world_state(nov):
    res = simulate(nov, reps=200, seed=3, months=6, keep_model=True)
    ws = res.world_state(11)
    assert ws.month == "2025-04" and ws.step == 6
    again = WorldState.from_dict(ws.to_dict())
    assert again == ws
    branch = simulate(nov, reps=1000, seed=8, start=again)
    assert branch.months[0] == "2025-05" and len(branch.months) == 18
    # every world starts where replication 11 stood
    assert (branch.series["stockpile_days"][0] <= ws.values["seoul_stockpile"] + 1.0 + 1e-9).all()
    assert abs(int(branch.series["seoul_rung"][0].min()) - ws.values["seoul_rung"]) <= 1
    assert branch.outcomes.seoul_max_rung.min() >= ws.values["seoul_max_rung"]
    assert branch.outcomes.assembly_votes.min() >= ws.values["seoul_votes"]


def test_branch_carries_history():
    sc = load_scenario("november-2024", overrides={"seoul.initial_rung": 4})
    res = simulate(sc, reps=300, seed=1, months=12, keep_model=True)
    i = int(np.argmax(res.outcomes.relations_collapsed.to_numpy()))
    assert res.outcomes.relations_collapsed[i]
    branch = simulate(sc, reps=100, seed=2, start=res.world_state(i))
    assert branch.outcomes.relations_collapsed.all()
    assert (branch.outcomes.months_to_collapse == 0).all(), "already collapsed before the branch"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"reps": 0}, "reps"),
        ({"reps": 10**11}, "reps"),
        ({"reps": 1.5}, "reps"),
        ({"seed": -1}, "seed"),
        ({"reps": 10, "trace": [10]}, "replication"),
        ({"reps": 10, "months": 500}, "months"),
    ],
)
def test_bad_sizes_are_refused_up_front(nov, kwargs, field):
    with pytest.raises(InputError) as info:
        simulate(nov, **kwargs)
    assert info.value.field == field
    assert info.value.allowed


def test_mesa_id_registry_does_not_keep_models_alive(nov):
    import gc

    import mesa

    before = len(mesa.Agent._ids)
    for i in range(5):
        simulate(nov, reps=10, seed=i)
    gc.collect()
    assert len(mesa.Agent._ids) == before
