"""One replication told month by month: who did what, why, and which rule blocked what.

It reads the reasons the model kept for a traced replication (`simulate(trace=[i])`),
so the story is the model's own arithmetic, told in words by `model.narrative`.
"""

from __future__ import annotations

from .narrative import describe_run, explain_lines, outcome_line, rules_used
from .simulation import Result, simulate


def explain(scenario, seed: int = 0, replication: int = 0, reps: int | None = None) -> list[str]:
    """Narrative lines for replication `replication` of a run with `reps` replications.

    Replication i here is replication i of `redline run` with the same seed and reps.
    """
    reps = reps if reps is not None else max(1000, replication + 1)
    result = simulate(scenario, reps=reps, seed=seed, trace=[replication])
    return narrate(result, replication)


def narrate(result: Result, replication: int) -> list[str]:
    """The header, every month (`narrative.explain_lines`), the outcome and the rules."""
    stories = describe_run(result, replication)
    lines = [
        f"{result.scenario.name}: replication {replication} of {result.reps:,} "
        f"(seed {result.seed}), {result.months[0]} to {result.months[-1]} "
        f"({len(result.months)} months)",
        "",
    ]
    previous = None
    for story in stories:
        lines += explain_lines(story, previous)
        previous = story
    lines += ["", outcome_line(result.first, replication, result.months)]
    used = rules_used(stories)
    if used:
        lines += ["", "Rules that blocked options in this story:"] + [f"  {r}" for r in used]
    return lines
