"""One replication told month by month: who did what, why, and which rule blocked what.

It reads the reasons the model kept for a traced replication (`simulate(trace=[i])`),
so the story is the model's own arithmetic, not a paraphrase of it.
"""

from __future__ import annotations

from .agents import MOSCOW_POSTURES, MOSCOW_REWARDS, NATO_RUNGS, RULES, SEOUL_RUNGS, TROOP_LEVELS
from .scenario import EVENT_TYPES
from .simulation import Result, simulate

ACTORS = {"pyongyang": "Pyongyang", "moscow": "Moscow", "nato": "NATO", "seoul": "Seoul"}


def explain(scenario, seed: int = 0, replication: int = 0, reps: int | None = None) -> list[str]:
    """Narrative lines for replication `replication` of a run with `reps` replications.

    Replication i here is replication i of `redline run` with the same seed and reps.
    """
    reps = reps if reps is not None else max(1000, replication + 1)
    result = simulate(scenario, reps=reps, seed=seed, trace=[replication])
    return narrate(result, replication)


def why(decision: dict, top: int = 2) -> str:
    """The terms that most favoured the chosen option over the runner-up, and most opposed it."""
    if not decision["runner_up"]:
        return "the only option the rules left"
    diff = {
        k: decision["terms_chosen"][k] - decision["terms_runner_up"].get(k, 0.0)
        for k in decision["terms_chosen"]
    }
    pro = [
        f"{k.replace('_', ' ')} {v:+.2f}"
        for k, v in sorted(diff.items(), key=lambda x: -x[1])
        if v > 0.005
    ][:top]
    con = [
        f"{k.replace('_', ' ')} {v:+.2f}"
        for k, v in sorted(diff.items(), key=lambda x: x[1])
        if v < -0.005
    ][:top]
    parts = [f"over '{decision['runner_up']}'"]
    if pro:
        parts.append("for: " + ", ".join(pro))
    if con:
        parts.append("against: " + ", ".join(con))
    return "; ".join(parts)


def verb(decision: dict) -> str:
    if decision["chosen"] == decision["from"]:
        return f"holds at {decision['chosen']}"
    return f"moves to {decision['chosen']}"


def narrate(result: Result, replication: int) -> list[str]:
    s = result.series
    lines = [
        f"{result.scenario.name}: replication {replication} of {result.reps} (seed {result.seed})",
        f"start {result.months[0]}, {len(result.months)} months",
        "",
    ]
    for t, month in enumerate(result.log):
        lines.append(f"{month['month']}")
        for ev in month["events"]:
            text = EVENT_TYPES[ev["type"]][0]
            value = f" (value {ev['value']:g})" if ev["value"] is not None else ""
            lines.append(f"  inject     {ev['note'] or text}{value}")
        if s["ceasefire"][t, replication] and (t == 0 or not s["ceasefire"][t - 1, replication]):
            lines.append("  war        ceasefire in Ukraine")
        mine = [d for d in month["decisions"] if d["replication"] == replication]
        for d in mine:
            if d["actor"] != "seoul" and d["chosen"] == d["from"]:
                continue  # other actors' holds show in the state line
            actor = ACTORS[d["actor"]]
            lines.append(f"  {actor:<10} {d['decision']}: {verb(d)} (p={d['probability']:.2f})")
            lines.append(f"  {'':<10}   why: {why(d)}")
            if d["actor"] == "seoul" and d["blocked"]:
                rungs = {name: i for i, name in enumerate(SEOUL_RUNGS)}
                lines.append(
                    f"  {'':<10}   blocked: "
                    + " | ".join(
                        f"rung {rungs[o]} by {', '.join(r)}" for o, r in d["blocked"].items()
                    )
                )
        for v in month["votes"]:
            if v["replication"] == replication:
                outcome = "passed" if v["passed"] else "failed"
                lines.append(
                    f"  Assembly   vote on lethal aid {outcome}: {v['yes']} of 300 for "
                    f"({v['opposition_seats']} opposition seats)"
                )
        i = replication
        shells = s["shells_transferred"][t, i]
        lines.append(
            f"  {'state':<10} Seoul rung {int(s['seoul_rung'][t, i])}, opposition "
            f"{s['public_opposition'][t, i]:.1%}, stockpile {s['stockpile_days'][t, i]:.1f} days"
            + (f", {shells:,.0f} shells sent" if shells > 0 else "")
            + f"; Moscow: {MOSCOW_REWARDS[s['moscow_reward_rung'][t, i]]}, "
            f"{MOSCOW_POSTURES[s['moscow_posture'][t, i]]}; Pyongyang: troops "
            f"{TROOP_LEVELS[s['pyongyang_troops'][t, i]]}, {s['pyongyang_shells'][t, i]:,.0f} "
            f"shells/month"
            + (", provocation" if s["pyongyang_provocation"][t, i] else "")
            + f"; NATO: {NATO_RUNGS[s['nato_rung'][t, i]]}"
        )
    out = result.outcomes.iloc[replication]
    lines += [
        "",
        "Outcome: "
        + ", ".join(
            f"{k.replace('_', ' ')}" + (f" in month {int(out[m])}" if out[k] else ": no")
            for k, m in (
                ("lethal_aid", "months_to_lethal_aid"),
                ("relations_collapsed", "months_to_collapse"),
                ("red_line_crossed", "months_to_red_line"),
            )
        ),
    ]
    used = sorted(
        {
            r
            for m in result.log
            for d in m["decisions"]
            if d["replication"] == replication
            for rules in d["blocked"].values()
            for r in rules
        }
    )
    lines += ["", "Rules that blocked options:"] + [
        f"  {r}: {RULES[r][0]} ({RULES[r][1]})" for r in used
    ]
    return lines
