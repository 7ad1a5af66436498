"""The after-action report (model/game/report.py): a debrief a class can discuss.

The ensemble plays the facilitator's injects; a rule counts only where it changed a
decision; the model's advice is the one the game offered; seat by seat, charts, questions
from the game's turning points, and the rules a scenario changed from its shipped version.
"""

import json
import re

import pytest
from conftest import eager, scenario

from model import InputError, load_scenario, simulate
from model.game import Game
from model.game.engine import parse_game
from model.game.report import (
    build,
    charts,
    decisions_changed,
    ensemble_scenario,
    first_choices,
    rule_changes,
    to_html,
    to_markdown,
)
from model.game.rooms import play_month

IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:seoul|moscow|nato|pyongyang|war)\.[a-z_]+\b")


def hold(game: Game, seat: str) -> dict[str, int]:
    """Each decision's present option if allowed, else the first allowed one."""
    out = {}
    for decision, opts in game.options(seat).items():
        now = int(game.agent(seat).current(decision)[0])
        out[decision] = now if opts[now].allowed else next(o.index for o in opts if o.allowed)
    return out


def played(sc, seed, months, seats=("seoul",), injects=None, custom=None, moves=None) -> Game:
    """A game of `months` turns; `injects`/`custom`/`moves`: turn -> what the facilitator or a
    team does that turn (the rest hold)."""
    game = Game(sc, seed=seed, seats={s: "player" for s in seats})
    for t in range(months):
        for kind, value in (injects or {}).get(t, []):
            game.inject(kind, value, note="facilitator")
        if t in (custom or {}):
            game.inject_custom("a shift in Washington", custom[t])
        game.play_turn({s: (moves or {}).get((t, s)) or hold(game, s) for s in seats})
    return game


def test_the_ensemble_plays_the_facilitators_injects(nov):
    game = played(
        nov,
        4,
        6,
        injects={2: [("technology_transfer", 4)], 3: [("atrocity", None)]},
        custom={1: {"nato.pressure": 0.95}},
    )
    rep = build(game, reps=600)
    assert rep["outcome"]["red_line_crossed"]
    assert rep["ensemble"]["red_line_crossed"] == 1.0, "the nuclear transfer is in every world"
    injects = ensemble_scenario(game).injects
    assert [(e.month, e.type) for e in injects] == [
        ("2024-12", "set"),
        ("2025-01", "technology_transfer"),
        ("2025-02", "atrocity"),
    ]
    assert injects[0].parameter == "nato.pressure" and injects[0].value == 0.95
    direct = simulate(ensemble_scenario(game), reps=600, seed=4, months=6).outcomes
    for key in ("lethal_aid", "weapons_supplied", "moscow_retaliated"):
        assert rep["ensemble"][key] == direct[key].mean()
    plain = simulate(nov, reps=600, seed=4, months=6).outcomes
    assert plain.red_line_crossed.mean() < 0.5, "without the inject it is no certainty"
    md = to_markdown(rep)
    assert "Moscow transfers technology to Pyongyang: nuclear technology (2025-01)" in md
    assert "a shift in Washington — NATO's pressure becomes 0.95 (2024-12)" in md
    assert "| reached in 2025-01 | 100%" in md


def test_a_game_without_injects_is_set_against_the_plain_ensemble(nov):
    game = played(nov, 6, 10)
    rep = build(game, reps=500)
    direct = simulate(nov, reps=500, seed=6, months=10).outcomes
    for key in ("relations_collapsed", "lethal_aid", "red_line_crossed"):
        assert rep["ensemble"][key] == direct[key].mean()
    assert "with no facilitator injects" in to_markdown(rep)
    highest = {h["series"]: h for h in rep["ensemble"]["highest"]}
    seoul = highest["seoul_rung"]
    assert abs(seoul["further"] + seoul["same"] + seoul["short"] - 1) < 1e-9
    assert seoul["further"] == (direct.seoul_max_rung > game.world.seoul.max_rung[0]).mean()


def test_a_rule_counts_only_where_it_changed_a_decision(nov):
    # Seoul's team holds at non-lethal support for eight months: troops are blocked by the
    # no-troops pledge every month, but nobody wanted them.
    game = played(nov, 1, 8)
    assert all(
        "no_troops" in d["blocked"].get("troops", [])
        for e in game.log
        for d in e["decisions"]
        if d["actor"] == "seoul"
    )
    rep = build(game, reps=300)
    assert "no_troops" not in rep["bound"]
    md = to_markdown(rep)
    assert "Seoul has pledged not to send troops" not in md
    assert "No rule stopped anyone doing what they wanted" in md


def test_a_refused_team_move_names_the_rules_that_refused_it():
    sc = load_scenario("november-2024", overrides={"seoul.step_by_step": False})
    game = played(sc, 3, 2, moves={(0, "seoul"): {"assistance": 3}})
    first = game.log[0]["decisions"]
    seoul = next(d for d in first if d["actor"] == "seoul")
    assert seoul["requested"] != seoul["chosen"], "the Assembly refused the lethal move"
    changed = decisions_changed(game, first_choices(game))
    refused = [c for c in changed if c["who"] == "team"]
    assert {c["rule"] for c in refused} == set(seoul["blocked"][seoul["requested"]])
    assert all(c["month"] == "2024-11" and c["actor"] == "seoul" for c in refused)
    md = to_markdown(build(game, reps=300))
    assert "2024-11: Seoul's team asked for indirect lethal supply" in md


def test_the_models_first_choice_counts_when_a_rule_blocks_it():
    # An eager Seoul, played by the model, would send troops: the rules that block them bind.
    sc = scenario(**eager())
    game = played(sc, 2, 4, seats=("moscow",))
    first = first_choices(game)
    assert first is not None, "the replay reproduces the game"
    assert first[0][("seoul", "assistance")] == "troops"
    changed = decisions_changed(game, first)
    model = {c["rule"] for c in changed if c["actor"] == "seoul" and c["who"] == "model"}
    assert {"no_troops", "step_by_step"} <= model
    md = to_markdown(build(game, reps=300))
    assert "Seoul (the model) would have chosen troops" in md
    # without the model's first choices only the teams' refused moves could count
    assert all(c["who"] == "team" for c in decisions_changed(game, None))


def test_the_advice_is_what_the_game_offered_and_whether_the_team_took_it(nov):
    game = Game(nov, seed=5, seats={"seoul": "player"})
    offered = []
    for _ in range(4):
        advice = game.advice("seoul")["assistance"]
        best = max(advice, key=advice.get)
        offered.append(best)
        game.play_turn(
            {"seoul": {"assistance": game.agent("seoul").DECISIONS["assistance"].index(best)}}
        )
    rep = build(game, reps=300)
    assert [p["advice"] for p in rep["path"]] == offered
    assert all(p["took_advice"] for p in rep["path"])
    assert "The teams took it in 4 of 4 decisions." in to_markdown(rep)
    other = played(nov, 5, 4, moves={(1, "seoul"): {"assistance": 2}})
    rep = build(other, reps=300)
    assert [p["took_advice"] for p in rep["path"]][1] is False
    assert "where they did not:" in to_markdown(rep)


def test_seat_by_seat_sections_and_the_absent_team(nov):
    game = Game(nov, seed=2, seats={"seoul": "player", "moscow": "player"})
    game.play_turn({"seoul": hold(game, "seoul"), "moscow": hold(game, "moscow")})
    play_month(game, {"seoul": hold(game, "seoul")}, ["moscow"])
    rep = build(game, reps=300, teams={"seoul": "Team Han"})
    sections = {s["seat"]: s for s in rep["seat_sections"]}
    assert list(sections) == ["seoul", "moscow", "pyongyang", "nato"]
    assert sections["seoul"]["held"] == "held by a team (Team Han)"
    assert sections["pyongyang"]["held"] == "the model"
    assert sections["moscow"]["absent"] == ["2024-12"]
    md = to_markdown(rep)
    assert "### Seoul (held by a team (Team Han))" in md
    assert "The model played for the team in 2024-12 (no move by the turn deadline)." in md
    assert [line.split(":")[0] for line in sections["moscow"]["course"]] == [
        "Reward to Pyongyang",
        "Posture towards Seoul",
    ]


def test_questions_come_from_the_turning_points():
    sc = load_scenario("november-2024", overrides={"seoul.step_by_step": False})
    game = played(
        sc,
        3,
        4,
        seats=("seoul",),
        injects={2: [("technology_transfer", 3)]},
        moves={(0, "seoul"): {"assistance": 3}},
    )
    rep = build(game, reps=300)
    questions = rep["questions"]
    assert 3 <= len(questions) <= 5
    text = " ".join(questions)
    assert "In 2025-01 Moscow gave Pyongyang ballistic-missile technology (after the " in text
    assert "In 2024-11 the National Assembly voted the government's motion down" in text
    assert all(q.endswith("?") for q in questions)
    assert not IDENTIFIER.search(text), IDENTIFIER.findall(text)
    md = to_markdown(rep)
    assert "## Questions for discussion\n\n1. " in md


def test_a_quiet_game_still_gets_three_questions(nov):
    rep = build(played(nov, 1, 2), reps=300)
    assert 3 <= len(rep["questions"]) <= 5


def test_the_report_speaks_words_not_identifiers(nov):
    game = played(
        nov, 4, 5, injects={1: [("poll_shift", -0.1)]}, custom={2: {"seoul.approval": 0.4}}
    )
    md = to_markdown(build(game, reps=300))
    assert not IDENTIFIER.search(md), IDENTIFIER.findall(md)
    assert "Seoul's approval becomes 0.4" in md


def test_the_html_report_embeds_its_charts_as_png(nov):
    rep = build(played(nov, 2, 3), reps=300)
    page = to_html(rep)
    assert page.startswith("<!doctype html>")
    assert page.count("src='data:image/png;base64,") == len(charts(rep)) == 4
    assert "<h2>Questions for discussion</h2>" in page
    specs = {name: c.to_dict() for name, c in charts(rep).items()}
    seoul = specs["Seoul's assistance to Ukraine"]
    data = next(iter(seoul["datasets"].values()))
    assert [row["game"] for row in data] == rep["paths"]["seoul_rung"]


def test_the_report_states_the_rules_a_scenario_changed(nov):
    edited = nov.with_overrides({"seoul.troops_excluded": False, "seoul.approval": 0.35})
    changes = rule_changes(edited)
    assert changes["against"] == "the shipped scenario november-2024"
    rows = {r["what"]: r for r in changes["rows"]}
    assert rows["Seoul's troops excluded"] == {
        "what": "Seoul's troops excluded",
        "shipped": "yes",
        "game": "no",
        "rule": True,
    }
    game = Game(edited, seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    md = to_markdown(build(game, reps=300))
    assert "## What this game's scenario changed from the shipped scenario november-2024" in md
    assert "| Seoul's troops excluded | yes | no |" in md
    assert rule_changes(nov) == {
        "against": "the shipped scenario november-2024",
        "rows": [],
        "added": [],
        "removed": [],
    }
    assert "What this game's scenario changed" not in to_markdown(build(played(nov, 1, 1), 300))
    own = nov.model_copy(update={"name": "my classroom"})
    assert rule_changes(own)["against"] == "the model's defaults"


def test_an_edited_scenario_the_checks_refuse_is_refused(nov):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    good = game.to_dict()
    for group, field, value, named in [
        ("seoul", "public_support", 0.9, "seoul.public_support"),  # opposition + support > 1
        ("seoul", "initial_rung", 5, "seoul.initial_rung"),  # troops while excluded
        ("seoul", "troops_excluded", "sometimes", "seoul.troops_excluded"),  # the schema
    ]:
        data = json.loads(json.dumps(good))
        data["scenario"]["parameters"][group][field] = value
        with pytest.raises(InputError) as info:
            parse_game(json.dumps(data).encode(), "edited.json")
        assert named in info.value.render() and "edited.json" in info.value.render()
