"""What a player reads before a month is adjudicated: options, the month so far, the
model's advice and the risk view, in words.

`redline play` prints these lines and the dashboard's Game page can show the same
ones, so a student reads an option, a block or a risk figure the same way in both.
The month after adjudication is told by `model.narrative`; every word here comes
from `model.words`, the ladders in `model.agents` and the outcomes in
`model.outcomes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import words
from ..agents import LETHAL
from ..narrative import LADDER_SERIES, OPTIONS, STATE_FIGURES, describe_move, move_sentences
from ..outcomes import OUTCOMES
from .engine import SEATS, Answer, Compared, Game, Option, RiskView, Share


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(seats: Sequence[str]) -> str:
    """'Moscow', 'Pyongyang and Moscow', or 'your reward to Pyongyang'."""
    names = [words.actor(s) if s in SEATS else f"your {words.decision(s).what}" for s in seats]
    return " and ".join(names)


def option_status(o: Option) -> str:
    """What an option's state is this month, in words ("" for an open option)."""
    if o.depends_on:
        return f"depends on what {_who(o.depends_on)} does this month"
    if not o.allowed:
        return f"blocked: {o.why_blocked}" + (f"; {o.note}" if o.note else "")
    parts = ["where you stand"] if o.current else []
    if o.note:
        parts.append(o.note)
    return "; ".join(parts)


def option_lines(seat: str, decision: str, opts: Sequence[Option], month: str) -> list[str]:
    """A decision's options, numbered: open ones first-class, blocked ones marked x."""
    lines = [f"{words.actor(seat)}'s {words.decision(decision).what} ({month}):"]
    for o in opts:
        mark = " " if o.allowed else "x"
        status = option_status(o)
        lines.append(f"  {mark} {o.index}. {o.label}" + (f"  [{status}]" if status else ""))
    return lines


def before_lines(game: Game, seat: str, moves: Mapping | None = None) -> list[str]:
    """What happens this month before `seat` decides: injects, a ceasefire, and the moves
    of the actors that move earlier in the month (their odds as the narration gives them)."""
    so_far = game.month_so_far(seat, moves)
    lines = [f"Inject: {words.inject(e)}" for e in so_far["injects"]]
    lines += [f"Inject: {n}" for n in so_far["notes"]]
    if so_far["ceasefire"]:
        lines.append("A ceasefire takes hold in Ukraine.")
    for d in so_far["decisions"]:
        m = describe_move(d)
        if m.moved:
            lines.append(move_sentences(m, "player")[0])
    waiting = game.waiting_on(seat, moves)
    if waiting:
        lines.append(f"Not moved yet: {_who(waiting)}.")
    return lines


def standing_lines(game: Game) -> list[str]:
    """Where all four actors stand now, in the narration's words."""
    w = game.world
    now = {
        "seoul_rung": w.seoul.rung[0],
        "moscow_reward_rung": w.moscow.reward[0],
        "moscow_posture": w.moscow.posture[0],
        "pyongyang_troops": w.pyongyang.troops[0],
        "nato_rung": w.nato.rung[0],
        "public_opposition": w.seoul.opinion[0],
        "approval": w.seoul.approval[0],
        "stockpile_days": w.seoul.stockpile[0],
        "assembly_approved": w.seoul.approved_rung[0] >= LETHAL,
        "pyongyang_shells": w.pyongyang.shells[0],
    }
    parts: dict[str, list[str]] = {a: [] for a in words.ACTOR_NAMES}
    for key, (a, dec) in LADDER_SERIES.items():
        parts[a].append(f"{words.decision(dec).what}: {OPTIONS[a][dec][int(now[key])]}")
    for key, (a, say) in STATE_FIGURES.items():
        if key in now:
            text = say(now[key].item() if hasattr(now[key], "item") else now[key])
            if text:
                parts[a].append(text)
    lines = [f"{words.actor(a)}: {'; '.join(p)}" for a, p in parts.items() if p]
    if w.ceasefire[0]:
        lines.append("The war in Ukraine: a ceasefire holds")
    return lines


def advice_lines(advice: Mapping[str, float]) -> list[str]:
    """One decision's advice: the model's own odds of each open option, likeliest first."""
    ranked = sorted(((p, label) for label, p in advice.items() if p > 0), reverse=True)
    return [f"the model: {words.chance(p):>9}  {label}" for p, label in ranked]


# --- the risk view ----------------------------------------------------------------------


def _points(x: float) -> str:
    """A share in percentage points, one decimal near 0 and 100: '0', '0.4', '37', '99.6'."""
    if x <= 0 or x >= 1:
        return f"{x * 100:.0f}"
    return f"{x * 100:.1f}" if x < 0.01 or x > 0.99 else f"{x * 100:.0f}"


def share(s: Share) -> str:
    """'34% (31-37%)': a share of worlds with its 95% interval."""
    return f"{_points(s.p)}% ({_points(s.low)}-{_points(s.high)}%)"


def compared(c: Compared, same: bool) -> str:
    """After the move, against after holding (the header says which is which)."""
    return share(c.move) if same else f"{share(c.move)} against {share(c.hold)}"


def _span(months: Sequence[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _answer_lines(a: Answer, same: bool) -> list[str]:
    what = words.decision(a.decision).what
    ranked = sorted(a.options.items(), key=lambda kv: -max(kv[1].move.p, kv[1].hold.p))
    lines = [
        f"    {what} in {a.month}: "
        + "; ".join(f"{words.short_label(label)} {compared(c, same)}" for label, c in ranked)
    ]
    if len(a.months) > 1:
        lines.append(
            f"      over {_span(a.months)}: up from {words.short_label(a.start)} "
            f"{compared(a.climbs, same)}; down {compared(a.steps_back, same)}"
        )
    return lines


def risk_lines(view: RiskView) -> list[str]:
    """The risk view in words, from the player's seat."""
    me = words.actor(view.seat)
    same = view.move == view.hold
    move = "; ".join(
        f"{words.decision(d).what}: {words.short_label(label)}" for d, label in view.move.items()
    )
    head = (
        f"Risk view for {me}, {view.month}: holding ({move})"
        if same
        else f"Risk view for {me}, {view.month}: {move}, against holding"
    )
    lines = [
        f"{head}; {view.reps:,} worlds each. After {view.month} the model plays every seat, "
        f"{me} included."
    ]
    if not same:
        lines.append("  Each figure: the share of worlds after your move, against after holding.")
    if view.carried_out.p < 1:
        lines.append(
            f"  Your move is carried out in {share(view.carried_out)} of worlds "
            "(the National Assembly must approve it)."
        )
    by_actor: dict[str, list[Answer]] = {}
    for a in view.answers:
        by_actor.setdefault(a.actor, []).append(a)
    for actor, answers in by_actor.items():
        first = answers[0]
        when = (
            f"moves before {me} in a month, so it answers in {first.month}"
            if first.before
            else f"moves after {me} in a month, so it answers this month"
        )
        lines.append(f"  {words.actor(actor)} {when}:")
        for a in answers:
            lines += _answer_lines(a, same)
    if view.provocation is not None:
        lines.append(
            f"  A military provocation on the Peninsula: {compared(view.provocation, same)}."
        )
    seen = [(k, c) for k, c in view.outcomes.items() if c.move.p or c.hold.p]
    if seen:
        lines.append(f"  Within {_span(view.months)}:")
        lines += [f"    {OUTCOMES[k].label}: {compared(c, same)}" for k, c in seen]
    return lines
