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


def param(default, lo, hi, unit: str, source: str, why: str = "", note: str = ""):
    """A field with the metadata every parameter must carry.

    ``source`` is an excerpt id (or several, comma separated) or ``assumption``;
    ``why`` is required for assumptions and says why the value is plausible.
    ``note`` explains how a sourced value was derived from its excerpt.
    """
    extra = {"unit": unit, "source": source, "why": why, "note": note}
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
        1.0,
        0.0,
        20.0,
        "1/utility",
        ASSUMPTION,
        "logit precision: 0 is random choice, large is strict optimisation; 1 treats "
        "utility terms as log-odds, the usual quantal-response reference point",
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
        "Korean parties vote as blocs on security motions; 0.85 leaves room for "
        "the factional and pro-Ukrainian cross-currents asmolov-17 describes",
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
        2.0,
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
        2.5,
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
    opinion_noise: float = param(
        0.01,
        0.0,
        0.2,
        "share of public per month (sd)",
        ASSUMPTION,
        "month-to-month poll noise of about one point",
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
        1.5,
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
        2.5,
        0.0,
        20.0,
        "utility per rung moved",
        ASSUMPTION,
        "great-power posture and rewards change slowly, like Seoul's",
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
        note="Trust Fund and intelligence sharing already under way",
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
