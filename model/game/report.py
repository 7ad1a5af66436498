"""The after-action report: what was played, what bound, and how it compares with the ensemble.

Built from the game's own log (the model's reasons at each turn) and from a
direct `simulate` from the same start, so every figure can be re-derived.
"""

from __future__ import annotations

import html

import markdown as md

from .. import words
from ..agents import MOSCOW_POSTURES, MOSCOW_REWARDS, NATO_RUNGS, RULES, SEOUL_RUNGS, TROOP_LEVELS
from ..narrative import describe_turn, report_lines, report_moves
from ..outcomes import OUTCOMES
from ..simulation import simulate
from ..words import ACTOR_NAMES
from .engine import Game

ENSEMBLE_REPS = 2000


def game_outcomes(game: Game) -> dict[str, bool]:
    """Which outcomes the played world reached (the model's own trackers, replication 0)."""
    first = game.world.first
    return {name: bool(first[name][0] >= 0) for name in OUTCOMES}


def ensemble(game: Game, reps: int = ENSEMBLE_REPS) -> dict[str, float]:
    """The model on its own from the game's start, over the months played."""
    months = max(1, len(game.turns))
    res = simulate(game.scenario, reps=reps, seed=game.seed, months=months)
    o = res.outcomes
    return {k: float(o[k].mean()) for k in OUTCOMES} | {"reps": reps, "months": months}


def build(game: Game, reps: int = ENSEMBLE_REPS) -> dict:
    """The report's content as data; `to_markdown` and `to_html` render it.

    Each month is told by `model.narrative` (the same story `redline play` and the Game
    page tell): the timeline's moves by `report_moves`, the decisive turns by
    `report_lines`.
    """
    timeline, decisive, bound, path = [], [], {}, []
    for i, log in enumerate(game.log[: len(game.turns)]):
        story = describe_turn(game, i)
        month = story.month
        votes = [v.text[:1].upper() + v.text[1:] for v in story.votes]
        timeline.append(
            {
                "month": month,
                "injects": list(story.injects),
                "moves": report_moves(story),
                "votes": votes,
            }
        )
        what = report_lines(story)
        if what:
            decisive.append({"month": month, "what": what})
        for d in log["decisions"]:
            if d["actor"] == "seoul" or d["player"]:
                for option, rules in d["blocked"].items():
                    for r in rules:
                        bound.setdefault(r, []).append((month, ACTOR_NAMES[d["actor"]], option))
            if d["player"]:
                p_model = d["probabilities"].get(d["requested"], 0.0)
                path.append(
                    {
                        "month": month,
                        "actor": ACTOR_NAMES[d["actor"]],
                        "decision": words.decision(d["decision"]).what,
                        "player": d["requested"],
                        "result": d["chosen"],
                        "model": d["model_choice"],
                        "model_odds_of_player_move": p_model,
                    }
                )
    outcome = game_outcomes(game)
    ens = ensemble(game, reps) if game.turns else {}
    return {
        "scenario": game.scenario.name,
        "seed": game.seed,
        "seats": game.seats,
        "months": [t["month"] for t in game.turns],
        "finished": game.finished,
        "timeline": timeline,
        "decisive": decisive,
        "bound": bound,
        "path": path,
        "outcome": outcome,
        "ensemble": ens,
        "state": game.state(),
    }


def comparison_sentences(rep: dict) -> list[str]:
    out = []
    ens = rep["ensemble"]
    if not ens:
        return ["No turn has been played yet."]
    for key, o in OUTCOMES.items():
        label = o.meaning  # it begins with a name or an article: no case change
        happened = rep["outcome"][key]
        out.append(
            f"{o.label}: your game {'reached' if happened else 'avoided'} it ({label}); the model reaches it in "
            f"{ens[key]:.0%} of {ens['reps']:,} worlds from this start over the same "
            f"{ens['months']} months."
        )
    return out


def to_markdown(rep: dict) -> str:
    seats = ", ".join(f"{ACTOR_NAMES[k]}: {v}" for k, v in rep["seats"].items())
    lines = [
        f"# After-action report: {rep['scenario']}",
        "",
        f"Seed {rep['seed']}; seats {seats}; "
        f"{len(rep['months'])} month(s) played"
        + (f" ({rep['months'][0]} to {rep['months'][-1]})" if rep["months"] else "")
        + ("; game finished." if rep["finished"] else "; game in progress."),
        "",
        "## Where the game ended against the ensemble",
        "",
    ]
    lines += [f"- {x}" for x in comparison_sentences(rep)]
    lines += ["", "## Timeline", "", "| month | injects | moves | Assembly |", "|---|---|---|---|"]
    for t in rep["timeline"]:
        lines.append(
            f"| {t['month']} | {'; '.join(t['injects']) or '-'} | "
            f"{'; '.join(t['moves']) or 'all hold'} | {'; '.join(t['votes']) or '-'} |"
        )
    lines += ["", "## Decisive turns", ""]
    lines += [f"- **{d['month']}**: {'; '.join(d['what'])}" for d in rep["decisive"]] or ["- none"]
    lines += [
        "",
        "## Constraints that bound",
        "",
        "| rule | lifted by | evidence | months it blocked an option |",
        "|---|---|---|---|",
    ]
    for rule, hits in sorted(rep["bound"].items(), key=lambda kv: -len(kv[1])):
        months = sorted({m for m, _, _ in hits})
        span = f"{months[0]} to {months[-1]}" if len(months) > 1 else months[0]
        w = words.rule(rule)
        source = RULES[rule][1] if rule in RULES else ""
        lines.append(
            f"| {w.blocks[:1].upper() + w.blocks[1:]} | {w.lift} | {source} | "
            f"{len(months)} ({span}) |"
        )
    lines += ["", "## The players' path against the model's own choices", ""]
    if rep["path"]:
        agree = sum(p["result"] == p["model"] for p in rep["path"])
        lines += [
            f"The players chose as the model would have in {agree} of {len(rep['path'])} "
            "decisions (same month, same world, same random draw).",
            "",
            "| month | seat | decision | player | result | model would have | model's odds of the player's move |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in rep["path"]:
            lines.append(
                f"| {p['month']} | {p['actor']} | {p['decision']} | {p['player']} | "
                f"{p['result']} | {p['model']} | {p['model_odds_of_player_move']:.0%} |"
            )
    else:
        lines.append("No player seats: the model played every actor.")
    st = rep["state"]
    lines += [
        "",
        "## Final state",
        "",
        f"Seoul: {SEOUL_RUNGS[st['seoul_rung']]}; Moscow: {MOSCOW_REWARDS[st['moscow_reward_rung']]}, "
        f"{MOSCOW_POSTURES[st['moscow_posture']]}; Pyongyang troops "
        f"{TROOP_LEVELS[st['pyongyang_troops']]}; NATO: {NATO_RUNGS[st['nato_rung']]}; "
        f"public opposition {st['public_opposition']:.1%}; stockpile "
        f"{st['stockpile_days']:.1f} days.",
        "",
    ]
    return "\n".join(lines)


def to_html(rep: dict) -> str:
    body = md.markdown(to_markdown(rep), extensions=["tables"])
    title = html.escape(f"After-action report: {rep['scenario']}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .5em}"
        "</style></head><body>" + body + "</body></html>\n"
    )
