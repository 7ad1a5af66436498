"""Every tunable number of the model, with its unit, range and evidence.

One pydantic model holds them all so that a parameter is spelled the same in
YAML, ``--set``, the Python API, dashboard URLs and the docs: its dotted name
(``seoul.public_opposition``) is its path in this model. Each field carries
its provenance: an excerpt id from ``seeds/`` or ``assumption`` plus a one-line
reason, so that ``redline sources`` and the evidence tests can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

ASSUMPTION = "assumption"


def param(default, lo, hi, unit: str, source: str, why: str = "", note: str = "", tier: str = ""):
    """A field with the metadata every parameter must carry.

    ``source`` is an excerpt id (or several, comma separated) or ``assumption``;
    ``why`` is required for assumptions and says why the value is plausible.
    ``note`` explains how a sourced value was derived from its excerpt.
    ``tier`` is "constraint" (a documented constraint or scenario fact, shown first) or
    "advanced" (a model weight); by default sourced values are constraints and
    assumptions are advanced.
    """
    tier = tier or ("advanced" if source == ASSUMPTION else "constraint")
    extra = {"unit": unit, "source": source, "why": why, "note": note, "tier": tier}
    if isinstance(default, bool):
        return Field(default, json_schema_extra=extra)
    return Field(default, ge=lo, le=hi, json_schema_extra=extra)


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value, info):
        """`true` is not a number: pydantic would otherwise read it as 1."""
        if isinstance(value, bool) and cls.model_fields[info.field_name].annotation is not bool:
            raise ValueError("a number is needed here, not true/false")
        return value


class Decision(_Group):
    rationality: float = param(
        1.3,
        0.0,
        20.0,
        "1/utility",
        ASSUMPTION,
        "logit precision: 0 is random choice, large is strict optimisation; 1 would treat "
        "utility terms as log-odds; 1.3 was set so that month-to-month moves follow their "
        "reasons rather than chance: with 1.0 a quarter of the 2024-25 hindcast's worlds sent "
        "weapons by noise alone (see docs/model.md, TRACE)",
    )


class Seoul(_Group):
    initial_rung: int = param(
        1,
        0,
        5,
        "rung (0-5)",
        "asmolov-14",
        note="security support besides humanitarian and reconstruction aid = rung 1",
    )
    public_opposition: float = param(0.742, 0.0, 1.0, "share of public", "seok-13")
    public_support: float = param(0.205, 0.0, 1.0, "share of public", "seok-13")
    approval: float = param(0.20, 0.0, 1.0, "share of public", "seok-14")
    assembly_opposition_seats: int = param(
        192,
        0,
        300,
        "seats of 300",
        "assembly-1",
        note="figure from outside the analysed documents (April 2024 election)",
    )
    assembly_approval_required: bool = param(True, None, None, "switch", "asmolov-16,seok-15")
    party_discipline: float = param(
        0.85,
        0.5,
        1.0,
        "probability",
        ASSUMPTION,
        "the opposition parties' cohesion: Korean parties vote as blocs on security motions; "
        "0.85 leaves room for the factional and pro-Ukrainian cross-currents asmolov-17 describes",
    )
    ruling_discipline: float = param(
        0.95,
        0.5,
        1.0,
        "probability",
        ASSUMPTION,
        "the ruling bloc backs its own government's motion; the few who break ranks vote with the public",
    )
    poll_troop_level: int = param(
        1,
        0,
        2,
        "troop level (0-2)",
        "seok-13,seok-8",
        note="the 74.2% poll was taken with DPRK troops deployed (level 1): a world that starts with more troops starts with opinion already shifted by seoul.opinion_shift_troops per level above it",
    )
    opposition_party_threshold: float = param(
        0.45,
        0.2,
        0.8,
        "share of public",
        ASSUMPTION,
        "the opposition, pro-Ukrainian in general (asmolov-17), backs a lethal-aid "
        "motion only once public support nears half",
    )
    vote_cooldown_months: int = param(
        6,
        1,
        24,
        "months",
        ASSUMPTION,
        "a government that loses a vote needs months before it can credibly try again",
    )
    stockpile_days: float = param(
        70.0,
        0.0,
        365.0,
        "days of wartime use",
        ASSUMPTION,
        "not published; seok-16 names the 60-day rule as a live constraint, so the "
        "stockpile is taken as only modestly above it",
    )
    min_stockpile_days: float = param(60.0, 0.0, 365.0, "days of wartime use", "seok-16")
    production_days_per_month: float = param(
        1.0,
        0.0,
        30.0,
        "days of wartime use per month",
        ASSUMPTION,
        "domestic shell production refills roughly a day of wartime use a month",
    )
    transfer_days_indirect: float = param(
        2.0,
        0.0,
        30.0,
        "days of wartime use per month",
        ASSUMPTION,
        "shells routed through allies (rung 3) at a pace that outstrips production",
    )
    transfer_days_direct: float = param(
        4.0,
        0.0,
        30.0,
        "days of wartime use per month",
        ASSUMPTION,
        "direct offensive supply (rung 4) roughly doubles the indirect pace",
    )
    wartime_shells_per_day: float = param(
        10000.0,
        100.0,
        1e6,
        "shells per day",
        ASSUMPTION,
        "order of magnitude only; converts stockpile days into shells for reporting, "
        "decisions do not depend on it",
    )
    step_by_step: bool = param(True, None, None, "switch", "seok-11,seok-10")
    max_rungs_per_step: int = param(1, 1, 5, "rungs per month", "seok-11")
    troops_excluded: bool = param(True, None, None, "switch", "seok-12,seok-17")
    threat_weight: float = param(
        4.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Seoul adjusts assistance to Russia-DPRK military cooperation (asmolov-11, "
        "seok-8); weight sets how strongly",
    )
    alliance_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "NATO and US requests (asmolov-3, asmolov-10) pull Seoul up the ladder",
    )
    global_role: float = param(
        0.3,
        0.0,
        1.0,
        "pressure units",
        ASSUMPTION,
        "the Global Pivotal State vision (seok-20) adds a standing pull even without requests",
    )
    domestic_cost_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "the 74.2% poll and a 20% approval make lethal steps costly (seok-13, seok-14)",
    )
    retaliation_weight: float = param(
        1.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Seoul is very cautious about a breakdown in ties with Moscow (asmolov-12)",
    )
    export_weight: float = param(
        0.5,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "arms-export reputation (asmolov-5) is a minor argument next to security",
    )
    atrocity_weight: float = param(
        3.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Yoon's April 2023 condition (asmolov-15) makes lethal aid defensible after an atrocity",
    )
    atrocity_memory_months: int = param(
        6,
        1,
        60,
        "months",
        ASSUMPTION,
        "an atrocity stays a live justification for about half a year",
    )
    change_cost: float = param(
        3.0,
        0.0,
        20.0,
        "utility per rung moved",
        ASSUMPTION,
        "caution and the step-by-step doctrine (seok-11) make any change costly; "
        "2.5 gives a baseline of roughly one move a year",
    )
    opinion_reversion: float = param(
        0.05,
        0.0,
        1.0,
        "fraction per month",
        ASSUMPTION,
        "shocks to opinion fade with a half-life of about a year",
    )
    opinion_shift_troops: float = param(
        0.03,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "DPRK troops in Ukraine were declared a grave security concern (seok-8) but the "
        "74.2% poll was taken after it: a small shift",
    )
    opinion_shift_atrocity: float = param(
        0.15,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "large-scale attacks on civilians are the one event Yoon named (asmolov-15)",
    )
    opinion_shift_red_line: float = param(
        0.10,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "Russian missile or nuclear help to Pyongyang is Seoul's red line (seok-7)",
    )
    opinion_backlash_lethal: float = param(
        0.02,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "a lethal step intensifies domestic criticism (seok-19)",
    )
    defensive_needs_approval: bool = param(
        True,
        None,
        None,
        "switch",
        "asmolov-16,seok-21",
        note="Cheongung interceptors are weapons: the approval asmolov-16 names for lethal weaponry, and the concern that weapons mean joining the war (seok-21), reach them",
    )
    troops_need_approval: bool = param(
        True,
        None,
        None,
        "switch",
        "seok-15",
        note="the legal requirement for National Assembly approval to deploy troops",
    )
    retreat_cost: float = param(
        4.0,
        0.0,
        20.0,
        "utility per rung moved down",
        ASSUMPTION,
        "audience costs: reneging on assistance promised to partners (asmolov-14) costs more than not promising it (Fearon 1994); larger than the cost of moving up so commitments stick",
    )
    level_non_lethal: float = param(
        0.2,
        0.0,
        1.0,
        "share of troops' weight",
        ASSUMPTION,
        "how much each rung answers the threat and the allies' pull, on a 0-1 scale where troops are 1: a monitoring team answers little",
    )
    level_defensive: float = param(
        0.45,
        0.0,
        1.0,
        "share of troops' weight",
        ASSUMPTION,
        "defensive weapons answer the threat less than lethal supply (seok-18)",
    )
    level_indirect: float = param(
        0.7,
        0.0,
        1.0,
        "share of troops' weight",
        ASSUMPTION,
        "indirect lethal supply answers the allies' requests for shells (asmolov-8)",
    )
    level_offensive: float = param(
        0.9,
        0.0,
        1.0,
        "share of troops' weight",
        ASSUMPTION,
        "direct offensive weapons are the largest material answer short of troops",
    )
    domestic_cost_non_lethal: float = param(
        0.05,
        0.0,
        5.0,
        "share of lethal aid's cost",
        ASSUMPTION,
        "a monitoring team draws criticism (seok-15) but no poll opposes it",
    )
    domestic_cost_defensive: float = param(
        0.7,
        0.0,
        5.0,
        "share of lethal aid's cost",
        ASSUMPTION,
        "the 74.2% oppose lethal weapons (seok-13); interceptor missiles are weapons, somewhat less contested than shells",
    )
    domestic_cost_offensive: float = param(
        1.6,
        0.0,
        5.0,
        "share of lethal aid's cost",
        ASSUMPTION,
        "offensive weapons 'intensify domestic criticism' (seok-19)",
    )
    domestic_cost_troops: float = param(
        3.0,
        0.0,
        10.0,
        "share of lethal aid's cost",
        ASSUMPTION,
        "troops are ruled out by consensus (seok-17)",
    )
    joining_war_cost: float = param(
        0.5,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "any weapon reads as 'joining the war' (seok-21), a flat cost on every weapons rung on top of the poll",
    )
    export_gain_defensive: float = param(
        0.2,
        0.0,
        1.0,
        "share of direct supply's gain",
        ASSUMPTION,
        "Cheongung in combat advertises an export product (asmolov-5) less than shells and howitzers",
    )
    export_gain_indirect: float = param(
        0.5,
        0.0,
        1.0,
        "share of direct supply's gain",
        ASSUMPTION,
        "routed shells still test 155 mm rounds in real combat (asmolov-9)",
    )
    retaliation_defensive: float = param(
        0.15,
        0.0,
        2.0,
        "share of lethal supply's risk",
        ASSUMPTION,
        "defensive weapons provoke Moscow less than lethal supply",
    )
    retaliation_offensive: float = param(
        1.0,
        0.0,
        3.0,
        "share of lethal supply's risk",
        ASSUMPTION,
        "direct offensive supply crosses Moscow's red line as lethal supply does",
    )
    retaliation_troops: float = param(
        1.2, 0.0, 3.0, "share of lethal supply's risk", ASSUMPTION, "troops are more than weapons"
    )
    threat_troops: float = param(
        0.25,
        0.0,
        2.0,
        "threat per troop level",
        ASSUMPTION,
        "DPRK troops in Russia's war set a precedent for the mutual assistance clause (seok-5, seok-8: 'a grave security concern')",
    )
    threat_technology: float = param(
        0.15,
        0.0,
        2.0,
        "threat per reward rung",
        ASSUMPTION,
        "every rung of Russian help to Pyongyang raises the threat, technology most (seok-7)",
    )
    threat_red_line: float = param(
        1.2,
        0.0,
        3.0,
        "threat",
        ASSUMPTION,
        "nuclear or ballistic-missile technology is Seoul's red line (seok-7)",
    )
    threat_treaty: float = param(
        0.1,
        0.0,
        2.0,
        "threat",
        ASSUMPTION,
        "the ratified treaty's mutual assistance clause (seok-5)",
    )
    threat_combat_experience: float = param(
        0.3,
        0.0,
        2.0,
        "threat at full experience",
        ASSUMPTION,
        "combat experience and weapons data enhance North Korea's capabilities (seok-25)",
    )
    combat_experience_months: int = param(
        12,
        1,
        60,
        "months in combat",
        ASSUMPTION,
        "experience grows with months of combat and is full after about a year",
    )
    cooperation_per_rung: float = param(
        0.5,
        0.05,
        5.0,
        "threat per rung",
        ASSUMPTION,
        "corresponding measures by level (asmolov-11, seok-10): each rung above non-lethal support needs this much more Russia-DPRK military cooperation; at the November 2024 level (troops deployed, treaty, material rewards: 0.5) defensive weapons are justified, lethal supply is not",
    )
    shortage_weight: float = param(
        1.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "'step by step means according to the situation in Ukraine' (seok-11): Ukraine's shortage pulls Seoul directly, not only through NATO",
    )
    sanctions_breach_weight: float = param(
        0.5,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "'South Korea has the right to do the same' (asmolov-4) while the DPRK supplies Russia in breach of sanctions",
    )
    peninsula_caution: float = param(
        1.0,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "a provocation on the Peninsula argues for caution and readiness at home (asmolov-12), not for sending weapons abroad",
    )
    pragmatic_global_role: float = param(
        0.05,
        0.0,
        1.0,
        "pressure units",
        ASSUMPTION,
        "a 'pragmatic diplomacy' government (seok-24) feels little of the Global Pivotal State's pull (seok-20)",
    )
    pragmatic_relations_factor: float = param(
        2.0,
        1.0,
        10.0,
        "multiple of the retaliation risk",
        ASSUMPTION,
        "a 'pragmatic diplomacy' government (seok-24) values working ties with Moscow about twice as much as its predecessor",
    )
    pragmatic_threat_factor: float = param(
        0.3,
        0.0,
        1.0,
        "share of the threat answered with assistance",
        ASSUMPTION,
        "'corresponding measures' is the Yoon administration's bottom line (seok-10); a government of 'pragmatic diplomacy' (seok-24) answers the Russia-DPRK threat mostly by other means than arms for Ukraine",
    )
    pragmatic_domestic_factor: float = param(
        1.5,
        1.0,
        10.0,
        "multiple of the domestic cost",
        ASSUMPTION,
        "a government elected on 'pragmatic diplomacy' (seok-24) heeds the 74.2% who oppose weapons more than one committed to the Global Pivotal State",
    )
    approval_cost_weapons: float = param(
        0.04,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "a significant military commitment deals 'a critical blow' to the administration (seok-14): approval falls when weapons are first sent",
    )
    approval_cost_lethal: float = param(
        0.06,
        0.0,
        0.5,
        "share of public",
        ASSUMPTION,
        "lethal supply costs the administration more approval than defensive weapons (seok-14)",
    )
    approval_reversion: float = param(
        0.05,
        0.0,
        1.0,
        "fraction per month",
        ASSUMPTION,
        "approval returns slowly toward the government's own level",
    )
    mood_reference_opposition: float = param(
        0.742,
        0.01,
        1.0,
        "share of public",
        "seok-13",
        note="the domestic cost is read relative to the documents' moment: opposition 74.2%, approval 20% give a cost of 1",
    )
    mood_reference_approval: float = param(
        0.2, 0.0, 0.99, "share of public", "seok-14", note="see mood_reference_opposition"
    )
    poll_noise: float = param(
        0.02,
        0.0,
        0.2,
        "share of public (sd)",
        ASSUMPTION,
        "a poll of about 1,000 respondents has a sampling error of about 1.5 points; polls measure the latent opinion, they do not move it",
    )
    opposition_pro_ukraine: float = param(
        0.6,
        0.0,
        1.0,
        "probability",
        ASSUMPTION,
        "the Democrats are 'pro-Ukrainian in general' (asmolov-17): a member who breaks ranks votes yes with this probability",
    )
    factional_weight: float = param(
        1.5,
        0.0,
        10.0,
        "log-odds",
        ASSUMPTION,
        "the opposition may refuse 'for purely factional reasons' (asmolov-17): the weaker the government (1 - approval), the more refusing pays",
    )
    opposition_line_width: float = param(
        0.08,
        0.01,
        0.5,
        "share of public",
        ASSUMPTION,
        "how sharply the opposition's line turns with public support: 0.08 turns it within about 15 points",
    )
    floor_access: float = param(
        0.5,
        0.0,
        1.0,
        "probability",
        ASSUMPTION,
        "the Speaker and committee chairs are opposition-held (assembly-1): a government motion the opposition leans against reaches the floor half the time",
    )
    opposition_security_weight: float = param(
        0.9,
        0.0,
        20.0,
        "log-odds per unit of threat",
        ASSUMPTION,
        "the Democrats are pro-Ukrainian in general (asmolov-17) and a direct threat to Korea, such as Seoul's red line crossed (seok-7), is not a factional matter",
    )
    ratification_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "a two-level game (Putnam 1988): the government weighs a motion by its chance of passing, so it rarely puts one it expects to lose",
    )
    ties_after_red_line: float = param(
        0.5,
        0.0,
        1.0,
        "share of ties left",
        ASSUMPTION,
        "once Moscow has crossed Seoul's red line, half of what Seoul could lose in ties with Moscow is already lost",
    )
    assembly_minor_opposition_seats: int = param(
        17,
        0,
        300,
        "seats of 300",
        "assembly-1",
        note="Rebuilding Korea 12 and others 5: opposition members outside the Democratic Party bloc; they follow the opposition's line and their tally is counted apart",
    )
    new_government_review_months: int = param(
        6,
        0,
        24,
        "months",
        ASSUMPTION,
        "a new government reviews its predecessor's commitments for about half a year and may step back from them",
    )
    approved_at_start: int = param(
        1,
        0,
        5,
        "rung (0-5)",
        "asmolov-14",
        note="the highest rung Seoul may send at the start without a new vote: its current assistance; rungs that need no vote are allowed regardless",
        tier="advanced",
    )


class Moscow(_Group):
    initial_reward_rung: int = param(
        1,
        0,
        4,
        "rung (0-4)",
        ASSUMPTION,
        "diplomatic cover is certain (seok-1) and rewards are expected (seok-4), but what material "
        "help Moscow gives is uncertain: food, energy and cash (rung 1) is a judgement",
    )
    initial_posture: int = param(
        1, 0, 3, "rung (0-3)", "asmolov-2,asmolov-20", note="warnings and hostile rhetoric"
    )
    indirect_counts_as_direct: bool = param(True, None, None, "switch", "asmolov-18")
    indirect_weight: float = param(
        0.5,
        0.0,
        1.0,
        "fraction of direct",
        ASSUMPTION,
        "when indirect supply is not read as direct it still counts for something",
    )
    tech_transfer_propensity: float = param(
        0.3,
        0.0,
        1.0,
        "propensity",
        ASSUMPTION,
        "Moscow may hesitate over irreversible technology (seok-7): below one half",
    )
    leverage_weight: float = param(
        3.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "troops strengthen Pyongyang's leverage in negotiating rewards (seok-7); the weight itself is a judgement",
    )
    irreversibility_weight: float = param(
        3.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "technology is less reversible than food or energy (seok-7); the weight itself is a judgement",
    )
    deterrence_weight: float = param(
        1.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Moscow has reason not to push Seoul over its own red line while ties hold: both sides "
        "tread carefully (asmolov-13); the weight is a judgement",
    )
    red_line_weight: float = param(
        15.0,
        0.0,
        30.0,
        "utility",
        ASSUMPTION,
        "lethal supply makes relations collapse likely (asmolov-19, asmolov-2); the weight itself is a judgement",
    )
    relations_weight: float = param(
        2.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "both sides tread carefully not to sever ties (asmolov-13); the weight itself is a judgement",
    )
    change_cost: float = param(
        4.0,
        0.0,
        20.0,
        "utility per rung moved",
        ASSUMPTION,
        "great-power posture and rewards change slowly, like Seoul's",
    )
    reward_change_cost: float = param(
        2.5,
        0.0,
        20.0,
        "utility per rung moved up",
        ASSUMPTION,
        "raising the reward to Pyongyang is a bargain struck in talks (seok-23: Choe met Lavrov three times in 2024), easier to move than Moscow's public posture toward Seoul",
    )
    retreat_cost: float = param(
        5.0,
        0.0,
        20.0,
        "utility per rung moved down",
        ASSUMPTION,
        "a memory of distrust (asmolov-24): Moscow softens more slowly than it hardens",
    )
    reward_value_material: float = param(
        0.25,
        0.0,
        1.0,
        "share of nuclear technology's value",
        ASSUMPTION,
        "food, energy and cash are worth less to Pyongyang than technology (seok-7)",
    )
    reward_value_conventional: float = param(
        0.5,
        0.0,
        1.0,
        "share of nuclear technology's value",
        ASSUMPTION,
        "conventional military technology",
    )
    reward_value_missile: float = param(
        0.8,
        0.0,
        1.0,
        "share of nuclear technology's value",
        ASSUMPTION,
        "ballistic-missile technology",
    )
    irreversibility_conventional: float = param(
        0.3,
        0.0,
        5.0,
        "utility",
        ASSUMPTION,
        "technology is less reversible than food or energy (seok-7); conventional least",
    )
    irreversibility_missile: float = param(
        1.0, 0.0, 5.0, "utility", ASSUMPTION, "ballistic-missile technology"
    )
    irreversibility_nuclear: float = param(
        2.0, 0.0, 10.0, "utility", ASSUMPTION, "nuclear technology is the least reversible"
    )
    postwar_liability: float = param(
        0.5,
        0.0,
        2.0,
        "share of leverage",
        ASSUMPTION,
        "after the war Pyongyang 'may become more of a liability than an asset' (seok-2)",
    )
    earned_reward_deployed: int = param(
        1,
        0,
        4,
        "reward rung",
        "seok-4",
        note="troops raise Pyongyang's expectations for a reward 'even higher': while they fight Moscow pays at least food, energy and cash",
    )
    earned_reward_reinforced: int = param(
        2,
        0,
        4,
        "reward rung",
        "seok-4",
        note="a reinforced contingent earns conventional military technology",
    )
    hawks_prevail: float = param(
        0.5,
        0.0,
        1.0,
        "probability per world",
        ASSUMPTION,
        "whether the hawks' reading that indirect supply is direct (asmolov-18) prevails in Moscow: an even chance, drawn once per world",
    )
    sanctions_signal: float = param(
        0.2,
        0.0,
        2.0,
        "hostility signal",
        ASSUMPTION,
        "Seoul 'has joined the anti-Russian sanctions' (asmolov-2): hostility even at non-lethal rungs",
    )
    defensive_signal: float = param(
        0.35,
        0.0,
        2.0,
        "hostility signal",
        ASSUMPTION,
        "defensive weapons anger Moscow, short of its red line",
    )
    troops_signal: float = param(
        1.5, 0.0, 3.0, "hostility signal", ASSUMPTION, "troops are more than weapons"
    )
    distrust_weight: float = param(
        1.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "mutual distrust builds up and comes to a head (asmolov-24): months of Seoul's weapons accumulate",
    )
    distrust_memory: float = param(
        0.9,
        0.0,
        1.0,
        "fraction kept per month",
        ASSUMPTION,
        "distrust fades slowly: a tenth a month",
    )
    collapse_loss: float = param(
        2.5,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "what Moscow loses with relations severed (asmolov-13): the largest loss on its posture ladder",
    )
    hostile_loss: float = param(
        1.2,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "hostile measures cost Moscow part of its relations with Seoul",
    )
    warnings_loss: float = param(
        0.2,
        0.0,
        10.0,
        "utility",
        ASSUMPTION,
        "warnings cost Moscow little in its relations with Seoul",
    )


class Pyongyang(_Group):
    troops_deployed: int = param(
        1, 0, 2, "level (0 none, 1 deployed, 2 reinforced)", "seok-5,seok-8"
    )
    treaty_ratified: bool = param(True, None, None, "switch", "seok-5")
    shells_per_month: float = param(
        350000.0,
        0.0,
        2e6,
        "shells per month",
        "seok-3",
        note="about 8 million shells over the 23 months since January 2023",
    )
    max_shells_per_month: float = param(
        600000.0,
        0.0,
        5e6,
        "shells per month",
        ASSUMPTION,
        "production and rail capacity cap; above the observed pace",
    )
    shells_supplied: float = param(8.0e6, 0.0, 5e7, "shells to date", "seok-3")
    value_per_shell: float = param(
        450.0,
        212.0,
        688.0,
        "US dollars per shell",
        "seok-3",
        note="$1.7-5.5 bn for 8 million shells gives $212-688; midpoint",
    )
    gdp_bn: float = param(29.0, 1.0, 100.0, "US$ bn", "seok-3")
    indebt_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Kim wants Putin indebted before the war ends (seok-2); the weight itself is a judgement",
    )
    reciprocity_weight: float = param(
        1.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "troops raise expectations of reward (seok-4); the weight itself is a judgement",
    )
    casualty_weight: float = param(
        2.0, 0.0, 20.0, "utility", ASSUMPTION, "combat losses restrain further deployments"
    )
    provocation_weight: float = param(
        1.5,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Russian support could embolden provocations (seok-6); the weight itself is a judgement",
    )
    provocation_restraint: float = param(
        2.5, 0.0, 20.0, "utility", ASSUMPTION, "provocations are occasional, not monthly"
    )
    postwar_leverage: float = param(
        0.3,
        0.0,
        1.0,
        "fraction",
        ASSUMPTION,
        "after the war Pyongyang may become more liability than asset (seok-2); 0.3 is a judgement",
    )
    change_cost: float = param(
        2.0,
        0.0,
        20.0,
        "utility per step",
        ASSUMPTION,
        "deployments and shipments change in steps, not every month",
    )
    retreat_cost: float = param(
        3.0,
        0.0,
        20.0,
        "utility per step down",
        ASSUMPTION,
        "bringing troops home mid-war wastes what they earned (seok-2)",
    )
    shipment_step: float = param(
        0.25, 0.01, 1.0, "fraction", ASSUMPTION, "shipments change by about a quarter in a month"
    )
    capacity_strain_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "running the arms industry near capacity costs an impoverished economy (seok-3)",
    )
    postwar_shipment_cost: float = param(
        3.0, 0.0, 20.0, "utility", ASSUMPTION, "no buyer for shells after a ceasefire"
    )
    postwar_troop_cost: float = param(
        5.0, 0.0, 20.0, "utility", ASSUMPTION, "troops come home when the war ends"
    )
    leverage_troop_share: float = param(
        0.5,
        0.0,
        1.0,
        "share of leverage",
        ASSUMPTION,
        "troops and shells each give half of Pyongyang's leverage (seok-7)",
    )
    debt_saturation: float = param(
        0.2,
        0.01,
        1.0,
        "supplies over GDP",
        ASSUMPTION,
        "supplies worth a fifth of GDP (seok-3: $1.7-5.5 bn of $29 bn) give full leverage",
    )
    patience_months: int = param(
        9,
        1,
        36,
        "months",
        ASSUMPTION,
        "troops stay unless Moscow's reward falls short of what they earned for about half a year",
    )
    treaty_backing: float = param(
        0.3,
        0.0,
        2.0,
        "backing",
        ASSUMPTION,
        "the treaty's mutual assistance clause emboldens provocations (seok-6)",
    )
    troop_backing: float = param(
        0.2,
        0.0,
        2.0,
        "backing per troop level",
        ASSUMPTION,
        "troops in Russia deepen the backing Pyongyang counts on",
    )


class Nato(_Group):
    pressure: float = param(
        0.5,
        0.0,
        1.0,
        "intensity (0-1)",
        ASSUMPTION,
        "welcomes 'any serious support'; Kuleba asks for Patriots (asmolov-10, asmolov-7); the intensity itself is a judgement",
    )
    initial_rung: int = param(
        2,
        0,
        3,
        "rung (0-3)",
        "asmolov-21,seok-9",
        note="NATO already shares intelligence with Seoul on North Korean weapons (asmolov-21) and Yoon and the NIS consult NATO (seok-9)",
    )
    shortage_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "Ukraine faces an artillery shortage (asmolov-8); the weight itself is a judgement",
    )
    escalation_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "DPRK troops prompted NATO-Seoul talks within days (seok-9); the weight itself is a judgement",
    )
    restraint_weight: float = param(
        2.0,
        0.0,
        20.0,
        "utility",
        ASSUMPTION,
        "allies avoid pressing a partner constrained at home (asmolov-10: 'any serious support')",
    )
    change_cost: float = param(
        2.0, 0.0, 20.0, "utility per rung moved", ASSUMPTION, "alliance pressure shifts over months"
    )
    retreat_cost: float = param(
        3.0,
        0.0,
        20.0,
        "utility per rung moved down",
        ASSUMPTION,
        "allies do not drop requests once made",
    )
    provocation_signal: float = param(
        0.3,
        0.0,
        2.0,
        "escalation",
        ASSUMPTION,
        "a provocation adds to the case NATO makes to Seoul",
    )


class War(_Group):
    ceasefire_hazard: float = param(
        0.02,
        0.0,
        1.0,
        "probability per month",
        ASSUMPTION,
        "no source gives odds of a ceasefire; 2% a month is about 38% over two years",
    )
    ukraine_shortage: float = param(
        0.7,
        0.0,
        1.0,
        "severity (0-1)",
        ASSUMPTION,
        "'a critical stage' with an artillery shortage (asmolov-8); the severity itself is a judgement",
    )
    ceasefire_damping: float = param(
        0.8,
        0.0,
        1.0,
        "fraction",
        ASSUMPTION,
        "after a ceasefire most of the wartime pull on Seoul and NATO goes away",
    )


class Parameters(BaseModel):
    """All model parameters; the top-level keys are the actor groups."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    decision: Decision = Field(default_factory=Decision)
    seoul: Seoul = Field(default_factory=Seoul)
    moscow: Moscow = Field(default_factory=Moscow)
    pyongyang: Pyongyang = Field(default_factory=Pyongyang)
    nato: Nato = Field(default_factory=Nato)
    war: War = Field(default_factory=War)


# ``horizon_months`` is a top-level scenario key, not inside ``parameters``, but it
# is addressed by the same dotted-name machinery everywhere.
HORIZON = "horizon_months"
MAX_HORIZON = 120
MAX_REPS = 200_000
MAX_CELLS = 10_000_000  # replications x months held in one in-memory result
MAX_SEED = 2**63 - 1  # seeds are 63-bit so that every one fits a signed 64-bit integer


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Any
    unit: str
    lo: Any
    hi: Any
    source: str
    why: str
    note: str
    kind: type
    tier: str = "constraint"

    @property
    def advanced(self) -> bool:
        return self.tier == "advanced"

    @property
    def is_assumption(self) -> bool:
        return self.source == ASSUMPTION

    @property
    def excerpt_ids(self) -> list[str]:
        return [] if self.is_assumption else [s.strip() for s in self.source.split(",")]

    def allowed(self) -> str:
        if self.kind is bool:
            return "true or false"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} from {self.lo} to {self.hi} ({self.unit})"


def _bounds(info):
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
    return lo, hi


def _specs() -> dict[str, ParamSpec]:
    specs = {
        HORIZON: ParamSpec(
            HORIZON,
            24,
            "months",
            1,
            MAX_HORIZON,
            ASSUMPTION,
            "both documents look at the coming months to two years",
            "",
            int,
        ),
    }
    for group, ginfo in Parameters.model_fields.items():
        for name, info in ginfo.annotation.model_fields.items():
            extra = info.json_schema_extra or {}
            lo, hi = _bounds(info)
            if info.annotation is bool:
                lo, hi = False, True
            specs[f"{group}.{name}"] = ParamSpec(
                f"{group}.{name}",
                info.default,
                extra["unit"],
                lo,
                hi,
                extra["source"],
                extra["why"],
                extra["note"],
                info.annotation,
                extra["tier"],
            )
    return specs


SPECS: dict[str, ParamSpec] = _specs()


def get(params: Parameters, name: str):
    group, field = name.split(".")
    return getattr(getattr(params, group), field)


def flatten(params: Parameters) -> dict[str, Any]:
    """Dotted name -> value, in registry order."""
    return {name: get(params, name) for name in SPECS if name != HORIZON}


def nest(flat: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Dotted names -> the nested mapping the YAML files use."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in flat.items():
        group, field = name.split(".", 1)
        out.setdefault(group, {})[field] = value
    return out


class ParamView:
    """Parameter values as the model reads them, by group: ``view.seoul.approval``.

    Each value is the scenario's scalar, or, in a sweep that varies it, an array
    with one entry per replication. ``column=True`` shapes such arrays (R, 1) so
    they broadcast against (R x options) utility terms.
    """

    def __init__(
        self, params: Parameters, varying: dict[str, np.ndarray] | None = None, column: bool = False
    ):
        values = flatten(params)
        for name, arr in (varying or {}).items():
            values[name] = arr[:, None] if column else arr
        for group in Parameters.model_fields:
            setattr(
                self,
                group,
                SimpleNamespace(
                    **{
                        name.split(".", 1)[1]: v
                        for name, v in values.items()
                        if name.startswith(group + ".")
                    }
                ),
            )


def coerce_column(name: str, values) -> np.ndarray:
    """Per-replication values of one parameter, typed and range-checked like a scalar."""
    spec = SPECS[name]
    arr = np.asarray(values)
    if spec.kind is bool:
        arr = arr.astype(bool)
    elif spec.kind is int:
        arr = np.rint(arr).astype(np.int64)
    else:
        arr = arr.astype(np.float64)
    if spec.kind is not bool and ((arr < spec.lo).any() or (arr > spec.hi).any()):
        from .errors import InputError

        raise InputError(
            f"values from {arr.min()} to {arr.max()}", field=name, allowed=spec.allowed()
        )
    return arr
