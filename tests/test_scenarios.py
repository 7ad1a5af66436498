"""Shipped scenarios load, say what they claim, and survive a YAML round trip."""

import pytest

from model import load_scenario, parse_scenario, scenario_names
from model.scenario import EVENT_TYPES, dump_yaml

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
    assert [(e.month, e.type, e.value) for e in load_scenario("red-line").events] == [
        ("2025-01", "technology_transfer", 3)
    ]
    assert load_scenario("atrocity").events[0].type == "atrocity"
    assert load_scenario("assembly-majority").parameters.seoul.assembly_opposition_seats < 150
    assert load_scenario("ceasefire-2025").events[0].type == "ceasefire"
    crunch = load_scenario("stockpile-crunch").parameters.seoul
    assert crunch.stockpile_days - crunch.min_stockpile_days < 5


def test_every_event_type_runs():
    from model import simulate

    base = load_scenario("november-2024")
    values = {"technology_transfer": 4, "assembly_majority_change": 100, "poll_shift": -0.2}
    for kind in EVENT_TYPES:
        ev = {"month": "2025-02", "type": kind}
        if kind in values:
            ev["value"] = values[kind]
        data = base.to_yaml_dict() | {"events": [ev]}
        sc = parse_scenario(dump_yaml(parse_scenario(__import__("yaml").safe_dump(data), "t")), "t")
        res = simulate(sc, reps=50, seed=1)
        s = res.series
        if kind == "ceasefire":
            assert s["ceasefire"][3:].all()
        if kind == "technology_transfer":
            assert (s["moscow_reward_rung"][3:] == 4).all()
        if kind == "troops_reinforced":
            assert (s["pyongyang_troops"][3] >= 1).all()
        if kind == "poll_shift":
            assert s["public_opposition"][3].mean() < s["public_opposition"][2].mean() - 0.1
        if kind == "provocation":
            assert s["pyongyang_provocation"][3].all()


def test_overrides_are_validated_with_names():
    from model import InputError

    with pytest.raises(InputError) as info:
        load_scenario("november-2024", overrides={"seoul.approval": 3})
    assert info.value.field == "seoul.approval" and "0.0 to 1.0" in info.value.allowed
