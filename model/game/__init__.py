"""Teaching and wargame mode: players hold seats, the model adjudicates and explains."""

from .engine import SEATS, Game, Option

__all__ = ["Game", "Option", "SEATS"]
