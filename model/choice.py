"""Quantal-response (logit) choice over ladders, for a whole ensemble at once.

Each actor scores every option as a sum of named terms. Adding Gumbel noise with
scale 1/rationality and taking the best allowed option is exactly a draw from the
logit rule P(k) ∝ exp(rationality * U_k) over the allowed options, and it needs
one vectorised argmax instead of a cumulative-probability search per replication.
"""

from __future__ import annotations

import numpy as np

NEG = -np.inf


def ladder_steps(current: np.ndarray, n_options: int) -> np.ndarray:
    """|option - current| for each replication and option (R x K)."""
    return np.abs(np.arange(n_options)[None, :] - current[:, None])


def total_utility(terms: dict[str, np.ndarray]) -> np.ndarray:
    return sum(terms.values())


def allowed_mask(blocked: dict[str, np.ndarray], current: np.ndarray, n_options: int) -> np.ndarray:
    """Options no rule blocks; holding the current option stays possible if all are blocked."""
    allowed = np.ones((len(current), n_options), dtype=bool)
    for mask in blocked.values():
        allowed &= ~mask
    empty = ~allowed.any(axis=1)
    if empty.any():
        allowed[empty, current[empty]] = True
    return allowed


def logit_choice(
    utility: np.ndarray, allowed: np.ndarray, gumbel: np.ndarray, rationality: float
) -> np.ndarray:
    score = rationality * utility + gumbel
    score = np.where(allowed, score, NEG)
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
