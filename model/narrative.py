"""One adjudicated month as data in words, and the four ways a person reads it.

The model keeps its reasons for a traced replication in identifiers and utilities
(`RedlineModel.log`: one dict a month). `describe_month` turns a month of that log,
with the month's series and the outcome trackers, into a `MonthStory`: the injects,
the headlines (an outcome reached for the first time), each decision (who chose, from
what to what, the odds, the month's chance of any change, the two strongest reasons
for and the strongest against, the rules that blocked which options and what would
lift them, a player's refused move with only the rules that refused it), the votes
and where all four actors stand. The story is built once; `terminal_lines` (`redline
play`), `page_lines` (the Game page), `report_moves` and `report_lines` (the
after-action report) and `explain_lines` (`redline explain`) only lay it out, so the
four cannot tell a month differently. All words come from `model.words`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import words
from .agents import ASSEMBLY_SEATS, RULES, Moscow, Nato, Pyongyang, Seoul
from .outcomes import OUTCOMES

# Each actor's decisions and their option labels (the ladders stay in model.agents).
OPTIONS: dict[str, dict[str, list[str]]] = {
    cls.name: cls.DECISIONS for cls in (Seoul, Moscow, Pyongyang, Nato)
}
# The series that record a ladder position, and whose decision each is.
LADDER_SERIES: dict[str, tuple[str, str]] = {
    "seoul_rung": ("seoul", "assistance"),
    "moscow_reward_rung": ("moscow", "reward"),
    "moscow_posture": ("moscow", "posture"),
    "pyongyang_troops": ("pyongyang", "troops"),
    "nato_rung": ("nato", "pressure"),
}
# Other figures of the state worth a reader's time: series -> (actor, words or None).
STATE_FIGURES = {
    "public_opposition": ("seoul", lambda v: f"public opposition to lethal aid {v:.0%}"),
    "approval": ("seoul", lambda v: f"government approval {v:.0%}"),
    "stockpile_days": ("seoul", lambda v: f"shell stockpile {v:.0f} days"),
    "shells_transferred": ("seoul", lambda v: f"{v:,.0f} shells sent this month" if v else None),
    "assembly_approved": (
        "seoul",
        lambda v: "the Assembly has approved lethal aid" if v else None,
    ),
    "pyongyang_shells": ("pyongyang", lambda v: f"{v:,.0f} shells a month to Russia"),
    "pyongyang_provocation": (
        "pyongyang",
        lambda v: "a military provocation on the Peninsula this month" if v else None,
    ),
}
EPS = 0.005  # a utility difference smaller than this is no reason


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the story --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A rule that blocked options of one decision this month."""

    rule: str  # the rule's name in the model (for code; never printed)
    text: str  # what it refuses, in words (with the vote's result for a vote rule)
    lift: str  # what would lift it
    options: tuple[str, ...]  # the option labels it blocked

    @property
    def sentence(self) -> str:
        shown = ", ".join(words.short_label(o) for o in self.options)
        return f"{shown}: {self.text} (lifted by {self.lift})"


@dataclass(frozen=True)
class Vote:
    """A government motion in the National Assembly."""

    tabled: bool  # it reached the floor
    passed: bool
    yes: int
    opposition_seats: int
    approved: str | None = None  # the rung a passed motion approved

    @property
    def text(self) -> str:
        if not self.tabled:
            return "the government's motion was kept from the floor of the National Assembly"
        verdict = "passed" if self.passed else "voted down"
        on = f" on {words.short_label(self.approved)}" if self.approved else ""
        return (
            f"the National Assembly {verdict} the government's motion{on}, {self.yes} of "
            f"{ASSEMBLY_SEATS} members for ({self.opposition_seats} opposition seats)"
        )


@dataclass(frozen=True)
class Move:
    """One actor's decision in one month, in words."""

    actor: str  # the model's names (for code; never printed)
    decision: str
    name: str  # "Seoul"
    what: str  # "assistance to Ukraine"
    ladder: bool  # a standing position (from -> to) rather than a monthly act
    player: bool  # a player chose it, not the model
    start: str  # the option before the month
    end: str  # the option after it
    runner_up: str | None  # the best option not taken (None: the only one the rules left)
    probability: float  # the model's odds of the option taken
    change: float  # the model's odds of any change this month
    model_choice: str  # what the model itself drew
    reasons: tuple[str, ...]  # the two strongest reasons for, in words
    against: str | None  # the strongest reason against, in words
    inertia: bool  # held mainly because changing course has a cost
    inertia_words: str  # that cost in words
    blocks: tuple[Block, ...]  # every rule that blocked an option, with the options
    requested: str | None = None  # a player's move
    requested_probability: float = 0.0  # the model's odds of the player's move
    refused: tuple[Block, ...] = ()  # only the rules that blocked the player's move

    @property
    def moved(self) -> bool:
        return self.end != self.start

    @property
    def refused_move(self) -> bool:
        return self.requested is not None and self.requested != self.end

    @property
    def sentence(self) -> str:
        """'moves its posture towards Seoul from warnings to hostile measures'."""
        if not self.ladder:
            return words.act(self.end)
        if self.moved:
            return f"moves its {self.what} from {self.start} to {self.end}"
        return f"keeps its {self.what} at {self.end}"

    @property
    def odds_text(self) -> str:
        """The model's odds of the move and the month's chance of any change ("" when the
        rules left no choice)."""
        if self.player:
            other = f"the model would have chosen {self.model_choice}"
            if self.refused_move:  # the refused option has no odds left to tell
                return other if self.model_choice != self.end else ""
            text = f"the model's odds of this move: {words.odds(self.requested_probability)}"
            return text + (f"; {other}" if self.model_choice != self.requested else "")
        if self.runner_up is None:
            return ""
        change = f"chance of any change this month: {words.chance(self.change)}"
        return f"{words.odds(self.probability)}; {change}" if self.moved else change

    @property
    def why(self) -> str:
        """The reasons in words: 'because ..., although ...', or inertia said as inertia."""
        if self.runner_up is None:
            return "the rules left no other option"
        if self.inertia:
            others = [r for r in self.reasons if r != self.inertia_words]
            text = f"holds: {self.inertia_words}" + (
                f", and {others[0]}" if others else " and nothing pushed hard enough"
            )
            return text + (f"; the strongest pull: {self.against}" if self.against else "")
        if not self.reasons:
            return "the options weighed about the same, and chance decided"
        text = "because " + " and ".join(self.reasons)
        return text + (f", although {self.against}" if self.against else "")

    @property
    def refusal(self) -> str:
        """Why a player's move was not carried out: only the rules that refused it."""
        if not self.refused:
            return f"the move to {self.requested} was not carried out"
        texts = "; ".join(b.text for b in self.refused)
        lifts = " or ".join(b.lift for b in self.refused)
        return f"the move to {self.requested} was refused: {texts} (lifted by {lifts})"


@dataclass(frozen=True)
class Standing:
    """Where one actor stands at the end of the month."""

    actor: str
    name: str
    text: str


@dataclass(frozen=True)
class MonthStory:
    month: str
    injects: tuple[str, ...]
    outcomes: tuple[str, ...]  # outcomes reached for the first time this month
    moves: tuple[Move, ...]
    votes: tuple[Vote, ...]
    state: tuple[Standing, ...]

    @property
    def headlines(self) -> tuple[str, ...]:
        return tuple(f"{OUTCOMES[k].label}: {OUTCOMES[k].meaning}" for k in self.outcomes)

    def shown(self) -> tuple[Move, ...]:
        """The moves a month's summary tells: every change and every player's move."""
        return tuple(m for m in self.moves if m.moved or m.player)


# --- building it ----------------------------------------------------------------------


def _vote(v: Mapping[str, Any]) -> Vote:
    rung = v.get("rung")
    return Vote(
        bool(v.get("tabled", True)),
        bool(v["passed"]),
        int(v.get("yes", 0)),
        int(v.get("opposition_seats", 0)),
        OPTIONS["seoul"]["assistance"][int(rung)] if rung is not None else None,
    )


def _vote_note(votes: Sequence[Vote], history: Sequence[Mapping], i: int) -> str:
    """What the Assembly last did, for a rule settled by a vote ("" after a passed motion)."""
    if votes:
        last, when = votes[-1], "this month"
    else:
        last, when = None, ""
        for entry in reversed(history):
            mine = [v for v in entry.get("votes", []) if v["replication"] == i]
            if mine:
                last, when = _vote(mine[-1]), f"in {entry['month']}"
                break
    if last is None or last.passed:
        return ""
    if not last.tabled:
        return f"the {'' if votes else 'last '}motion was kept from the floor {when}"
    if when == "this month":
        return f"the motion failed this month, {last.yes} of {ASSEMBLY_SEATS} members for"
    return f"the last motion failed {when}"


def _blocks(
    blocked: Mapping[str, list[str]], vote_note: str, only: str | None = None
) -> tuple[Block, ...]:
    """Blocked options grouped by rule, in the order the model lists them."""
    by_rule: dict[str, list[str]] = {}
    for option, rules in blocked.items():
        if only is not None and option != only:
            continue
        for r in rules:
            by_rule.setdefault(r, []).append(option)
    out = []
    for r, options in by_rule.items():
        w = words.rule(r)
        text = f"{w.blocks}; {vote_note}" if w.vote and vote_note else w.blocks
        out.append(Block(r, text, w.lift, tuple(options)))
    return tuple(out)


def _reasons(d: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Term names for and against the option taken over the runner-up, strongest first."""
    chosen, other = d["terms_chosen"], d.get("terms_runner_up") or {}
    diff = {k: v - other.get(k, 0.0) for k, v in chosen.items()}
    pro = [k for k, v in sorted(diff.items(), key=lambda kv: -kv[1]) if v > EPS]
    con = [k for k, v in sorted(diff.items(), key=lambda kv: kv[1]) if v < -EPS]
    return pro, con


def describe_move(d: Mapping[str, Any], vote_note: str = "") -> Move:
    """One traced decision (a `RedlineModel.log` decision dict) in words."""
    dec = words.decision(d["decision"])
    pro, con = _reasons(d) if d.get("runner_up") else ([], [])
    held = d["chosen"] == d["from"]
    inertia_terms = [k for k in d["terms_chosen"] if words.term(k).inertia]
    probs = d.get("probabilities", {})
    player = bool(d.get("player"))
    requested = d.get("requested") if player else None
    return Move(
        actor=d["actor"],
        decision=d["decision"],
        name=words.actor(d["actor"]),
        what=dec.what,
        ladder=dec.ladder,
        player=player,
        start=d["from"],
        end=d["chosen"],
        runner_up=d.get("runner_up"),
        probability=float(d["probability"]),
        change=1.0 - float(probs.get(d["from"], 0.0)),
        model_choice=d.get("model_choice", d["chosen"]),
        reasons=tuple(words.term(k).because for k in pro[:2]),
        against=words.term(con[0]).against if con else None,
        inertia=bool(held and pro and words.term(pro[0]).inertia),
        inertia_words=words.term(inertia_terms[0]).because if inertia_terms else "",
        blocks=_blocks(d.get("blocked", {}), vote_note),
        requested=requested,
        requested_probability=float(probs.get(requested, 0.0)) if requested else 0.0,
        refused=(
            _blocks(d.get("blocked", {}), vote_note, only=requested)
            if requested is not None and requested != d["chosen"]
            else ()
        ),
    )


def _state(series: Mapping[str, Any], t: int, i: int) -> tuple[Standing, ...]:
    parts: dict[str, list[str]] = {a: [] for a in words.ACTOR_NAMES}
    for key, (a, dec) in LADDER_SERIES.items():
        if key in series:
            label = OPTIONS[a][dec][int(series[key][t, i])]
            parts[a].append(f"{words.decision(dec).what}: {label}")
    for key, (a, say) in STATE_FIGURES.items():
        if key in series:
            text = say(series[key][t, i].item())
            if text:
                parts[a].append(text)
    out = [Standing(a, words.actor(a), "; ".join(p)) for a, p in parts.items() if p]
    if "ceasefire" in series and series["ceasefire"][t, i]:
        out.append(Standing("war", "The war in Ukraine", "a ceasefire holds"))
    return tuple(out)


def describe_month(
    entry: Mapping[str, Any],
    series: Mapping[str, Any],
    first: Mapping[str, Any],
    replication: int = 0,
    *,
    t: int,
    history: Sequence[Mapping[str, Any]] = (),
    notes: Sequence[str] = (),
) -> MonthStory:
    """Month `t` of a traced run for one replication, in words.

    `entry` is the month's log dict (`RedlineModel.log[t]`), `series` and `first` the
    run's series (name -> months x reps) and outcome trackers (name -> months to it);
    `history` the earlier log entries (for what the Assembly last did); `notes` a game's
    custom injects, told as they were written.
    """
    i = replication
    votes = tuple(_vote(v) for v in entry.get("votes", []) if v["replication"] == i)
    vote_note = _vote_note(votes, history, i)
    moves = tuple(describe_move(d, vote_note) for d in entry["decisions"] if d["replication"] == i)
    return MonthStory(
        month=entry["month"],
        injects=tuple(words.inject(e) for e in entry.get("injects", [])) + tuple(notes),
        outcomes=tuple(k for k in OUTCOMES if k in first and int(first[k][i]) == t + 1),
        moves=moves,
        votes=votes,
        state=_state(series, t, i),
    )


def describe_run(
    run, replication: int = 0, notes: Sequence[Sequence[str]] = ()
) -> list[MonthStory]:
    """Every month of a traced run (a `simulate(trace=[...])` Result or a RedlineModel)."""
    return [
        describe_month(
            entry,
            run.series,
            run.first,
            replication,
            t=t,
            history=run.log[:t],
            notes=notes[t] if t < len(notes) else (),
        )
        for t, entry in enumerate(run.log)
    ]


def describe_turn(game, turn: int) -> MonthStory:
    """Turn `turn` (0-based) of a game (`model.game.Game`), with its custom injects."""
    w = game.world
    return describe_month(
        game.log[turn],
        w.series,
        w.first,
        0,
        t=turn,
        history=game.log[:turn],
        notes=game.turns[turn].get("notes", []) if turn < len(game.turns) else (),
    )


def outcome_line(first: Mapping[str, Any], replication: int, months: Sequence[str]) -> str:
    """'Outcome: Lethal aid from Seoul: no; ...; Ceasefire: 2025-06 (month 8)'."""
    parts = []
    for name, o in OUTCOMES.items():
        f = int(first[name][replication]) if name in first else -1
        when = "no" if f < 0 else "at the start" if f == 0 else f"{months[f - 1]} (month {f})"
        parts.append(f"{o.label}: {when}")
    return "Outcome: " + "; ".join(parts)


def rules_used(stories: Sequence[MonthStory]) -> list[str]:
    """Every rule that blocked an option in these months, in words with its evidence."""
    seen = {b.rule for s in stories for m in s.moves for b in m.blocks}
    out = []
    for r in sorted(seen, key=lambda r: words.rule(r).blocks.lower()):
        w = words.rule(r)
        source = RULES[r][1] if r in RULES else ""
        out.append(f"{_cap(w.blocks)}: lifted by {w.lift}" + (f" ({source})" if source else ""))
    return out


# --- the four layouts ----------------------------------------------------------------


def _with_odds(m: Move) -> str:
    return f"{m.sentence} ({m.odds_text})" if m.odds_text else m.sentence


def move_sentences(m: Move, you: str) -> list[str]:
    """A move, then what explains it (the reasons, or why a player's move was refused)."""
    who = f"{m.name} ({you if m.player else 'model'})"
    out = [f"{who}: {_with_odds(m)}."]
    if m.refused_move:
        out.append(_cap(m.refusal) + ".")
    elif not m.player:
        out.append(_cap(m.why) + ".")
    return out


def terminal_lines(story: MonthStory, you: str = "you") -> list[str]:
    """`redline play`: the month after adjudication, indented under its header."""
    lines = [f"  Inject: {x}" for x in story.injects]
    lines += [f"  *** {h} ***" for h in story.headlines]
    for m in story.shown():
        first, *rest = move_sentences(m, you)
        lines += [f"  {first}"] + [f"      {x}" for x in rest]
    lines += [f"  {_cap(v.text)}." for v in story.votes]
    if not story.shown():
        lines.append("  Every actor held its course.")
    lines.append("  Now:")
    lines += [f"    {s.name}: {s.text}" for s in story.state]
    return lines


def page_lines(story: MonthStory, you: str = "team") -> list[str]:
    """The Game page's log: one line per inject, headline, move, vote and the state."""
    lines = [f"Inject: {x}" for x in story.injects]
    lines += [f"Headline: {h}" for h in story.headlines]
    lines += [" ".join(move_sentences(m, you)) for m in story.shown()]
    lines += [_cap(v.text) + "." for v in story.votes]
    if not story.shown():
        lines.append("Every actor held its course.")
    lines.append("Now: " + "; ".join(f"{s.name}: {s.text}" for s in story.state) + ".")
    return lines


def report_moves(story: MonthStory, you: str = "player") -> list[str]:
    """The report's timeline cell: each change or player's move, short."""
    out = []
    for m in story.shown():
        text = f"{m.name} ({you if m.player else 'model'}): {m.sentence}"
        if m.refused_move:
            text += f" ({m.refusal})"
        elif not m.player:
            text += f" ({words.odds(m.probability)})"
        out.append(text)
    return out


def report_lines(story: MonthStory, you: str = "player") -> list[str]:
    """The report's decisive turns: headlines, ladder moves with their reasons, votes."""
    out = list(story.headlines)
    for m in story.shown():
        if not m.ladder or not (m.moved or m.refused_move):
            continue
        if m.refused_move:
            out.append(f"{m.name} ({you}): {m.refusal}")
        elif m.player:
            out.append(f"{m.name} ({you}) {m.sentence}")
        else:
            out.append(f"{m.name} {m.sentence} ({words.odds(m.probability)}), {m.why}")
    out += [_cap(v.text) for v in story.votes]
    out += [f"Inject: {x}" for x in story.injects]
    return out


def _lifted(last: tuple, now: tuple) -> list[str]:
    """Options a rule blocked last month and no longer blocks: said, so a room is not left
    asking what changed in a month where nothing else is told."""
    out = []
    for b in last:
        still = {o for n in now if n.rule == b.rule for o in n.options}
        freed = [o for o in b.options if o not in still]
        if freed:
            shown = ", ".join(words.short_label(o) for o in freed)
            out.append(f"no longer blocked: {shown} (last month: {b.text})")
    return out


def explain_lines(
    story: MonthStory, previous: MonthStory | None = None, focus: str = "seoul"
) -> list[str]:
    """`redline explain`: a dated block a month.

    `focus`'s decisions are told every month, holds included, and its blocks when they
    are new or changed since the month before; the others' decisions when they change,
    with every block.
    """
    col = 10

    def row(label: str, text: str) -> str:
        return f"  {label:<{col}} {text}"

    def more(text: str) -> str:
        return f"  {'':<{col}}   {text}"

    # the focus's blocks are printed every month, so only they can be "as last month"
    before = {
        (m.actor, m.decision): m.blocks
        for m in (previous.moves if previous else ())
        if m.actor == focus
    }
    lines = [story.month]
    lines += [row("Inject", x) for x in story.injects]
    lines += [row("Headline", h) for h in story.headlines]
    for m in story.moves:
        if not (m.moved or m.player or m.actor == focus):
            continue
        lines.append(row(m.name, _with_odds(m)))
        lines.append(more(m.refusal if m.refused_move else m.why))
        if m.actor == focus or m.moved:
            if not m.blocks:
                continue
            last = before.get((m.actor, m.decision), ())
            lines += [more(text) for text in _lifted(last, m.blocks)]
            fresh = [b for b in m.blocks if b not in last]
            lines += [more(f"blocked: {b.sentence}") for b in fresh]
            if len(fresh) < len(m.blocks):
                lines.append(
                    more("other blocks as last month" if fresh else "blocked: as last month")
                )
    lines += [row("Assembly", _cap(v.text)) for v in story.votes]
    for k, s in enumerate(story.state):
        lines.append(row("State" if k == 0 else "", f"{s.name}: {s.text}"))
    return lines
