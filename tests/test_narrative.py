"""Narration: one story of a month (model.narrative), words for every name (model.words).

The coverage tests run traced simulations of every shipped scenario and fail, naming
the names, when the model uses a term, rule, decision, actor or inject that has no
words; the snake-case test reads every narration a person sees.
"""

import re

import numpy as np
import pytest
from conftest import EAGER

from model import load_scenario, simulate, words
from model.agents import RULES as MODEL_RULES
from model.agents import Moscow, Nato, Pyongyang, Seoul
from model.explain import narrate
from model.game import Game
from model.game.commands import turn_lines
from model.narrative import (
    describe_month,
    describe_move,
    describe_run,
    describe_turn,
    explain_lines,
    page_lines,
    report_lines,
    report_moves,
    terminal_lines,
)
from model.outcomes import OUTCOMES
from model.scenario import INJECT_TYPES, scenario_names

TRACED = [0, 1, 2, 3, 4, 5]
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ACTORS = (Seoul, Moscow, Pyongyang, Nato)


def _runs():
    """Traced runs of every shipped scenario, and of each with a Seoul eager for lethal aid
    (so votes, failed motions and the rules that stop lethal aid appear in the logs)."""
    out = {}
    for name in scenario_names():
        for label, overrides in (("", None), (" eager", EAGER)):
            sc = load_scenario(name, overrides=overrides)
            out[name + label] = simulate(sc, reps=40, seed=7, trace=TRACED)
    return out


@pytest.fixture(scope="module")
def runs():
    return _runs()


def _names(runs):
    found = {k: set() for k in ("actors", "decisions", "terms", "rules", "injects")}
    for res in runs.values():
        for month in res.log:
            found["injects"] |= {e["type"] for e in month["injects"]}
            for d in month["decisions"]:
                found["actors"].add(d["actor"])
                found["decisions"].add(d["decision"])
                found["terms"] |= set(d["terms_chosen"]) | set(d["terms_runner_up"])
                found["rules"] |= {r for rules in d["blocked"].values() for r in rules}
    return found


def test_every_name_in_the_logs_has_words(runs):
    found = _names(runs)
    assert found["terms"] and found["rules"] and found["decisions"], "the logs were traced"
    have = {
        "actors": words.ACTOR_NAMES,
        "decisions": words.DECISIONS,
        "terms": words.TERMS,
        "rules": words.RULES,
        "injects": INJECT_TYPES,
    }
    missing = {k: sorted(found[k] - set(have[k])) for k in found}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, f"no words in model/words.py for: {missing}"


def test_every_declared_name_has_words():
    """Names the model declares, whether or not a shipped scenario exercises them."""
    missing = {
        "rules": sorted(set(MODEL_RULES) - set(words.RULES)),
        "actors": sorted({a.name for a in ACTORS} - set(words.ACTOR_NAMES)),
        "decisions": sorted({d for a in ACTORS for d in a.DECISIONS} - set(words.DECISIONS)),
        "injects with values": sorted(
            k for k, (_, value) in INJECT_TYPES.items() if value and k not in words.INJECT_DETAILS
        ),
    }
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, f"no words in model/words.py for: {missing}"


def test_words_are_plain():
    """The words themselves carry no identifiers, and every term reads both ways."""
    texts = [t for w in words.TERMS.values() for t in (w.because, w.against)]
    texts += [t for w in words.RULES.values() for t in (w.blocks, w.lift)]
    texts += [d.what for d in words.DECISIONS.values()] + list(words.ACTOR_NAMES.values())
    texts += [words.inject_meaning(k) for k in INJECT_TYPES]
    assert all(t.strip() for t in texts)
    assert [t for t in texts if SNAKE.search(t)] == []
    assert [k for k in INJECT_TYPES if "value is" in words.inject_meaning(k)] == []


def test_no_narration_contains_an_identifier(runs):
    for name, res in runs.items():
        for i in TRACED:
            lines = narrate(res, i)
            for story in describe_run(res, i):
                lines += terminal_lines(story) + page_lines(story)
                lines += report_moves(story) + report_lines(story)
            bad = [line for line in lines if SNAKE.search(line)]
            assert bad == [], f"{name}, replication {i}: {bad[:3]}"


def test_odds_in_words():
    assert words.odds(0.95) == "almost certain"
    assert words.odds(0.6) == "likely"
    assert words.odds(0.3) == "a fair chance"
    assert words.odds(0.05) == "unlikely: about 1 in 20"
    assert words.odds(0.125) == "unlikely: about 1 in 8"
    assert words.odds(0.002) == "a long shot: about 1 in 500"
    assert words.chance(0.137) == "14%" and words.chance(0.001) == "under 1%"


# --- a month built by hand: the story's logic, independent of the model's numbers ----------

SEOUL = Seoul.DECISIONS["assistance"]


def _decision(**kw):
    d = {
        "replication": 0,
        "actor": "seoul",
        "decision": "assistance",
        "from": SEOUL[1],
        "chosen": SEOUL[1],
        "runner_up": SEOUL[2],
        "probability": 0.86,
        "model_choice": SEOUL[1],
        "player": False,
        "requested": None,
        "probabilities": {SEOUL[0]: 0.0, SEOUL[1]: 0.86, SEOUL[2]: 0.14},
        "terms_chosen": {"change_cost": 0.0, "threat_response": 0.1, "domestic_cost": -0.05},
        "terms_runner_up": {"change_cost": -2.5, "threat_response": 0.6, "domestic_cost": -0.3},
        "blocked": {
            SEOUL[3]: ["step_by_step", "assembly_approval"],
            SEOUL[5]: ["step_by_step", "no_troops", "assembly_approval"],
        },
    }
    return d | kw


def test_a_hold_for_inertia_says_so_with_the_strongest_pull():
    terms = {"change_cost": 0.0, "threat_response": 0.1, "domestic_cost": -0.3}
    m = describe_move(_decision(terms_chosen=terms))
    assert not m.moved and m.inertia
    assert m.why == (
        "holds: changing course has a cost and nothing pushed hard enough; the strongest pull: "
        + words.TERMS["threat_response"].against
    )
    assert m.odds_text == "chance of any change this month: 14%"


def test_a_hold_names_what_else_held_the_actor_back_beside_the_cost_of_change():
    m = describe_move(_decision())  # the public's opposition also weighs against rung 2
    assert not m.moved and m.inertia
    assert m.why == (
        "holds: changing course has a cost, and "
        + words.TERMS["domestic_cost"].because
        + "; the strongest pull: "
        + words.TERMS["threat_response"].against
    )


def test_a_monthly_act_reads_as_a_sentence():
    d = _decision(
        actor="pyongyang",
        decision="shipments",
        **{"from": "hold shipments"},
        chosen="raise shipments",
        runner_up="hold shipments",
        model_choice="raise shipments",
        probabilities={"cut shipments": 0.0, "hold shipments": 0.9, "raise shipments": 0.1},
        terms_chosen={"change_cost": -1.0},
        terms_runner_up={"change_cost": 0.0},
        blocked={},
    )
    assert describe_move(d).sentence == "raises its shell shipments to Russia"


def test_a_move_gives_its_odds_and_its_two_strongest_reasons_in_words():
    d = _decision(
        chosen=SEOUL[2],
        runner_up=SEOUL[1],
        probability=0.05,
        terms_chosen={
            "change_cost": -2.5,
            "threat_response": 0.6,
            "alliance_pressure": 0.4,
            "economic_gain": 0.1,
            "domestic_cost": -0.3,
        },
        terms_runner_up={
            "change_cost": 0.0,
            "threat_response": 0.1,
            "alliance_pressure": 0.1,
            "economic_gain": 0.0,
            "domestic_cost": -0.05,
        },
    )
    m = describe_move(d)
    assert m.moved and not m.inertia
    assert m.sentence == f"moves its assistance to Ukraine from {SEOUL[1]} to {SEOUL[2]}"
    assert m.reasons == (
        words.TERMS["threat_response"].because,
        words.TERMS["alliance_pressure"].because,
    ), "the two strongest, strongest first"
    assert m.why.endswith(f"although {words.TERMS['change_cost'].against}")
    assert "unlikely: about 1 in 20" in m.odds_text and "14%" in m.odds_text
    assert not re.search(r"\d\.\d", m.why), "reasons in words, not utilities"


def test_a_refused_player_move_names_only_the_rules_that_refused_it():
    d = _decision(player=True, requested=SEOUL[3], model_choice=SEOUL[1])
    entry = {
        "month": "2025-03",
        "injects": [],
        "decisions": [d],
        "votes": [{"replication": 0, "passed": False, "yes": 140, "opposition_seats": 192}],
    }
    d["blocked"] = {SEOUL[3]: ["assembly_approval"], SEOUL[5]: ["no_troops", "step_by_step"]}
    story = describe_month(entry, {}, {}, t=0)
    (m,) = story.moves
    assert m.refused_move and [b.rule for b in m.refused] == ["assembly_approval"]
    text = " ".join(terminal_lines(story))
    assert "needs a National Assembly vote; the motion failed this month, 140 of 300" in text
    for other in ("no_troops", "step_by_step"):
        assert words.RULES[other].blocks not in text, f"{other} did not refuse this move"
    assert words.RULES["assembly_approval"].lift in text, "what would lift the block"
    assert "voted down the government's motion, 140 of 300 members for" in text


def test_a_block_after_a_failed_vote_says_when_it_failed():
    earlier = {
        "month": "2025-03",
        "injects": [],
        "decisions": [],
        "votes": [{"replication": 0, "passed": False, "yes": 140, "opposition_seats": 192}],
    }
    entry = {"month": "2025-05", "injects": [], "decisions": [_decision()], "votes": []}
    story = describe_month(entry, {}, {}, t=2, history=[earlier, {**earlier, "votes": []}])
    (block,) = [b for b in story.moves[0].blocks if b.rule == "assembly_approval"]
    assert block.text == "needs a National Assembly vote; the last motion failed in 2025-03"
    assert block.options == (SEOUL[3], SEOUL[5])


def test_headlines_state_and_injects_in_words():
    entry = {
        "month": "2025-01",
        "injects": [{"type": "technology_transfer", "value": 3.0, "note": ""}],
        "decisions": [],
        "votes": [],
    }
    series = {
        "seoul_rung": np.array([[1]]),
        "moscow_reward_rung": np.array([[3]]),
        "moscow_posture": np.array([[1]]),
        "pyongyang_troops": np.array([[1]]),
        "nato_rung": np.array([[2]]),
        "ceasefire": np.array([[False]]),
    }
    first = {name: np.array([-1]) for name in OUTCOMES} | {"red_line_crossed": np.array([1])}
    story = describe_month(entry, series, first, t=0)
    assert story.headlines == (
        f"{OUTCOMES['red_line_crossed'].label}: {OUTCOMES['red_line_crossed'].meaning}",
    )
    assert story.injects == (
        "Moscow transfers technology to Pyongyang: ballistic-missile technology",
    )
    assert [s.name for s in story.state] == ["Seoul", "Moscow", "Pyongyang", "NATO"]
    assert "reward to Pyongyang: ballistic-missile technology" in story.state[1].text
    assert any(line.startswith("  *** Seoul's red line crossed") for line in terminal_lines(story))


def test_injects_in_words_reuse_the_scenario_descriptions():
    tech = {"type": "technology_transfer", "value": 4.0, "note": ""}
    assert words.inject(tech) == "Moscow transfers technology to Pyongyang: nuclear technology"
    poll = {"type": "poll_shift", "value": -0.05, "note": "a scandal"}
    assert words.inject(poll) == (
        "a scandal — public opinion shifts: opposition to lethal aid falls by 5 points"
    )
    assert words.inject_meaning("atrocity") == INJECT_TYPES["atrocity"][0], "kept whole"


# --- real runs --------------------------------------------------------------------------


def test_explain_tells_the_red_line_as_a_headline_in_its_month():
    res = simulate(load_scenario("red-line"), reps=20, seed=1, trace=[5])
    lines = narrate(res, 5)
    start = lines.index("2025-01")
    month = lines[start : lines.index("2025-02")]
    assert any("Headline" in x and OUTCOMES["red_line_crossed"].label in x for x in month)
    assert any("Inject" in x and "ballistic-missile technology" in x for x in month)
    assert any(x.startswith("Outcome: ") for x in lines)
    stories = describe_run(res, 5)
    assert explain_lines(stories[2], stories[1]) == month


def test_the_four_narrations_tell_a_game_month_alike(nov):
    from dashboard import game as page
    from model.game.report import build, to_markdown

    game = Game(nov, seed=4, seats={"seoul": "player"})
    for _ in range(3):
        game.play_turn({"seoul": {"assistance": 1}})
    story = describe_turn(game, 2)
    assert turn_lines(game)[1:] == terminal_lines(story)
    assert page.month_lines(game, 2) == page_lines(story)
    rep = build(game, reps=50)
    assert rep["timeline"][2]["moves"] == report_moves(story)
    assert not SNAKE.search(to_markdown(rep)), "the report reads in words"
    (seoul,) = [m for m in story.moves if m.actor == "seoul"]
    assert seoul.player and seoul.end == SEOUL[1]
    for text in (turn_lines(game), page.month_lines(game, 2), report_moves(story)):
        assert any(seoul.sentence in line for line in text)


def test_a_block_that_lifts_is_said_in_words():
    """red-line's transfer (2025-01) justifies more than non-lethal aid: the month says so,
    naming what the rule refused the month before."""
    from model import load_scenario
    from model.explain import explain

    lines = explain(load_scenario("red-line"), seed=1, replication=3, reps=1000)
    month = lines[lines.index("2025-01") : lines.index("2025-02")]
    lifted = [x.strip() for x in month if "no longer blocked" in x]
    assert lifted and "indirect lethal supply" in lifted[0]
    assert (
        "last month: Seoul steps up only in answer to Russia-DPRK military cooperation" in lifted[0]
    )
    assert "_" not in lifted[0]
