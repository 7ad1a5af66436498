"""What a person reads for each parameter and for each field an error names.

The model names a parameter by its dotted path (``pyongyang.gdp_bn``): the one name of
links, YAML files and ``--set``. A seminar reads words ("North Korea's GDP (US$ bn)").
`LABELS` holds the words for every parameter (tests/test_dashboard_state.py fails,
naming it, when one is missing), `UNIT_WORDS` the few units that are model jargon,
and `error_text` tells an `InputError` with its field, and any parameter or inject path
in its message, in words (the dotted name kept in backticks where a person must find
it in a link or a file). Plain Python, no Streamlit.
"""

from __future__ import annotations

import re

from model import SPECS, InputError
from model.parameters import HORIZON, ParamSpec

# Each reads on its own (in the sidebar, a sweep's axis, an error): the actor is named
# where two actors have the same kind of parameter.
LABELS: dict[str, str] = {
    HORIZON: "Months simulated",
    "decision.rationality": "How closely every actor's choices follow their reasons",
    # Seoul: the documented constraints and the facts of the moment
    "seoul.initial_rung": "Seoul's assistance to Ukraine at the start",
    "seoul.public_opposition": "Public opposition to lethal aid",
    "seoul.public_support": "Public support for lethal aid",
    "seoul.approval": "Government approval rating",
    "seoul.assembly_opposition_seats": "Opposition seats in the National Assembly",
    "seoul.assembly_minor_opposition_seats": "Smaller opposition parties' seats",
    "seoul.assembly_approval_required": "Lethal aid needs National Assembly approval",
    "seoul.defensive_needs_approval": "Defensive weapons need National Assembly approval",
    "seoul.troops_need_approval": "Troops need National Assembly approval",
    "seoul.poll_troop_level": "North Korean troop level when the poll was taken",
    "seoul.min_stockpile_days": "Legal minimum shell stockpile",
    "seoul.step_by_step": "Step-by-step doctrine",
    "seoul.max_rungs_per_step": "Most rungs Seoul moves in a month",
    "seoul.troops_excluded": "No-troops pledge",
    "seoul.mood_reference_opposition": "Public opposition the domestic cost is measured from",
    "seoul.mood_reference_approval": "Approval the domestic cost is measured from",
    # Seoul: model weights
    "seoul.party_discipline": "Opposition parties' discipline in a vote",
    "seoul.ruling_discipline": "Ruling party's discipline in a vote",
    "seoul.opposition_party_threshold": "Public support the opposition waits for",
    "seoul.vote_cooldown_months": "Months before a lost vote can be tried again",
    "seoul.stockpile_days": "Shell stockpile at the start",
    "seoul.production_days_per_month": "Shell production",
    "seoul.transfer_days_indirect": "Shells sent through allies",
    "seoul.transfer_days_direct": "Shells sent directly",
    "seoul.wartime_shells_per_day": "Shells a day of war uses",
    "seoul.threat_weight": "Weight of the Russia-DPRK threat",
    "seoul.alliance_weight": "Weight of NATO and US requests",
    "seoul.global_role": "Pull of the Global Pivotal State vision",
    "seoul.domestic_cost_weight": "Weight of public opposition and low approval",
    "seoul.retaliation_weight": "Weight of Moscow's retaliation",
    "seoul.export_weight": "Weight of arms-export gains",
    "seoul.atrocity_weight": "Weight of an atrocity",
    "seoul.atrocity_memory_months": "Months an atrocity stays a justification",
    "seoul.change_cost": "Seoul's cost of changing course",
    "seoul.retreat_cost": "Seoul's cost of stepping back",
    "seoul.opinion_reversion": "How fast shocks to opinion fade",
    "seoul.opinion_shift_troops": "Opinion shift per North Korean troop level",
    "seoul.opinion_shift_atrocity": "Opinion shift after an atrocity",
    "seoul.opinion_shift_red_line": "Opinion shift when Seoul's red line is crossed",
    "seoul.opinion_backlash_lethal": "Opinion backlash after a lethal step",
    "seoul.level_non_lethal": "How far non-lethal support answers the threat",
    "seoul.level_defensive": "How far defensive weapons answer the threat",
    "seoul.level_indirect": "How far indirect lethal supply answers the threat",
    "seoul.level_offensive": "How far offensive weapons answer the threat",
    "seoul.domestic_cost_non_lethal": "Domestic cost of non-lethal support",
    "seoul.domestic_cost_defensive": "Domestic cost of defensive weapons",
    "seoul.domestic_cost_offensive": "Domestic cost of offensive weapons",
    "seoul.domestic_cost_troops": "Domestic cost of troops",
    "seoul.joining_war_cost": "Cost of being seen to join the war",
    "seoul.export_gain_defensive": "Export gain from defensive weapons",
    "seoul.export_gain_indirect": "Export gain from indirect supply",
    "seoul.retaliation_defensive": "Retaliation risk of defensive weapons",
    "seoul.retaliation_offensive": "Retaliation risk of offensive weapons",
    "seoul.retaliation_troops": "Retaliation risk of troops",
    "seoul.threat_troops": "Threat per North Korean troop level",
    "seoul.threat_technology": "Threat per rung of Moscow's reward to Pyongyang",
    "seoul.threat_red_line": "Threat once Seoul's red line is crossed",
    "seoul.threat_treaty": "Threat of the ratified Russia-DPRK treaty",
    "seoul.threat_combat_experience": "Threat of North Korean combat experience",
    "seoul.combat_experience_months": "Months of combat to full experience",
    "seoul.cooperation_per_rung": "Russia-DPRK cooperation Seoul answers per rung",
    "seoul.shortage_weight": "Pull of Ukraine's shortage on Seoul",
    "seoul.sanctions_breach_weight": "Weight of North Korea's breach of sanctions",
    "seoul.peninsula_caution": "Caution after a provocation on the Peninsula",
    "seoul.pragmatic_global_role": "Global Pivotal State pull on a pragmatic government",
    "seoul.pragmatic_relations_factor": "Value a pragmatic government puts on ties with Moscow",
    "seoul.pragmatic_threat_factor": "Threat a pragmatic government answers with assistance",
    "seoul.pragmatic_domestic_factor": "Heed a pragmatic government pays to opinion",
    "seoul.approval_cost_weapons": "Approval lost when weapons are first sent",
    "seoul.approval_cost_lethal": "Approval lost when lethal aid is first sent",
    "seoul.approval_reversion": "How fast approval recovers",
    "seoul.poll_noise": "Polls' sampling error",
    "seoul.opposition_pro_ukraine": "Chance a dissenting opposition member votes yes",
    "seoul.factional_weight": "Pull of refusing for factional reasons",
    "seoul.opposition_line_width": "How sharply the opposition's line turns",
    "seoul.floor_access": "Chance a contested motion reaches the floor",
    "seoul.opposition_security_weight": "Opposition's weight on a direct threat to Korea",
    "seoul.ratification_weight": "Weight of a motion's chance of passing",
    "seoul.ties_after_red_line": "Ties with Moscow left once Seoul's red line is crossed",
    "seoul.new_government_review_months": "Months a new government reviews commitments",
    "seoul.approved_at_start": "Highest rung approved at the start",
    # Moscow
    "moscow.initial_reward_rung": "Moscow's reward to Pyongyang at the start",
    "moscow.initial_posture": "Moscow's posture toward Seoul at the start",
    "moscow.indirect_counts_as_direct": "Moscow reads indirect supply as direct",
    "moscow.earned_reward_deployed": "Reward North Korea's deployed troops earn",
    "moscow.earned_reward_reinforced": "Reward a reinforced contingent earns",
    "moscow.indirect_weight": "How much indirect supply counts for Moscow",
    "moscow.tech_transfer_propensity": "Moscow's readiness to transfer technology",
    "moscow.leverage_weight": "Weight of Pyongyang's leverage on Moscow",
    "moscow.irreversibility_weight": "Weight of technology's irreversibility",
    "moscow.deterrence_weight": "Weight of not pushing Seoul over its red line",
    "moscow.red_line_weight": "Weight of Seoul crossing Moscow's red line",
    "moscow.relations_weight": "Weight of Moscow's relations with Seoul",
    "moscow.change_cost": "Moscow's cost of changing course",
    "moscow.reward_change_cost": "Moscow's cost of raising the reward",
    "moscow.retreat_cost": "Moscow's cost of softening",
    "moscow.reward_value_material": "Value of food, energy and cash to Pyongyang",
    "moscow.reward_value_conventional": "Value of conventional military technology",
    "moscow.reward_value_missile": "Value of ballistic-missile technology",
    "moscow.irreversibility_conventional": "Irreversibility of conventional technology",
    "moscow.irreversibility_missile": "Irreversibility of missile technology",
    "moscow.irreversibility_nuclear": "Irreversibility of nuclear technology",
    "moscow.postwar_liability": "Pyongyang's leverage on Moscow after a ceasefire",
    "moscow.hawks_prevail": "Chance Moscow's hawks prevail",
    "moscow.sanctions_signal": "Hostility Moscow reads in Seoul's sanctions",
    "moscow.defensive_signal": "Hostility Moscow reads in defensive weapons",
    "moscow.troops_signal": "Hostility Moscow reads in Seoul's troops",
    "moscow.distrust_weight": "Weight of Moscow's accumulated distrust",
    "moscow.distrust_memory": "Distrust Moscow keeps each month",
    "moscow.collapse_loss": "Moscow's loss if relations collapse",
    "moscow.hostile_loss": "Moscow's loss from hostile measures",
    "moscow.warnings_loss": "Moscow's loss from warnings",
    # Pyongyang
    "pyongyang.troops_deployed": "North Korean troops in Russia's war",
    "pyongyang.treaty_ratified": "Russia-DPRK treaty ratified",
    "pyongyang.shells_per_month": "North Korean shells to Russia",
    "pyongyang.shells_supplied": "North Korean shells supplied so far",
    "pyongyang.value_per_shell": "Value of a North Korean shell",
    "pyongyang.gdp_bn": "North Korea's GDP",
    "pyongyang.max_shells_per_month": "North Korea's shell capacity",
    "pyongyang.indebt_weight": "Weight of putting Moscow in Pyongyang's debt",
    "pyongyang.reciprocity_weight": "Weight of the reward Pyongyang expects",
    "pyongyang.casualty_weight": "Weight of North Korean combat losses",
    "pyongyang.provocation_weight": "Pull of Russian backing toward provocations",
    "pyongyang.provocation_restraint": "Restraint on provocations",
    "pyongyang.postwar_leverage": "Pyongyang's leverage after a ceasefire",
    "pyongyang.change_cost": "Pyongyang's cost of changing course",
    "pyongyang.retreat_cost": "Pyongyang's cost of stepping back",
    "pyongyang.shipment_step": "How much shell shipments change in a month",
    "pyongyang.capacity_strain_weight": "Cost of arms factories near capacity",
    "pyongyang.postwar_shipment_cost": "Cost of shipping shells after a ceasefire",
    "pyongyang.postwar_troop_cost": "Cost of troops abroad after a ceasefire",
    "pyongyang.leverage_troop_share": "Troops' share of Pyongyang's leverage",
    "pyongyang.debt_saturation": "Supplies that give Pyongyang full leverage",
    "pyongyang.patience_months": "Months troops wait for a reward that falls short",
    "pyongyang.treaty_backing": "Backing Pyongyang draws from the treaty",
    "pyongyang.troop_backing": "Backing Pyongyang draws per troop level",
    # NATO
    "nato.initial_rung": "NATO's pressure on Seoul at the start",
    "nato.pressure": "NATO's push on Seoul",
    "nato.shortage_weight": "Weight NATO gives Ukraine's ammunition shortage",
    "nato.escalation_weight": "Weight NATO gives North Korea's part in the war",
    "nato.restraint_weight": "NATO's respect for Seoul's limits",
    "nato.change_cost": "NATO's cost of changing course",
    "nato.retreat_cost": "NATO's cost of dropping a request",
    "nato.provocation_signal": "Alarm a provocation adds for NATO",
    # the war
    "war.ceasefire_hazard": "Monthly chance of a ceasefire",
    "war.ukraine_shortage": "Ukraine's shortage of arms",
    "war.ceasefire_damping": "How much a ceasefire quiets the pull to arm Ukraine",
}

# Units that are the model's jargon; the others are words already ("share of public").
UNIT_WORDS: dict[str, str] = {
    "switch": "",
    "1/utility": "precision",
    "utility": "weight",
    "utility per rung moved": "weight per rung moved",
    "utility per rung moved up": "weight per rung moved up",
    "utility per rung moved down": "weight per rung moved down",
    "utility per step": "weight per step",
    "utility per step down": "weight per step down",
    "log-odds": "weight",
    "log-odds per unit of threat": "weight per unit of threat",
    "supplies over GDP": "share of GDP",
}


def label(name: str) -> str:
    """A parameter in words: 'pyongyang.gdp_bn' -> "North Korea's GDP"."""
    if name in LABELS:
        return LABELS[name]
    field = name.split(".", 1)[-1].replace("_", " ")  # a new parameter still reads
    return field[:1].upper() + field[1:]


def unit(spec: ParamSpec) -> str:
    """The unit in words, without nested brackets ('rung (0-5)' -> 'rung, 0-5')."""
    words = UNIT_WORDS.get(spec.unit, spec.unit)
    return words.replace(" (", ", ").replace(")", "")


def with_unit(name: str) -> str:
    """The label with its unit, as a slider or an axis shows it: "North Korea's GDP (US$ bn)"."""
    words = unit(SPECS[name]) if name in SPECS else ""
    return f"{label(name)} ({words})" if words else label(name)


# ---------------------------------------------------------------- errors in words

# Longest names first, so 'seoul.retreat_cost' is not read inside a longer name.
_NAMES = sorted((n for n in SPECS if n != HORIZON), key=len, reverse=True)
_PARAMETER = re.compile(
    r"(?<![\w.`])(?:parameters\.)?(" + "|".join(re.escape(n) for n in _NAMES) + r")(?![\w`])"
)
_INJECT = re.compile(r"(?<![\w.`])injects\.(\d+)(?:\.(\w+))?(?![\w`])")
FILE_WORDS = {"URL": "Link", "dashboard": "", "sweep": "Sweep"}
# the run settings a link carries (reps, seed, scenario), with their key in the link
RUN_WORDS = {
    "reps": "Replications (`reps`)",
    "seed": "Seed (`seed`)",
    "scenario": "Scenario (`scenario`)",
}


def _inject(match: re.Match) -> str:
    number = int(match.group(1)) + 1
    part = (match.group(2) or "").replace("_", " ")
    return f"inject {number}'s {part}" if part else f"inject {number}"


def in_words(text: str, names: bool = True) -> str:
    """A message with its parameter names and inject paths in words (the keys of a file,
    such as horizon_months in a list of allowed keys, stay as a file has them).
    `names` keeps each parameter's dotted name after its words, in backticks, for a
    person who must find it in a link or a file."""
    text = _INJECT.sub(_inject, text)

    def parameter(match: re.Match) -> str:
        name = match.group(1)
        return f"{inline(label(name))} (`{name}`)" if names else inline(label(name))

    return _PARAMETER.sub(parameter, text)


PROPER = {
    "Seoul",
    "Moscow",
    "Pyongyang",
    "NATO",
    "North",
    "DPRK",
    "Russia-DPRK",
    "Ukraine",
    "Global",
}


def inline(words: str) -> str:
    """A label inside a sentence: 'Public opposition' -> 'public opposition', but
    "NATO's push" and 'North Korea's GDP' keep their capitals."""
    first = words.split(" ", 1)[0].removesuffix("'s")
    return words if first in PROPER else words[:1].lower() + words[1:]


def field_words(field: str | None) -> str | None:
    """The field an error names, in words ('injects.0.month' -> "inject 1's month")."""
    if not field:
        return None
    if field in SPECS:
        return f"{label(field)} (`{field}`)"
    if field in RUN_WORDS:
        return RUN_WORDS[field]
    text = in_words(field)
    if text == field and re.fullmatch(r"[\w.]+", field):
        return f"`{field}`"  # a key the model does not know: as it was written
    return text[:1].upper() + text[1:]


def error_text(exc: InputError) -> str:
    """One line for the page: where (the file, or the link), the field in words, what is
    wrong and what is allowed, with every name in it in words."""
    where = [FILE_WORDS.get(exc.file, exc.file) if exc.file else None, field_words(exc.field)]
    head = ": ".join(p for p in where if p)
    detail = in_words(exc.detail)
    text = f"{head}: {detail}" if head else detail[:1].upper() + detail[1:]
    if exc.allowed:
        text += f" (allowed: {in_words(exc.allowed)})"
    return text
