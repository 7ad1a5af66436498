"""Month-by-month behaviour a seminar checks, from the recorded series alone.

    python benchmarks/behaviour.py [SCENARIO] [--reps N] [--seed S]

Prints: weapons (rung 2+) within 12 and 24 months, DPRK troops withdrawn while
the war goes on, Moscow's reward cut while DPRK troops fight, Seoul down to
humanitarian aid only during the war, the Assembly's pass rate per vote, lethal
aid, and Moscow turning hostile. It reads only series every version of the model
records, so the same script measures the model before and after a change.
"""

from __future__ import annotations

import argparse

import numpy as np

from model import load_scenario, simulate


def figures(name: str, reps: int, seed: int) -> dict[str, float]:
    res = simulate(load_scenario(name), reps=reps, seed=seed)
    s = res.series
    rung, troops, reward = s["seoul_rung"], s["pyongyang_troops"], s["moscow_reward_rung"]
    war = ~s["ceasefire"]
    prev = lambda a: np.vstack([a[:1], a[:-1]])  # noqa: E731 - last month's value
    o = res.outcomes
    votes = int(o["assembly_votes"].sum())
    return {
        "weapons within 12 months": float((rung[:12] >= 2).any(0).mean()),
        "weapons within 24 months": float((rung >= 2).any(0).mean()),
        "DPRK troops drawn down during the war": float(
            ((troops < prev(troops)) & war).any(0).mean()
        ),
        "whole DPRK contingent withdrawn during the war": float(
            ((troops == 0) & (prev(troops) >= 1) & war).any(0).mean()
        ),
        "troop-level changes per world": float((np.diff(troops, axis=0) != 0).sum(0).mean()),
        "reward cut while troops fight": float(
            ((reward < prev(reward)) & (prev(troops) >= 1) & war).any(0).mean()
        ),
        "Seoul at humanitarian only during the war": float(((rung == 0) & war).any(0).mean()),
        "Assembly votes per world": votes / reps,
        "Assembly pass rate per vote": (int(o["assembly_approvals"].sum()) / votes)
        if votes
        else float("nan"),
        "lethal aid": float(o["lethal_aid"].mean()),
        "Moscow hostile measures or worse": float((s["moscow_posture"] >= 2).any(0).mean()),
        "relations collapse": float(o["relations_collapsed"].mean()),
        "red line crossed": float(o["red_line_crossed"].mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="november-2024")
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print(f"{a.scenario}, {a.reps:,} replications, seed {a.seed}")
    for k, v in figures(a.scenario, a.reps, a.seed).items():
        print(f"  {k:<45} {v:8.3f}" if "per world" in k else f"  {k:<45} {v:8.1%}")


if __name__ == "__main__":
    main()
