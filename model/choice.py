"""Quantal-response (logit) choice over ladders, for a whole ensemble at once.

Each actor scores every option as a sum of named terms. Adding Gumbel noise with
scale 1/rationality and taking the best allowed option is exactly a draw from the
logit rule P(k) ∝ exp(rationality * U_k) over the allowed options, and it needs
one vectorised argmax instead of a cumulative-probability search per replication.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

NEG = -np.inf


@cache
def _steps_table(n_options: int) -> np.ndarray:
    """|option - current| for every current option (K x K), read-only."""
    k = np.arange(n_options)
    table = np.abs(k[None, :] - k[:, None])
    table.flags.writeable = False
    return table


def ladder_steps(current: np.ndarray, n_options: int) -> np.ndarray:
    """|option - current| for each replication and option (R x K): a row of a K x K table
    per replication, one gather instead of three R x K temporaries."""
    return _steps_table(n_options)[current]


@lru_cache(maxsize=256)
def _cost_table(n_options: int, up: float, down: float) -> np.ndarray:
    k = np.arange(n_options)
    diff = k[None, :] - k[:, None]
    table = up * np.maximum(diff, 0) + down * np.maximum(-diff, 0)
    table.flags.writeable = False
    return table


def move_costs(current: np.ndarray, n_options: int, up, down) -> np.ndarray:
    """Cost of moving from `current` to each option: `up` per rung climbed, `down` per rung
    given up. With one cost for every replication, a row of a K x K table per replication
    (the same numbers as the formula, to the last bit); per-replication costs (a sweep)
    use the formula."""
    if np.ndim(up) == 0 and np.ndim(down) == 0:
        return _cost_table(n_options, float(up), float(down))[current]
    diff = np.arange(n_options)[None, :] - current[:, None]
    return up * np.maximum(diff, 0) + down * np.maximum(-diff, 0)


def total_utility(terms: dict[str, np.ndarray]) -> np.ndarray:
    return sum(terms.values())


def allowed_mask(blocked: dict[str, np.ndarray], current: np.ndarray, n_options: int) -> np.ndarray:
    """Options no rule blocks; holding the current option stays possible if all are blocked."""
    refused = np.zeros((len(current), n_options), dtype=bool)
    for mask in blocked.values():
        refused |= mask
    allowed = np.logical_not(refused, out=refused)
    empty = ~allowed.any(axis=1)
    if empty.any():
        allowed[empty, current[empty]] = True
    return allowed


def logit_choice(
    utility: np.ndarray, allowed: np.ndarray, gumbel: np.ndarray, rationality: float
) -> np.ndarray:
    score = np.multiply(utility, rationality)
    score += gumbel
    np.copyto(score, NEG, where=~allowed)
    return score.argmax(axis=1)


def probabilities(utility: np.ndarray, allowed: np.ndarray, rationality: float) -> np.ndarray:
    z = np.where(allowed, rationality * utility, NEG)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def runner_up(utility: np.ndarray, allowed: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Best allowed option by utility other than the chosen one (-1 when there is none)."""
    u = np.where(allowed, utility, NEG)
    u[np.arange(len(chosen)), chosen] = NEG
    best = u.argmax(axis=1)
    return np.where(np.isfinite(u[np.arange(len(best)), best]), best, -1)
