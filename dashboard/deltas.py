"""A change in an outcome's probability, and whether it is within Monte Carlo noise.

With 1,000 replications, 8 worlds against 10 is +0.2 points and means nothing; a room
reads it as a result unless the card says so. A change counts as outside the noise
when it is more than 1.96 standard errors of the difference from zero (a 95% test).
Runs compared on the dashboard share their replications and seed (common random
numbers: replication i of both runs draws the same random numbers), so the standard
error is the paired one, from the per-world differences; runs that do not share them
use the two-sample one. Plain Python and numpy, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # two-sided 95%


@dataclass(frozen=True)
class Change:
    """`now` minus `before` as shares (0.012 is 1.2 points) with its standard error."""

    diff: float
    se: float

    @property
    def points(self) -> float:
        return 100 * self.diff

    @property
    def none(self) -> bool:
        """No change at all (the same count in both runs, and no world changed)."""
        return self.diff == 0 and self.se == 0

    @property
    def within_noise(self) -> bool:
        """Too small to tell from chance: within 1.96 standard errors of no change."""
        return abs(self.diff) <= Z95 * self.se

    def text(self) -> str:
        """What a card or a table says: '+6.8 pp', '+0.2 pp, within noise', '±0.0 pp'."""
        shown = "±0.0 pp" if abs(self.points) < 0.05 else f"{self.points:+.1f} pp"
        return shown if self.none or not self.within_noise else f"{shown}, within noise"


def paired(now: Iterable[bool], before: Iterable[bool]) -> Change:
    """The change between two runs of the same replications and seed, world by world."""
    a = np.asarray(now, dtype=float)
    b = np.asarray(before, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("a paired change needs the same replications in both runs")
    d = a - b
    se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else 0.0
    return Change(float(d.mean()), se)


def two_sample(k_now: int, n_now: int, k_before: int, n_before: int) -> Change:
    """The change between two independent runs (counts of worlds out of replications)."""
    p1, p0 = k_now / n_now, k_before / n_before
    se = math.sqrt(p1 * (1 - p1) / n_now + p0 * (1 - p0) / n_before)
    return Change(p1 - p0, se)


def changes(
    now: pd.DataFrame, before: pd.DataFrame, outcomes: Iterable[str], same_worlds: bool = True
) -> Mapping[str, Change]:
    """Each outcome's change between two outcome tables (one row per replication, as
    `simulate(...).outcomes`): paired when both are runs of the same replications and seed
    (`same_worlds`), two-sample otherwise."""
    out = {}
    for o in outcomes:
        if same_worlds and len(now) == len(before):
            out[o] = paired(now[o].to_numpy(), before[o].to_numpy())
        else:
            out[o] = two_sample(int(now[o].sum()), len(now), int(before[o].sum()), len(before))
    return out
