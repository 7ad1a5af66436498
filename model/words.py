"""Plain English for every name the model uses: actors, decisions, terms, rules and injects.

The model speaks in identifiers (``threat_response``, ``assembly_approval``); people read
words. Every narration — `redline explain`, `redline play`, the Game page and the
after-action report — takes its words from here, so a name has one wording everywhere and
a new term or rule needs words in one place only (tests/test_narrative.py fails, naming
it, when one is missing). What lives elsewhere stays there: ladder labels in
`model.agents` (SEOUL_RUNGS, MOSCOW_REWARDS, ...), outcome labels in `model.outcomes`,
inject descriptions in `model.scenario.INJECT_TYPES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .agents import MOSCOW_REWARDS
from .scenario import INJECT_TYPES

# The four actors, in seat order: the one home of their names.
ACTOR_NAMES: dict[str, str] = {
    "seoul": "Seoul",
    "moscow": "Moscow",
    "pyongyang": "Pyongyang",
    "nato": "NATO",
}

# Parameter groups (the first part of a dotted name) as headings, in the order shown.
GROUP_NAMES: dict[str, str] = {
    **ACTOR_NAMES,
    "war": "The war in Ukraine",
    "decision": "Every actor's choice",
}


@dataclass(frozen=True)
class Decision:
    """What an actor decides each month.

    ``what`` reads after "its" ("Seoul keeps its assistance to Ukraine at ...").
    A ladder decision is a standing position that moves from one rung to another; a
    monthly act (``ladder=False``) is chosen afresh every month (hold, raise, cut).
    """

    what: str
    ladder: bool = True


# A monthly act's option as a sentence after the actor's name ("Pyongyang raises ...").
ACTS: dict[str, str] = {
    "cut shipments": "cuts its shell shipments to Russia",
    "hold shipments": "holds its shell shipments to Russia",
    "raise shipments": "raises its shell shipments to Russia",
    "no provocation": "stages no provocation on the Peninsula",
    "military provocation on the Peninsula": "stages a military provocation on the Peninsula",
}


def act(option: str) -> str:
    return ACTS.get(option, option)


DECISIONS: dict[str, Decision] = {
    "assistance": Decision("assistance to Ukraine"),
    "reward": Decision("reward to Pyongyang"),
    "posture": Decision("posture towards Seoul"),
    "troops": Decision("troops in Russia's war"),
    "pressure": Decision("pressure on Seoul"),
    "shipments": Decision("shell shipments to Russia", ladder=False),
    "provocation": Decision("provocations on the Peninsula", ladder=False),
}


@dataclass(frozen=True)
class Term:
    """One weighed consideration of a decision.

    ``because`` reads after "because" when the term favoured the option taken;
    ``against`` reads after "although" when it favoured the runner-up. ``inertia`` marks
    the cost of changing course: when it is the main reason an actor held, the story
    says so plainly instead of listing it as a reason.
    """

    because: str
    against: str
    inertia: bool = False


def _same(text: str) -> Term:
    return Term(text, text)


TERMS: dict[str, Term] = {
    # shared
    "change_cost": Term("changing course has a cost", "changing course has a cost", inertia=True),
    # Seoul
    "threat_response": _same("Russia-DPRK military cooperation threatens Seoul"),
    "alliance_pressure": _same("NATO and Seoul's global ambitions press it to do more"),
    "ukraine_situation": _same("Ukraine is running short of arms"),
    "right_to_do_the_same": _same(
        "Pyongyang's shipments give Seoul the right to arm Ukraine in turn"
    ),
    "domestic_cost": _same("the public opposes arming Ukraine and the government is weak"),
    "joining_the_war": _same("sending weapons draws Seoul into the war"),
    "retaliation_risk": _same("Moscow would retaliate"),
    "economic_gain": _same("arms exports earn money"),
    "intolerable_event": _same("an atrocity has lowered the bar for sending weapons"),
    "peninsula_caution": _same("a provocation on the Peninsula calls for caution at home"),
    "ratification_prospect": _same("the National Assembly would probably vote a motion down"),
    # Pyongyang
    "indebt_moscow": _same("helping Russia's war puts Moscow in Pyongyang's debt"),
    "capacity_strain": _same("Pyongyang's arms factories are stretched"),
    "no_buyer_after_ceasefire": _same("after a ceasefire Russia needs fewer shells"),
    "reward_expected": _same("Moscow's rewards make the troops worth sending"),
    "casualty_cost": _same("troops abroad cost lives"),
    "war_over": _same("the war is over"),
    "emboldened": _same("Russian backing emboldens Pyongyang"),
    "restraint": _same("a provocation carries risks of its own"),
    # Moscow
    "pyongyang_leverage": _same("Pyongyang's troops and shells give it a claim on Moscow"),
    "irreversibility": _same("advanced technology cannot be taken back once given"),
    "deterring_seoul": _same(
        "missile or nuclear technology would cross Seoul's red line while Seoul "
        "has not crossed Moscow's"
    ),
    "punishing_seoul": _same("Seoul has crossed Moscow's red line, so Moscow owes it nothing"),
    "postwar_liability": _same("after a ceasefire Pyongyang is more liability than asset"),
    "red_line_response": _same("Seoul's arms for Ukraine provoke Moscow"),
    "distrust": _same("Moscow remembers Seoul's hostility"),
    "relations_value": _same("Moscow values its relations with Seoul"),
    # NATO
    "ukraine_shortage": _same("Ukraine is short of ammunition"),
    "dprk_escalation": _same("North Korea's part in the war alarms NATO"),
    "respect_seoul_constraints": _same("NATO respects the limits Seoul works under"),
}


@dataclass(frozen=True)
class Rule:
    """One named rule (model.agents.RULES).

    ``blocks`` says what it refuses, read after the option it refuses ("troops: Seoul has
    pledged not to send troops"); ``lift`` what would lift it ("lifted by ..."). A rule
    settled by a vote (``vote=True``) is told with the vote's result. Rules that weigh
    rather than block never appear as a block; their ``blocks`` says what they weigh.
    """

    blocks: str
    lift: str
    vote: bool = False


RULES: dict[str, Rule] = {
    "public_opinion": Rule(
        "public opposition raises the cost of sending weapons", "opinion shifting with events"
    ),
    "assembly_approval": Rule(
        "needs a National Assembly vote", "a motion passed by the Assembly", vote=True
    ),
    "stockpile_floor": Rule(
        "would take the shell stockpile below its minimum", "the stockpile refilling"
    ),
    "step_by_step": Rule(
        "the step-by-step doctrine limits how far Seoul moves in a month",
        "another month, one step at a time",
    ),
    "corresponding_measures": Rule(
        "Seoul steps up only in answer to Russia-DPRK military cooperation, with NATO engaged",
        "more Russia-DPRK military cooperation (or an atrocity) while NATO is engaged",
    ),
    "defensive_first": Rule(
        "needs defensive weapons supplied first", "Seoul supplying defensive weapons first"
    ),
    "indirect_track": Rule(
        "indirect lethal supply may come straight from non-lethal support",
        "nothing needed: it opens a way rather than closing one",
    ),
    "no_troops": Rule(
        "Seoul has pledged not to send troops", "the government dropping its no-troops pledge"
    ),
    "standing_commitments": Rule(
        "Seoul keeps the assistance it has promised",
        "a ceasefire, a new government or a fall in Russia-DPRK cooperation",
    ),
    "government_paralysed": Rule(
        "a paralysed government cannot change course", "a government able to act again"
    ),
    "red_lines": Rule(
        "each side's red line drives the other's response", "neither side crossing the other's"
    ),
    "intolerable_event": Rule(
        "an atrocity lowers Seoul's threshold for sending weapons", "the atrocity fading"
    ),
    "technology_irreversible": Rule(
        "technology once given cannot be taken back", "nothing: the transfer is permanent"
    ),
    "reward_earned": Rule(
        "Moscow does not cut the reward Pyongyang's troops have earned",
        "the North Korean troops going home or a ceasefire",
    ),
    "collapse_absorbing": Rule(
        "relations once collapsed stay collapsed", "nothing within the months simulated"
    ),
    "collapse_needs_red_line": Rule(
        "Moscow severs ties only after Seoul crosses its red line",
        "Seoul sending arms Moscow reads as lethal supply",
    ),
    "troops_stay": Rule(
        "North Korean troops stay while the war goes on",
        "a ceasefire, or Moscow's reward falling short for months",
    ),
    "one_rung_a_month": Rule("one rung a month at most", "another month"),
    "postwar_liability": Rule(
        "after a ceasefire Pyongyang is more liability than asset", "the war resuming"
    ),
}


# --- injects --------------------------------------------------------------------------
# INJECT_TYPES says what each inject means and, after "<field> is", what its fields hold;
# a story keeps the meaning and tells the fields' values in words.
_FIELD_HELP = re.compile(r":\s+(value|preference|approval|months|parameter)\s+is\b.*$", re.S)


def parameter(name: str) -> str:
    """A dotted parameter name in words: 'seoul.troops_excluded' -> "Seoul's troops excluded"."""
    group, _, field = name.partition(".")
    return f"{ACTOR_NAMES.get(group, group.capitalize())}'s {field.replace('_', ' ')}"


INJECT_DETAILS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "technology_transfer": lambda e: MOSCOW_REWARDS[int(e["value"])],
    "assembly_majority_change": lambda e: f"{e['value']:.0f} opposition seats",
    "poll_shift": lambda e: (
        f"opposition to lethal aid {'rises' if e['value'] > 0 else 'falls'} by "
        f"{abs(e['value']) * 100:.0f} points"
    ),
    "government_change": lambda e: ", ".join(
        part
        for part in (
            f"a {e['preference']} course" if e.get("preference") else "",
            f"approval {e['approval']:.0%}" if e.get("approval") is not None else "",
        )
        if part
    ),
    "government_paralysis": lambda e: (
        f"for {e['months']} month{'s' if e['months'] != 1 else ''}" if e.get("months") else ""
    ),
    "set": lambda e: (
        f"{parameter(e['parameter'])} becomes {e['value']:g}"
        if e.get("parameter") and e.get("value") is not None
        else ""
    ),
}


def inject_meaning(kind: str) -> str:
    """What an inject type does, without the help on its fields."""
    text = INJECT_TYPES[kind][0] if kind in INJECT_TYPES else kind.replace("_", " ")
    return _FIELD_HELP.sub("", text)


def inject(item: Mapping[str, Any]) -> str:
    """One inject in words: what it does, its values, and the facilitator's note."""
    kind = item["type"]
    text = inject_meaning(kind)
    detail = INJECT_DETAILS.get(kind)
    try:  # a field left out (a default value) is simply not told
        extra = detail(item) if detail else ""
    except (KeyError, TypeError, ValueError, IndexError):
        extra = ""
    if extra:
        text = f"{text}: {extra}"
    note = (item.get("note") or "").strip()
    return f"{note} — {text}" if note else text[0].upper() + text[1:]


# --- lookups that never fail ------------------------------------------------------------
# A name without words is a bug the coverage test reports; at run time the story still
# reads, with the name spelled out, rather than a game or a page failing.


def actor(name: str) -> str:
    return ACTOR_NAMES.get(name, name.replace("_", " ").capitalize())


def decision(name: str) -> Decision:
    return DECISIONS.get(name) or Decision(name.replace("_", " "))


def term(name: str) -> Term:
    return TERMS.get(name) or _same(f"{name.replace('_', ' ')} weighs in")


def rule(name: str) -> Rule:
    return RULES.get(name) or Rule(f"ruled out ({name.replace('_', ' ')})", "a change of rules")


# --- odds -------------------------------------------------------------------------------


def odds(p: float) -> str:
    """A probability as a person says it: 'likely', 'unlikely: about 1 in 12'."""
    if p >= 0.9:
        return "almost certain"
    if p >= 0.5:
        return "likely"
    if p >= 0.2:
        return "a fair chance"
    if p <= 0:
        return "never the model's own choice"
    n = round(1 / p)
    return f"unlikely: about 1 in {n:,}" if p >= 0.05 else f"a long shot: about 1 in {n:,}"


def chance(p: float) -> str:
    """A probability as a rounded percentage ('14%', 'under 1%', 'over 99%')."""
    if 0 < p < 0.005:
        return "under 1%"
    if 0.995 < p < 1:
        return "over 99%"
    return f"{p:.0%}"


def short_label(label: str) -> str:
    """A ladder label without its parenthesis: 'direct offensive weapons'."""
    return label.split(" (")[0]
