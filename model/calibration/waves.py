"""Where each wave of history matching looks: a space-filling design, then refocusing.

Wave 1 is a Latin hypercube (scipy.stats.qmc) over the free parameters' ranges. Each
later wave samples the region the previous wave did not rule out. Without an emulator
that region is known only through its surviving points, so it is approximated by them:
candidates are drawn by a Latin hypercube in the survivors' bounding box (widened by
the previous design's spacing, since survivors of a finite design fall short of the
region's edge), and a candidate is kept when a survivor lies within that spacing of it.
That follows the region's shape, not just its box, and costs no model runs. If too few
candidates are close enough, the closest are taken.

Everything happens in the unit cube of the free ranges (FactorDef maps it to values), so
every parameter counts alike in the distances, whatever its units. Each wave draws from
its own seeded stream, so the design of wave w depends only on the seed and on what the
waves before it found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import qmc

CANDIDATES_PER_POINT = 20
MAX_CANDIDATES = 200_000
_SAMPLER_KEY = (0x5A3,)  # as sweeps: a sampler's stream is kept apart from the blocks' streams


@dataclass(frozen=True)
class Refocus:
    """How a wave's points were chosen: the box sampled, the radius, candidates kept."""

    low: np.ndarray
    high: np.ndarray
    radius: float
    candidates: int
    near: int  # candidates within the radius of a survivor

    def describe(self) -> dict:
        return {
            "box_low": [round(float(v), 6) for v in self.low],
            "box_high": [round(float(v), 6) for v in self.high],
            "radius": round(self.radius, 6),
            "candidates": self.candidates,
            "within_radius": self.near,
        }


def rng_for(seed: int, wave: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, wave], spawn_key=_SAMPLER_KEY))


def first_wave(dims: int, points: int, seed: int) -> np.ndarray:
    """A Latin hypercube of `points` in the unit cube of `dims` free parameters."""
    return qmc.LatinHypercube(d=dims, rng=rng_for(seed, 1)).random(points)


def spacing(unit: np.ndarray) -> float:
    """The design's typical spacing: the median distance from a point to its nearest other."""
    if len(unit) < 2:
        return float(np.sqrt(unit.shape[1]))
    dist, _ = cKDTree(unit).query(unit, k=2)
    return float(np.median(dist[:, 1]))


def next_wave(
    previous: np.ndarray, survived: np.ndarray, points: int, seed: int, wave: int
) -> tuple[np.ndarray, Refocus]:
    """`points` new points in the region the previous wave's survivors mark out."""
    keep = previous[survived]
    if len(keep) == 0:
        raise ValueError("no survivors to refocus on")
    radius = spacing(previous)
    low = np.clip(keep.min(axis=0) - radius, 0.0, 1.0)
    high = np.clip(keep.max(axis=0) + radius, 0.0, 1.0)
    n = min(max(CANDIDATES_PER_POINT * points, 1000), MAX_CANDIDATES)
    cube = qmc.LatinHypercube(d=previous.shape[1], rng=rng_for(seed, wave)).random(n)
    candidates = low + cube * (high - low)
    dist, _ = cKDTree(keep).query(candidates, k=1)
    near = dist <= radius
    if near.sum() >= points:
        chosen = np.flatnonzero(near)[:points]  # the hypercube's order is already random
    else:
        chosen = np.argsort(dist, kind="stable")[:points]
    return candidates[chosen], Refocus(low, high, radius, n, int(near.sum()))


__all__ = ["Refocus", "first_wave", "next_wave", "rng_for", "spacing"]
