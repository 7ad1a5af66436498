"""Shipped scenarios load, say what they claim, and survive a YAML round trip."""

import numpy as np
import pytest
import yaml

from model import load_scenario, parse_scenario, scenario_names, simulate
from model.scenario import INJECT_TYPES, dump_yaml

REQUIRED = {
    "july-2024",
    "november-2024",
    "red-line",
    "atrocity",
    "assembly-majority",
    "stockpile-crunch",
    "ceasefire-2025",
}


def test_required_scenarios_ship():
    assert REQUIRED <= set(scenario_names())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_round_trip(name):
    sc = load_scenario(name)
    assert sc.name == name and sc.description
    again = parse_scenario(dump_yaml(sc), "round-trip")
    assert again == sc


def test_scenarios_encode_their_moments():
    jul, nov = load_scenario("july-2024"), load_scenario("november-2024")
    assert jul.start == "2024-07" and jul.parameters.pyongyang.troops_deployed == 0
    assert not jul.parameters.pyongyang.treaty_ratified
    assert nov.start == "2024-11" and nov.parameters.pyongyang.troops_deployed == 1
    assert nov.parameters.pyongyang.treaty_ratified
    assert [(e.month, e.type, e.value) for e in load_scenario("red-line").injects] == [
        ("2025-01", "technology_transfer", 3)
    ]
    assert load_scenario("atrocity").injects[0].type == "atrocity"
    assert load_scenario("assembly-majority").parameters.seoul.assembly_opposition_seats < 150
    assert load_scenario("ceasefire-2025").injects[0].type == "ceasefire"
    crunch = load_scenario("stockpile-crunch").parameters.seoul
    assert crunch.stockpile_days - crunch.min_stockpile_days < 5


# --- injects: each has its documented effect, in the month it is scheduled -------------
#
# Each inject is scheduled in the run's fourth month and compared with the same scenario
# without it, same seed: the random draws are common to both runs (common random
# numbers), so the months before the inject are identical and what differs in its month
# is the inject's doing. Every check must hold in every world with the inject and fail
# somewhere without it, so none can pass by doing nothing.

K = 3  # the inject's month: the run's fourth (index 3)
REPS, SEED = 200, 11


def _state(res, key: str) -> np.ndarray:
    """One world-state value per replication at the end of the run's last month."""
    return np.array([res.world_state(i).values[key] for i in range(res.reps)])


def _decisions(res, actor: str, decision: str) -> list[dict]:
    """That decision's trace for every replication in the run's last month."""
    found = [
        d for d in res.log[-1]["decisions"] if d["actor"] == actor and d["decision"] == decision
    ]
    assert [d["replication"] for d in found] == list(range(res.reps))
    return found


def _start_level(res, actor: str, decision: str) -> np.ndarray:
    """The option each replication's decision started from (after the month's injects)."""
    return np.array(
        [list(d["probabilities"]).index(d["from"]) for d in _decisions(res, actor, decision)]
    )


def _reward_rung(res, rung):
    prior = res.series["moscow_reward_rung"][-2].astype(int)
    return {
        "Moscow's reward starts its month at the given rung (or higher, if it was)": (
            _start_level(res, "moscow", "reward") == np.maximum(prior, rung)
        ),
        "the recorded reward is at least that rung": res.series["moscow_reward_rung"][-1] >= rung,
    }


def _paralysed(res):
    held = [
        all(
            "government_paralysed" in d["blocked"].get(o, [])
            for o in d["probabilities"]
            if o != d["from"]
        )
        for d in _decisions(res, "seoul", "assistance")
    ]
    return {
        "every change of course is blocked": np.array(held),
        "the paralysis lasts beyond the month": _state(res, "seoul_paralysed_left") > 0,
    }


# inject -> (scenario, the inject's fields, traced?, checks(result, baseline, scenario))
INJECTS = {
    "troops_deployed": (
        "july-2024",
        {},
        True,
        lambda r, b, sc: {
            "Pyongyang's troop level is at least 1 (deployed) when it decides": (
                _start_level(r, "pyongyang", "troops")
                == np.maximum(r.series["pyongyang_troops"][-2], 1)
            )
        },
    ),
    "troops_reinforced": (
        "november-2024",
        {},
        True,
        lambda r, b, sc: {
            "Pyongyang's troop level is 2 (reinforced), not merely deployed": (
                _start_level(r, "pyongyang", "troops") == 2
            )
        },
    ),
    "treaty_ratified": (
        "july-2024",
        {},
        False,
        lambda r, b, sc: {"the treaty is in force": _state(r, "world_treaty")},
    ),
    "provocation": (
        "november-2024",
        {},
        False,
        lambda r, b, sc: {
            "a provocation is recorded that month": r.series["pyongyang_provocation"][-1]
        },
    ),
    "technology_transfer": (
        "november-2024",
        {"value": 4},
        True,
        lambda r, b, sc: _reward_rung(r, 4),
    ),
    "atrocity": (
        "november-2024",
        {},
        False,
        lambda r, b, sc: {
            "the atrocity weighs on Seoul in the months after": (
                _state(r, "seoul_intolerable_left") > 0
            ),
            "opposition to lethal aid falls": (
                r.series["public_opposition"][-1].mean()
                < b.series["public_opposition"][-1].mean()
                - sc.parameters.seoul.opinion_shift_atrocity / 2
            ),
        },
    ),
    "ceasefire": (
        "november-2024",
        {},
        False,
        lambda r, b, sc: {"the ceasefire holds": r.series["ceasefire"][-1]},
    ),
    "assembly_majority_change": (
        "november-2024",
        {"value": 100},
        False,
        lambda r, b, sc: {
            "the opposition holds the new number of seats": (
                _state(r, "world_opposition_seats") == 100
            )
        },
    ),
    "poll_shift": (
        "november-2024",
        {"value": -0.2},
        False,
        lambda r, b, sc: {
            "opinion settles 0.2 lower": np.isclose(
                _state(r, "seoul_opinion_anchor"), _state(b, "seoul_opinion_anchor") - 0.2
            ),
            "opposition to lethal aid falls by more than half the shift": (
                r.series["public_opposition"][-1].mean()
                < b.series["public_opposition"][-1].mean() - 0.1
            ),
        },
    ),
    "government_change": (
        "november-2024",
        {"preference": "pragmatic", "approval": 0.55},
        False,
        lambda r, b, sc: {
            "the new government's pull is pragmatic diplomacy's": np.isclose(
                _state(r, "seoul_global_role"), sc.parameters.seoul.pragmatic_global_role
            ),
            "its approval starts where the inject says": np.isclose(
                _state(r, "seoul_approval_base"), 0.55
            ),
            "it may review its predecessor's commitments": _state(r, "seoul_review_left") > 0,
        },
    ),
    "government_paralysis": ("november-2024", {"months": 3}, True, lambda r, b, sc: _paralysed(r)),
    "set": (
        "november-2024",
        {"parameter": "nato.pressure", "value": 1.0},
        False,
        lambda r, b, sc: {
            "NATO presses with the new intensity": np.isclose(
                r.series["nato_pressure"][-1], r.series["nato_rung"][-1] / 3
            )
        },
    ),
}


def _with_inject(name: str, kind: str, fields: dict):
    """The scenario with the inject in month K, read back as a user's file would be."""
    base = load_scenario(name)
    inject = {"month": base.months()[K], "type": kind, **fields}
    data = base.to_yaml_dict() | {"injects": [*base.to_yaml_dict()["injects"], inject]}
    return base, parse_scenario(yaml.safe_dump(data), "inject test")


def _runs(name: str, kind: str, fields: dict, traced: bool):
    base, injected = _with_inject(name, kind, fields)
    trace = list(range(REPS)) if traced else [0]

    def run(sc, months):
        return simulate(sc, reps=REPS, seed=SEED, months=months, trace=trace, keep_model=True)

    return base, run(base, K + 1), run(injected, K + 1), run(base, K), run(injected, K)


def test_every_inject_type_has_an_effect_test():
    assert set(INJECTS) == set(INJECT_TYPES)


@pytest.mark.parametrize("kind", sorted(INJECTS))
def test_an_inject_has_its_effect_in_its_month(kind):
    name, fields, traced, checks = INJECTS[kind]
    sc, base, hit, base_before, hit_before = _runs(name, kind, fields, traced)
    assert kind in [e["type"] for e in hit.log[K]["injects"]]
    assert not any(month["injects"] for month in hit.log[:K])
    # in its month: every check holds in every world, and each fails somewhere without it
    for what, holds in checks(hit, base, sc).items():
        assert np.all(holds), f"{kind}: {what}"
    for what, holds in checks(base, base, sc).items():
        assert not np.all(holds), f"{kind}: without the inject, already {what}"
    # not before: up to its month the run is the baseline's, world for world
    for series in hit.series:
        np.testing.assert_array_equal(hit.series[series][:K], base.series[series][:K])
        np.testing.assert_array_equal(hit_before.series[series], base_before.series[series])
    for i in range(REPS):
        assert hit_before.world_state(i).values == base_before.world_state(i).values


@pytest.mark.parametrize("value, rung", [(2, 2), (3, 3), (None, 3)])
def test_technology_transfer_raises_moscow_s_reward_to_the_given_rung(value, rung):
    fields = {} if value is None else {"value": value}
    _, base, hit, _, _ = _runs("november-2024", "technology_transfer", fields, True)
    for what, holds in _reward_rung(hit, rung).items():
        assert np.all(holds), what
    for what, holds in _reward_rung(base, rung).items():
        assert not np.all(holds), f"without the inject, already: {what}"


def test_overrides_are_validated_with_names():
    from model import InputError

    with pytest.raises(InputError) as info:
        load_scenario("november-2024", overrides={"seoul.approval": 3})
    assert info.value.field == "seoul.approval" and "0.0 to 1.0" in info.value.allowed
