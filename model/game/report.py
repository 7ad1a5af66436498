"""The after-action report: a debrief a class can discuss.

Built from the game's own log (the model's reasons at each turn) and from an
ensemble run from the game's start with the scenario plus every inject the
facilitator applied, in the month it was applied (custom parameter changes as
`set` injects), the model playing every seat. So the game can be placed in the
spread of what the same facilitated world does, and every figure re-derived.

A rule counts as having changed a decision only in a month where it blocked the
option the actor would otherwise have taken: a team's requested move, or the
model's own first choice before the rules (the option its weighing ranked
highest). A rule that only blocked options nobody wanted is not a constraint
that bound.

`build` gathers the content as data; `to_markdown` and `to_html` lay it out
(the HTML carries the charts as PNG); `charts` gives the same charts as Altair
objects for the Game page. Every month is told by `model.narrative`.
"""

from __future__ import annotations

import base64
import html
import inspect
import json
from collections.abc import Mapping
from copy import deepcopy

import markdown as md
import numpy as np

from .. import words
from ..agents import MOSCOW_POSTURES, MOSCOW_REWARDS, PROVOCATION, RULES, SEOUL_RUNGS
from ..model import RedlineModel
from ..narrative import LADDER_SERIES, OPTIONS, describe_month, report_lines, report_moves
from ..outcomes import HOSTILE, OUTCOMES, wilson
from ..parameters import SPECS
from ..scenario import Inject, Scenario, load_scenario, scenario_names
from ..simulation import simulate
from ..words import ACTOR_NAMES
from .engine import SEATS, Game
from .rooms import play_month

ENSEMBLE_REPS = 2000
MAX_QUESTIONS = 5

# The ladders the debrief follows month by month: series -> (actor, decision, labels).
LADDERS = {
    "seoul_rung": ("seoul", "assistance", SEOUL_RUNGS),
    "moscow_posture": ("moscow", "posture", MOSCOW_POSTURES),
    "moscow_reward_rung": ("moscow", "reward", MOSCOW_REWARDS),
}
# The same ladders' highest point over a run: ensemble counter -> series it tracks.
HIGHEST = {
    "seoul_max_rung": "seoul_rung",
    "moscow_max_posture": "moscow_posture",
    "moscow_max_reward_rung": "moscow_reward_rung",
}
HIGHEST_WORDS = {
    "seoul_rung": "Seoul's furthest assistance to Ukraine",
    "moscow_posture": "Moscow's harshest posture towards Seoul",
    "moscow_reward_rung": "Moscow's highest reward to Pyongyang",
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _months(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


# ---------------------------------------------------------------- the months in words


def custom_words(custom: Mapping, notes: list[str]) -> list[str]:
    """A month's custom inject in words: the facilitator's note and each parameter change.

    The game keeps a custom inject as a note ending in the changes by dotted name
    ("US shift: nato.pressure=0.9"); a reader gets "US shift — NATO's pressure becomes 0.9".
    """
    if not custom:
        return list(notes)
    heads = [n.rpartition(": ")[0] or n for n in notes]
    changes = ", ".join(
        f"{words.parameter(k)} becomes {_value(v)}" for k, v in custom.items() if k in SPECS
    )
    return [f"{'; '.join(heads) or 'Custom inject'} — {changes}"]


def story(game: Game, turn: int):
    """Turn `turn` (0-based) told by `model.narrative`, its custom inject in words."""
    t = game.turns[turn] if turn < len(game.turns) else {}
    w = game.world
    return describe_month(
        game.log[turn],
        w.series,
        w.first,
        0,
        t=turn,
        history=game.log[:turn],
        notes=custom_words(t.get("custom") or {}, t.get("notes") or []),
    )


def inject_words(inject: Inject) -> str:
    """One facilitator inject of the ensemble, in words, with its month."""
    if inject.type == "set":
        what = (
            f"{words.parameter(inject.parameter)} becomes {_value(inject.value)} ({inject.month})"
        )
        return f"{inject.note} — {what}" if inject.note else what
    return f"{words.inject(inject.model_dump())} ({inject.month})"


# ---------------------------------------------------------------- what the game reached


def game_outcomes(game: Game) -> dict[str, bool]:
    """Which outcomes the played world reached (the model's own trackers, replication 0)."""
    first = game.world.first
    return {name: bool(first[name][0] >= 0) for name in OUTCOMES}


def outcome_months(game: Game) -> dict[str, str | None]:
    """The month each outcome first held in the game ("at the start", or None if never)."""
    months = [t["month"] for t in game.turns]
    out = {}
    for name in OUTCOMES:
        f = int(game.world.first[name][0])
        out[name] = None if f < 0 else "at the start" if f == 0 else months[f - 1]
    return out


# ---------------------------------------------------------------- the facilitated ensemble


def facilitator_injects(game: Game) -> list[Inject]:
    """Every inject the facilitator applied, in the month it was applied; custom parameter
    changes as `set` injects from that month on."""
    out = []
    for turn in game.turns:
        month = turn["month"]
        for inj in turn.get("injects", []):
            out.append(Inject.model_validate({**inj, "month": month}))
        note = "; ".join(n.rpartition(": ")[0] or n for n in turn.get("notes") or [])
        for name, value in (turn.get("custom") or {}).items():
            out.append(
                Inject(month=month, type="set", parameter=name, value=float(value), note=note)
            )
    return out


def ensemble_scenario(game: Game) -> Scenario:
    """The game's scenario with the facilitator's injects scheduled as they were applied."""
    injects = [*game.scenario.injects, *facilitator_injects(game)]
    return game.scenario.model_copy(update={"injects": injects})


def _quantiles(values: np.ndarray) -> dict[str, list[float]]:
    q = np.quantile(values, [0.1, 0.5, 0.9], axis=1)
    return {"q10": q[0].tolist(), "median": q[1].tolist(), "q90": q[2].tolist()}


def ensemble(game: Game, reps: int = ENSEMBLE_REPS) -> dict:
    """The model playing every seat from the game's start, over the months played, in the
    facilitated world: each outcome's share of worlds with its Wilson 95% interval, where the
    game's highest ladder positions fall among the worlds', and the ladders' spread by month."""
    months = max(1, len(game.turns))
    res = simulate(ensemble_scenario(game), reps=reps, seed=game.seed, months=months)
    o = res.outcomes
    out = {k: float(o[k].mean()) for k in OUTCOMES} | {"reps": reps, "months": months}
    out["interval"] = {k: wilson(int(o[k].sum()), reps) for k in OUTCOMES}
    w = game.world
    reached = {  # the game's own highest points, the counters the ensemble keeps
        "seoul_max_rung": w.seoul.max_rung[0],
        "moscow_max_posture": w.moscow.max_posture[0],
        "moscow_max_reward_rung": w.moscow.max_reward[0],
    }
    highest = []
    for counter, series in HIGHEST.items():
        labels = LADDERS[series][2]
        mine = int(reached[counter])
        theirs = o[counter].to_numpy().astype(int)
        highest.append(
            {
                "series": series,
                "what": HIGHEST_WORDS[series],
                "game": labels[mine],
                "further": float((theirs > mine).mean()),
                "same": float((theirs == mine).mean()),
                "short": float((theirs < mine).mean()),
            }
        )
    out["highest"] = highest
    out["ladders"] = {
        key: _quantiles(res.series[key].astype(float)) | {"months": list(res.months)}
        for key in LADDERS
    }
    out["injects"] = [inject_words(e) for e in facilitator_injects(game)]
    return out


# ---------------------------------------------------------------- rules that changed decisions


class _Witness(RedlineModel):
    """The game's world replayed, noting each decision's first choice before the rules:
    the option with the highest utility among all options, blocked or not."""

    _TRACE = inspect.signature(RedlineModel.trace_decision)

    def __init__(self, *args, **kw):
        self.preferred: dict[int, dict[tuple[str, str], str]] = {}
        super().__init__(*args, **kw)

    def trace_decision(self, *args, **kw):
        super().trace_decision(*args, **kw)
        a = self._TRACE.bind(self, *args, **kw).arguments
        best = int(np.argmax(np.asarray(a["utility"])[0]))
        self.preferred.setdefault(self.t, {})[(a["actor"], a["decision"])] = a["options"][best]


def first_choices(game: Game) -> dict[int, dict[tuple[str, str], str]] | None:
    """Turn -> (actor, decision) -> the option the actor's weighing ranked first that month.

    The game is replayed through the model's public calls, as `Game` plays it; None if
    the replay does not reproduce the game's own choices (then only the teams' refused
    moves count as decisions a rule changed).
    """
    w = _Witness(game.scenario, 1, game.seed, trace=[0])
    try:
        for turn in game.turns:
            if turn.get("custom"):  # on top of the parameters as they stand, as the game does
                w.set_parameters(w.scenario.with_overrides(turn["custom"], "game").parameters)
            for inj in turn.get("injects", []):
                w.schedule(Inject.model_validate(inj))
            for seat, moves in turn.get("moves", {}).items():
                for decision, option in moves.items():
                    w.force(seat, decision, int(option))
            w.step()
    finally:
        w.release()

    def chosen(log):
        return [[(d["actor"], d["decision"], d["chosen"]) for d in e["decisions"]] for e in log]

    if chosen(w.log) != chosen(game.log[: len(game.turns)]):
        return None
    return w.preferred


def decisions_changed(game: Game, first: Mapping | None) -> list[dict]:
    """Every decision a rule changed: the option wanted was blocked, and by which rules."""
    out = []
    for t, entry in enumerate(game.log[: len(game.turns)]):
        for d in entry["decisions"]:
            if d["replication"] != 0:
                continue
            if d["player"]:
                wanted, who = d["requested"], "team"
            else:
                wanted, who = (first or {}).get(t, {}).get((d["actor"], d["decision"])), "model"
            blocked = d.get("blocked", {})
            if wanted is None or wanted == d["chosen"] or wanted not in blocked:
                continue
            for rule in blocked[wanted]:
                out.append(
                    {
                        "month": entry["month"],
                        "actor": d["actor"],
                        "decision": d["decision"],
                        "wanted": wanted,
                        "got": d["chosen"],
                        "rule": rule,
                        "who": who,
                    }
                )
    return out


# ---------------------------------------------------------------- rules the scenario changed


def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:,g}" if isinstance(v, (int, float)) else str(v)


def rule_changes(scenario: Scenario) -> dict:
    """What the game's scenario changed from its shipped version (or from the model's
    defaults, for a scenario that is not shipped): rules and figures, then model weights,
    start, horizon and scheduled injects."""
    if scenario.name in scenario_names():
        base, against = load_scenario(scenario.name), f"the shipped scenario {scenario.name}"
    else:
        base, against = Scenario(name=scenario.name), "the model's defaults"
    mine, theirs = scenario.flat_parameters(), base.flat_parameters()
    rows = []
    for name, value in mine.items():
        if value != theirs[name]:
            spec = SPECS[name]
            rows.append(
                {
                    "what": _cap(words.parameter(name)) if "." in name else "The horizon (months)",
                    "shipped": _value(theirs[name]),
                    "game": _value(value),
                    "rule": spec.tier == "constraint",
                }
            )
    rows.sort(key=lambda r: not r["rule"])
    if scenario.start != base.start:
        rows.insert(0, {"what": "The start", "shipped": base.start, "game": scenario.start})
    ours = [words.inject(e.model_dump()) + f" ({e.month})" for e in scenario.injects]
    shipped = [words.inject(e.model_dump()) + f" ({e.month})" for e in base.injects]
    return {
        "against": against,
        "rows": rows,
        "added": [e for e in ours if e not in shipped],
        "removed": [e for e in shipped if e not in ours],
    }


# ---------------------------------------------------------------- the report's content


def advice_history(game: Game) -> list[dict[str, dict]]:
    """Turn by turn, the model's advice for each player seat (`Game.advice`: the model's own
    odds of each option open to the seat, for the month as it was adjudicated, the other
    teams' moves that month known), by replaying the game."""
    replay = Game(game.scenario, game.seed, dict(game.seats), game.advice_visible)
    players = [s for s in SEATS if game.seats[s] == "player"]
    out = []
    for turn in game.turns:
        replay.pending = deepcopy({k: turn[k] for k in ("injects", "custom", "notes") if k in turn})
        moves = turn.get("moves", {})
        out.append(
            {
                s: replay.advice(s, {o: m for o, m in moves.items() if o != s})
                for s in players
                if s in moves
            }
        )
        play_month(replay, moves, [s for s in players if s not in moves])
    return out


def _turning_points(game: Game, months: dict, stories: list) -> list[dict]:
    """The moments a class will want to talk about, in the order they happened."""
    points = []
    injected_red = {
        t["month"]
        for t in game.turns
        for e in t.get("injects", [])
        if e["type"] == "technology_transfer" and (e.get("value") or 3) >= 3
    }
    st = game.world.series
    turn_of = {t["month"]: i for i, t in enumerate(game.turns)}

    def at(key, month):
        return int(st[key][turn_of[month], 0])

    if months["red_line_crossed"] not in (None, "at the start"):
        m = months["red_line_crossed"]
        how = "after the facilitator's inject" if m in injected_red else "by Moscow's own choice"
        points.append(
            {
                "month": m,
                "kind": "red line",
                "text": f"In {m} Moscow gave Pyongyang "
                f"{words.short_label(MOSCOW_REWARDS[at('moscow_reward_rung', m)])} ({how}), "
                "crossing Seoul's red line. What did Seoul do in answer, and what else could "
                "it have done?",
            }
        )
    for key, question in (
        (
            "weapons_supplied",
            "What made that month different from the one before, and could Seoul have waited?",
        ),
        (
            "lethal_aid",
            "Did Seoul's government have the public and the Assembly behind it, and what did "
            "Moscow make of it?",
        ),
    ):
        m = months[key]
        if m not in (None, "at the start"):
            label = words.short_label(SEOUL_RUNGS[at("seoul_rung", m)])
            first = "weapons" if key == "weapons_supplied" else "lethal aid"
            points.append(
                {
                    "month": m,
                    "kind": key,
                    "text": f"In {m} Seoul first sent {first} ({label}). {question}",
                }
            )
    for s in stories:
        failed = [v for v in s.votes if not v.passed]
        if failed:
            v = failed[0]
            what = (
                "kept the government's motion from the floor"
                if not v.tabled
                else f"voted the government's motion down, {v.yes} of 300 for"
            )
            points.append(
                {
                    "month": s.month,
                    "kind": "vote",
                    "text": f"In {s.month} the National Assembly {what}. What would the "
                    "government have needed to win it, and was it right to put the motion?",
                }
            )
            break
    if months["moscow_retaliated"] not in (None, "at the start"):
        m = months["moscow_retaliated"]
        posture = MOSCOW_POSTURES[max(HOSTILE, at("moscow_posture", m))]
        points.append(
            {
                "month": m,
                "kind": "hostility",
                "text": f"In {m} Moscow turned to {posture} against Seoul. Which moves "
                "provoked it, and did the players see it coming?",
            }
        )
    voted = {p["month"] for p in points if p["kind"] == "vote"}
    for s in stories:
        refused = [
            mv
            for mv in s.moves
            if mv.player
            and mv.refused_move
            and not (s.month in voted and all(words.rule(b.rule).vote for b in mv.refused))
        ]
        if refused:
            mv = refused[0]
            points.append(
                {
                    "month": s.month,
                    "kind": "refused",
                    "text": f"In {s.month} {mv.name}'s team asked for "
                    f"{words.short_label(mv.requested)} and was refused: "
                    f"{'; '.join(b.text for b in mv.refused) or 'the rules held it'}. Should "
                    "that rule bind, and would the team play differently knowing it?",
                }
            )
            break
    points.sort(key=lambda p: p["month"])
    return points


def _more_questions(rep: dict) -> list[str]:
    """Questions from the game as a whole, for a game with few turning points."""
    out = []
    ens = rep["ensemble"]
    if ens:
        gap = max(OUTCOMES, key=lambda k: abs(float(rep["outcome"][k]) - ens[k]))
        share, o = ens[gap], OUTCOMES[gap]
        if abs(float(rep["outcome"][gap]) - share) >= 0.25:
            if rep["outcome"][gap]:
                out.append(
                    f"This game reached '{o.label}' ({o.meaning}), which only {share:.0%} of "
                    "the worlds the model played from the same start did. What pushed it there?"
                )
            else:
                out.append(
                    f"'{o.label}' ({o.meaning}) happened in {share:.0%} of the worlds the model "
                    "played from the same start, but not in this game. What kept it off that path?"
                )
    if rep["bound"]:
        rule = max(rep["bound"], key=lambda r: len(rep["bound"][r]))
        n = len({h["month"] for h in rep["bound"][rule]})
        out.append(
            f"One rule changed decisions in {_months(n)}: {words.rule(rule).blocks}. "
            "What would the game have looked like without it, and who would want it lifted?"
        )
    disagree = [p for p in rep["path"] if not p["took_advice"]]
    if disagree:
        p = disagree[0]
        out.append(
            f"In {p['month']} {p['actor']}'s team chose {words.short_label(p['player'])} where "
            f"the model favoured {words.short_label(p['advice'])}. Whose reasoning holds up?"
        )
    out.append(
        "Which constraint on Seoul — public opinion, the Assembly, the stockpile or the "
        "step-by-step doctrine — mattered most in this game, and why?"
    )
    if not rep["outcome"]["red_line_crossed"]:
        out.append(
            "What would Moscow have needed to see before giving Pyongyang missile or nuclear "
            "technology, and could Seoul have done anything to prevent it?"
        )
    out.append(
        "If your team could lift one rule for one month, which would it be, and what would "
        "you have done with that month?"
    )
    return out


def _seat_section(game: Game, seat: str, stories: list, changed: list, path: list, teams) -> dict:
    """One actor's game: who held it, its course, refusals, binding rules and the advice."""
    holder = game.seats[seat]
    absent = [t["month"] for t in game.turns if holder == "player" and seat not in t["moves"]]
    team = (teams or {}).get(seat) or ""
    held = f"held by a team{f' ({team})' if team else ''}" if holder == "player" else "the model"
    # (month, move) for each of this actor's decisions, month by month
    moves = [(s.month, m) for s in stories for m in s.moves if m.actor == seat]
    course = []
    series = game.world.series
    for key, (actor, decision) in LADDER_SERIES.items():
        if actor != seat or not moves:
            continue  # the ladder's positions month by month, injects' jumps included
        labels = OPTIONS[actor][decision]
        first = next(m for _, m in moves if m.decision == decision)
        before, steps = labels.index(first.start), []
        for t, month in enumerate(s.month for s in stories):
            now = int(series[key][t, 0])
            if now != before:
                steps.append(f"{words.short_label(labels[now])} in {month}")
            before = now
        what, start = _cap(words.decision(decision).what), words.short_label(first.start)
        course.append(
            f"{what}: from {start} to " + ", then ".join(steps)
            if steps
            else f"{what}: held at {start} throughout"
        )
    provoked = [
        month for month, m in moves if m.decision == "provocation" and m.end == PROVOCATION[1]
    ]
    if provoked:
        course.append("Military provocations on the Peninsula in " + ", ".join(provoked))
    refused = [f"{month}: {m.refusal}" for month, m in moves if m.refused_move]
    rules: dict[str, set] = {}
    for c in changed:
        if c["actor"] == seat:
            rules.setdefault(c["rule"], set()).add(c["month"])
    bound = [
        f"{_cap(words.rule(r).blocks)} ({', '.join(sorted(ms))}; lifted by {words.rule(r).lift})"
        for r, ms in rules.items()
    ]
    mine = [p for p in path if p["seat"] == seat]
    took = sum(p["took_advice"] for p in mine)
    return {
        "seat": seat,
        "name": ACTOR_NAMES[seat],
        "held": held,
        "course": course,
        "refused": refused,
        "bound": bound,
        "advice": f"took the model's advice in {took} of {len(mine)} decisions" if mine else "",
        "absent": absent,
    }


def build(game: Game, reps: int = ENSEMBLE_REPS, teams: Mapping[str, str] | None = None) -> dict:
    """The report's content as data; `to_markdown` and `to_html` render it.

    Each month is told by `model.narrative` (the same story `redline play` and the Game
    page tell). `teams` names the team holding each seat, where a room knows it.
    """
    played = len(game.turns)
    stories = [story(game, i) for i in range(played)]
    timeline, decisive = [], []
    for month in stories:
        timeline.append(
            {
                "month": month.month,
                "injects": list(month.injects),
                "moves": report_moves(month),
                "votes": [_cap(v.text) for v in month.votes],
            }
        )
        what = report_lines(month)
        if what:
            decisive.append({"month": month.month, "what": what})
    first = first_choices(game) if played else {}
    changed = decisions_changed(game, first)
    bound: dict[str, list[dict]] = {}
    for c in changed:
        bound.setdefault(c["rule"], []).append(c)
    path = []
    offered = advice_history(game) if played else []
    for t, entry in enumerate(game.log[:played]):
        for d in entry["decisions"]:
            if d["replication"] == 0 and d["player"]:
                dist = offered[t].get(d["actor"], {}).get(d["decision"]) or {d["chosen"]: 1.0}
                advice = max(dist, key=dist.get)
                path.append(
                    {
                        "month": entry["month"],
                        "seat": d["actor"],
                        "actor": ACTOR_NAMES[d["actor"]],
                        "decision": words.decision(d["decision"]).what,
                        "player": d["requested"],
                        "result": d["chosen"],
                        "model": d["model_choice"],
                        "advice": advice,
                        "advice_odds": float(dist[advice]),
                        "took_advice": d["requested"] == advice,
                        "advice_odds_of_player_move": float(dist.get(d["requested"], 0.0)),
                        "model_odds_of_player_move": float(
                            d["probabilities"].get(d["requested"], 0.0)
                        ),
                    }
                )
    months = outcome_months(game)
    rep = {
        "scenario": game.scenario.name,
        "seed": game.seed,
        "seats": dict(game.seats),
        "teams": dict(teams or {}),
        "months": [t["month"] for t in game.turns],
        "finished": game.finished,
        "rules_changed": rule_changes(game.scenario),
        "timeline": timeline,
        "decisive": decisive,
        "bound": bound,
        "first_choices_known": first is not None,
        "path": path,
        "outcome": game_outcomes(game),
        "outcome_month": months,
        "ensemble": ensemble(game, reps) if played else {},
        "state": game.state(),
        "standing": [f"{s.name}: {s.text}" for s in stories[-1].state] if stories else [],
        "paths": {k: game.world.series[k][:played, 0].astype(int).tolist() for k in LADDERS},
    }
    rep["seat_sections"] = [_seat_section(game, s, stories, changed, path, teams) for s in SEATS]
    points = [p["text"] for p in _turning_points(game, months, stories)]
    if len(points) > MAX_QUESTIONS:  # keep the first and the latest turning points
        points = points[:2] + points[-(MAX_QUESTIONS - 2) :]
    for extra in _more_questions(rep):
        if len(points) >= 3:
            break
        points.append(extra)
    rep["questions"] = points if played else []
    return rep


# ---------------------------------------------------------------- sentences


def comparison_sentences(rep: dict) -> list[str]:
    """Each outcome: whether the game reached it, and how often the ensemble does."""
    ens = rep["ensemble"]
    if not ens:
        return ["No turn has been played yet."]
    out = []
    for key, o in OUTCOMES.items():
        when = rep["outcome_month"][key]
        happened = (
            "this game reached it at the start"
            if when == "at the start"
            else f"this game reached it in {when}"
            if when
            else "this game avoided it"
        )
        low, high = ens["interval"][key]
        out.append(
            f"{o.label} ({o.meaning}): {happened}; the model reaches it in {ens[key]:.0%} of "
            f"{ens['reps']:,} worlds (95% interval {low:.0%} to {high:.0%})."
        )
    return out


def outcome_rows(rep: dict) -> list[list[str]]:
    """Each outcome: what it means, when the game reached it, the worlds' share."""
    ens, rows = rep["ensemble"], []
    for key, o in OUTCOMES.items():
        when = rep["outcome_month"][key]
        low, high = ens["interval"][key]
        rows.append(
            [
                f"{o.label}: {o.meaning}",
                f"reached {'at the start' if when == 'at the start' else 'in ' + when}"
                if when
                else "avoided",
                f"{words.chance(ens[key])} ({words.chance(low)} to {words.chance(high)})",
            ]
        )
    return rows


def spread_sentences(rep: dict) -> list[str]:
    """Where the game's highest ladder positions fall among the ensemble's worlds."""
    ens = rep["ensemble"]
    out = []
    for h in ens.get("highest", []):
        out.append(
            f"{h['what']} in this game: {words.short_label(h['game'])}. "
            f"{h['further']:.0%} of worlds went further, {h['same']:.0%} as far, "
            f"{h['short']:.0%} stopped short."
        )
    return out


def ensemble_intro(rep: dict) -> str:
    ens = rep["ensemble"]
    injects = ens.get("injects") or []
    what = (
        "with the facilitator's injects in the months they were applied ("
        + "; ".join(injects)
        + ")"
        if injects
        else "with no facilitator injects"
    )
    return (
        f"The ensemble: {ens['reps']:,} worlds from the game's start over the same "
        f"{_months(ens['months'])}, {what}, the model playing every seat."
    )


# ---------------------------------------------------------------- charts


def charts(rep: dict) -> dict:
    """The debrief's charts as Altair charts (the Game page shows them; the HTML report
    embeds them as PNG): each ladder, the game's path against the ensemble's 10-90% band and
    median; and each outcome's share of worlds beside what the game reached."""
    import altair as alt
    import pandas as pd

    ens = rep["ensemble"]
    if not ens:
        return {}
    out = {}
    for key, (actor, decision, labels) in LADDERS.items():
        band = ens["ladders"][key]
        frame = pd.DataFrame(
            {
                "month": band["months"],
                "q10": band["q10"],
                "median": band["median"],
                "q90": band["q90"],
                "game": rep["paths"][key][: len(band["months"])],
            }
        )
        short = [words.short_label(x) for x in labels]
        axis = alt.Axis(
            values=list(range(len(labels))),
            labelExpr=f"{json.dumps(short)}[datum.value]",
            title=None,
            labelLimit=260,
        )
        y = alt.Scale(domain=[0, len(labels) - 1], nice=False)
        base = alt.Chart(frame).encode(x=alt.X("month:O", sort=None, title=None))
        title = f"{ACTOR_NAMES[actor]}'s {words.decision(decision).what}"
        out[title] = alt.layer(
            base.mark_area(opacity=0.25, color="#56B4E9", interpolate="step-after").encode(
                y=alt.Y("q10:Q", scale=y, axis=axis), y2="q90:Q"
            ),
            base.mark_line(color="#0072B2", strokeDash=[5, 4], interpolate="step-after").encode(
                y=alt.Y("median:Q", scale=y)
            ),
            base.mark_line(
                color="#D55E00",
                strokeWidth=3,
                interpolate="step-after",
                point=alt.OverlayMarkDef(color="#D55E00", size=50),
            ).encode(
                y=alt.Y("game:Q", scale=y),
                tooltip=["month", alt.Tooltip("game:Q", title="this game")],
            ),
        ).properties(
            title=alt.TitleParams(
                title,
                subtitle="orange: this game · band: 80% of worlds · dashed: the median world",
            ),
            width=560,
            height=220,
        )
    rows = [
        {
            "outcome": o.label,
            "share of worlds": ens[k],
            "this game": "reached" if rep["outcome"][k] else "avoided",
        }
        for k, o in OUTCOMES.items()
    ]
    frame = pd.DataFrame(rows)
    bars = alt.Chart(frame).encode(
        y=alt.Y("outcome:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("share of worlds:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    )
    out["Outcomes against the ensemble"] = alt.layer(
        bars.mark_bar(color="#56B4E9"),
        bars.mark_text(align="left", dx=4).encode(
            text="this game:N",
            color=alt.Color(
                "this game:N",
                scale=alt.Scale(domain=["reached", "avoided"], range=["#D55E00", "#555555"]),
                legend=None,
            ),
        ),
    ).properties(
        title=alt.TitleParams(
            "Outcomes: share of worlds, and what this game did",
            subtitle=f"{ens['reps']:,} worlds from the same start with the same injects",
        ),
        width=480,
        height=30 * len(rows),
    )
    return out


def chart_pngs(rep: dict) -> dict[str, bytes] | None:
    """The charts as PNG (vl-convert); None when the dashboard extra is not installed."""
    try:
        import vl_convert as vlc

        specs = {name: chart.to_dict() for name, chart in charts(rep).items()}
    except ImportError:
        return None
    return {name: vlc.vegalite_to_png(spec, scale=1.5) for name, spec in specs.items()}


# ---------------------------------------------------------------- layouts


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    def cell(x) -> str:
        return str(x).replace("|", "/").replace("\n", " ")

    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(cell(x) for x in r) + " |" for r in rows),
    ]


def _held(rep: dict, seat: str) -> str:
    if rep["seats"][seat] != "player":
        return "the model"
    team = rep["teams"].get(seat)
    return f"a team ({team})" if team else "a team"


def to_markdown(rep: dict, charts_note: str = "") -> str:
    seats = "; ".join(f"{ACTOR_NAMES[k]}: {_held(rep, k)}" for k in rep["seats"])
    lines = [
        f"# After-action report: {rep['scenario']}",
        "",
        f"Seed {rep['seed']}. Seats: {seats}. "
        f"{_months(len(rep['months']))} played"
        + (f" ({rep['months'][0]} to {rep['months'][-1]})" if rep["months"] else "")
        + ("; the game is finished." if rep["finished"] else "; the game is in progress."),
        "",
    ]
    changes = rep["rules_changed"]
    if changes["rows"] or changes["added"] or changes["removed"]:
        lines += [f"## What this game's scenario changed from {changes['against']}", ""]
        if changes["rows"]:
            lines += _table(
                ["what", changes["against"].removeprefix("the "), "this game"],
                [[r["what"], r["shipped"], r["game"]] for r in changes["rows"]],
            )
            lines.append("")
        lines += [f"- Scheduled inject added: {x}" for x in changes["added"]]
        lines += [f"- Scheduled inject removed: {x}" for x in changes["removed"]]
        if changes["added"] or changes["removed"]:
            lines.append("")
    lines += ["## Where the game sits among the worlds the model plays", ""]
    if rep["ensemble"]:
        lines += [ensemble_intro(rep), ""]
        lines += [f"- {x}" for x in spread_sentences(rep)]
        lines.append("")
        lines += _table(
            ["outcome", "this game", "share of worlds (95% interval)"], outcome_rows(rep)
        )
    else:
        lines.append("No month has been played yet.")
    if charts_note:
        lines += ["", charts_note]
    lines += ["", "## Questions for discussion", ""]
    lines += [f"{i}. {q}" for i, q in enumerate(rep["questions"], 1)] or ["No month played yet."]
    lines += ["", "## Turning points", ""]
    lines += [f"- **{d['month']}**: {'; '.join(d['what'])}" for d in rep["decisive"]] or ["- none"]
    lines += ["", "## Constraints that changed a decision", ""]
    if rep["bound"]:
        lines += [
            "A rule counts only in months where it blocked what the actor would otherwise "
            "have done: a team's requested move, or the model's own first choice.",
            "",
        ]
        rows = []
        for rule, hits in sorted(rep["bound"].items(), key=lambda kv: -len(kv[1])):
            w = words.rule(rule)
            stopped = "; ".join(
                f"{h['month']}: {ACTOR_NAMES[h['actor']]}'s team asked for "
                f"{words.short_label(h['wanted'])}"
                if h["who"] == "team"
                else f"{h['month']}: {ACTOR_NAMES[h['actor']]} (the model) would have chosen "
                f"{words.short_label(h['wanted'])}"
                for h in hits
            )
            source = RULES[rule][1] if rule in RULES else ""
            rows.append([_cap(w.blocks), stopped, w.lift, source])
        lines += _table(["rule", "what it stopped", "lifted by", "evidence"], rows)
    else:
        lines.append(
            "No rule stopped anyone doing what they wanted: every blocked option was one "
            "nobody would have chosen."
        )
    if not rep["first_choices_known"]:
        lines += [
            "",
            "(The model's own first choices could not be re-derived for this game; only the "
            "teams' refused moves are counted.)",
        ]
    lines += ["", "## The model's advice and the teams' moves", ""]
    if rep["path"]:
        took = sum(p["took_advice"] for p in rep["path"])
        departures = [p for p in rep["path"] if not p["took_advice"]]
        lines.append(
            "The model's advice is the option it gave the best odds for the seat that month, "
            "the other teams' moves known, as the game offered it. "
            f"The teams took it in {took} of {len(rep['path'])} decisions"
            + ("; where they did not:" if departures else ".")
        )
        if departures:
            lines.append("")
            lines += _table(
                ["month", "seat", "decision", "model's advice", "team's move", "result"],
                [
                    [
                        p["month"],
                        p["actor"],
                        p["decision"],
                        f"{words.short_label(p['advice'])} ({words.chance(p['advice_odds'])})",
                        f"{words.short_label(p['player'])} "
                        f"({words.chance(p['advice_odds_of_player_move'])})",
                        words.short_label(p["result"]),
                    ]
                    for p in departures
                ],
            )
    else:
        lines.append("No team held a seat: the model played every actor.")
    lines += ["", "## Seat by seat", ""]
    for s in rep["seat_sections"]:
        lines += [f"### {s['name']} ({s['held']})", ""]
        lines += [f"- {x}." for x in s["course"]]
        if s["advice"]:
            lines.append(f"- The team {s['advice']}.")
        if s["absent"]:
            lines.append(
                "- The model played for the team in "
                + ", ".join(s["absent"])
                + " (no move by the turn deadline)."
            )
        lines += [f"- Refused in {x}." for x in s["refused"]]
        if s["bound"]:
            lines.append("- Rules that changed its decisions: " + "; ".join(s["bound"]) + ".")
        lines.append("")
    lines += ["## Timeline", ""]
    lines += _table(
        ["month", "injects", "moves", "Assembly"],
        [
            [
                t["month"],
                "; ".join(t["injects"]) or "-",
                "; ".join(t["moves"]) or "all hold",
                "; ".join(t["votes"]) or "-",
            ]
            for t in rep["timeline"]
        ],
    )
    lines += ["", "## Where everyone stands", ""]
    lines += [f"- {x}." for x in rep["standing"]] or ["- as at the start"]
    lines.append("")
    return "\n".join(lines)


def to_html(rep: dict) -> str:
    """The report as one HTML file, its charts embedded as PNG."""
    pngs = chart_pngs(rep) if rep["ensemble"] else {}
    note = (
        "Charts need the dashboard extra: pip install 'redline[dashboard]'." if pngs is None else ""
    )
    body = md.markdown(to_markdown(rep, note), extensions=["tables"])
    if pngs:
        figures = "".join(
            f"<figure><img alt='{html.escape(name, quote=True)}' "
            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
            f"<figcaption>{html.escape(name)}</figcaption></figure>"
            for name, png in pngs.items()
        )
        marker = "<h2>Questions for discussion</h2>"
        body = body.replace(marker, figures + marker, 1)
    title = html.escape(f"After-action report: {rep['scenario']}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .5em}"
        "figure{margin:1em 0}img{max-width:100%}</style></head><body>" + body + "</body></html>\n"
    )


__all__ = [
    "build",
    "charts",
    "comparison_sentences",
    "ensemble",
    "ensemble_scenario",
    "decisions_changed",
    "first_choices",
    "rule_changes",
    "to_html",
    "to_markdown",
]
