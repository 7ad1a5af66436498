"""`redline play` (one or more seats in a terminal) and `redline report GAME.json`.

Where files go (every one written under a temporary name, then renamed):

- `redline play SCENARIO --game F` (default `game.json`): the new game, first written
  before the first month is asked, then after every month, after an undo and on quit.
  An existing F is never replaced without `--force`; a folder is refused.
- `redline play --resume F`: every save goes back to F.
- the after-action report at the end of a game: `--report R` (default F with `.md`,
  or `F.report.md` when F itself ends in `.md`). It may never be the game file or any
  saved game, and an existing R is replaced only with `--force`.
- `redline report GAME --out OUT`: OUT (`.md` or `.html`) under the same rules.

Every check runs before the first month is asked, so bad input exits 2 with the
saved game untouched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import words
from ..errors import InputError
from ..narrative import describe_turn, terminal_lines
from ..outputs import write_json, write_text
from ..scenario import load_scenario
from .engine import FORMAT, MAX_GAME_BYTES, SEATS, Game, parse_game
from .report import build, comparison_sentences, to_html, to_markdown
from .screen import advice_lines, before_lines, option_lines, risk_lines, standing_lines

DEFAULT_GAME = Path("game.json")
REPORT_SUFFIXES = (".md", ".html")
RISK_REPS = 1000
RISK_MONTHS = 3
HELP = [
    "N        choose option N",
    "r N      risk view: option N against holding, in 1,000 worlds",
    "a        the model's advice: its own odds of each option this month",
    "u        undo: take back the last month played",
    "s        where every actor stands now",
    "h        this help",
    "q        save and quit (Ctrl-D and Ctrl-C save too)",
]


class Quit(Exception):
    """The player asked to stop (q, end of input, Ctrl-C)."""


class Undo(Exception):
    """The player took back the last month."""


# --- files ------------------------------------------------------------------------------


def read_game(path: Path) -> Game:
    if path.is_dir():
        raise InputError("is a folder", file=str(path), allowed="a game file from redline play")
    if not path.is_file():
        raise InputError(
            "no such game file", file=str(path), allowed="a JSON file from redline play"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read it ({exc.strerror or 'read failed'})", file=str(path)
        ) from None
    return parse_game(data, str(path))


def is_game_file(path: Path) -> bool:
    """Does `path` hold a saved redline game (whatever its name)?"""
    try:
        if not path.is_file() or path.stat().st_size > MAX_GAME_BYTES:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def same_path(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_writable(path: Path, option: str) -> None:
    """A file path whose folder can be written (the folder is made if it is missing)."""
    if path.is_dir():
        raise InputError("is a folder", file=str(path), field=option, allowed="a file path")
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(
            "cannot write there",
            file=str(path),
            field=option,
            allowed="a path in a writable folder",
        )


def check_report_path(path: Path, game_path: Path | None, force: bool, option: str) -> None:
    """A report goes to a new file (or an old one with --force), never onto a game."""
    check_writable(path, option)
    if game_path is not None and same_path(path, game_path):
        raise InputError(
            "is the game file itself", file=str(path), field=option, allowed="a different path"
        )
    if is_game_file(path):
        raise InputError(
            "holds a saved game; a report never replaces one",
            file=str(path),
            field=option,
            allowed="a different path",
        )
    if path.suffix not in REPORT_SUFFIXES:
        raise InputError(
            "unknown report format", file=str(path), field=option, allowed=".md or .html"
        )
    if path.exists() and not force:
        raise InputError(
            "already exists",
            file=str(path),
            field=option,
            allowed="another path, or --force to replace it",
        )


def default_report(game_path: Path) -> Path:
    md = game_path.with_suffix(".md")
    return game_path.with_suffix(".report.md") if md == game_path else md


def save(game: Game, path: Path) -> None:
    try:
        write_json(game.to_dict(), path)
    except OSError as exc:
        raise InputError(
            f"cannot write the game ({exc.strerror or 'write failed'})",
            file=str(path),
            allowed="a writable path",
        ) from None


def write_report(game: Game, path: Path | None) -> tuple[dict, str]:
    """The after-action report (Markdown or HTML by the suffix); returns the Markdown."""
    rep = build(game)
    text = to_markdown(rep)
    if path is None:
        return rep, text
    try:
        write_text(to_html(rep) if path.suffix == ".html" else text, path)
    except OSError as exc:
        raise InputError(
            f"cannot write the report ({exc.strerror or 'write failed'})",
            file=str(path),
            allowed="a writable path",
        ) from None
    return rep, text


def seats_from(names: list[str]) -> list[str]:
    seats = []
    for name in names:
        s = name.strip().lower()
        if s not in SEATS:
            raise InputError(
                f"unknown seat {name[:40]!r}", field="--seat", allowed=", ".join(SEATS)
            )
        if s not in seats:
            seats.append(s)
    return seats


# --- the terminal -------------------------------------------------------------------------


def turn_lines(game: Game, turn: int | None = None) -> list[str]:
    """What the model's adjudication made of a month (`narrative.terminal_lines`)."""
    turn = len(game.turns) - 1 if turn is None else turn
    story = describe_turn(game, turn)
    return [f"--- {story.month} adjudicated ---"] + terminal_lines(story, you="you")


def _read(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except (EOFError, KeyboardInterrupt):
        raise Quit from None


def parse_risk(answer: str, count: int) -> int:
    """The N of 'r N'; an InputError in words otherwise."""
    rest = answer[1:].strip()
    if not rest.isdigit() or not 0 <= int(rest) < count:
        raise InputError(
            f"'{answer[:20]}' is not a risk request",
            allowed=f"r and an option number from 0 to {count - 1}, e.g. r 1",
        )
    return int(rest)


def ask_decision(game: Game, seat: str, decision: str, moves: dict, echo) -> int:
    """Show one decision's options for the month as adjudicated; return the choice."""
    opts = game.options(seat, moves)[decision]
    echo("")
    for line in option_lines(seat, decision, opts, game.month):
        echo(line)
    while True:
        answer = _read("choose a number (h for help): ").lower()
        if answer in ("q", "quit", "exit"):
            raise Quit
        if answer in ("h", "help", "?"):
            for line in HELP:
                echo(f"    {line}")
            continue
        if answer in ("u", "undo"):
            if not game.turns:
                echo("    nothing to undo yet: no month has been played")
                continue
            raise Undo
        if answer in ("s", "state"):
            for line in standing_lines(game):
                echo(f"    {line}")
            continue
        if answer in ("a", "advice"):
            if game.advice_visible:
                for line in advice_lines(game.advice(seat, moves)[decision]):
                    echo(f"    {line}")
            else:
                echo("    the model's advice is hidden in this game")
            continue
        if answer.startswith("r"):
            try:
                option = parse_risk(answer, len(opts))
                mine = {**moves.get(seat, {}), decision: option}
                others = {s: m for s, m in moves.items() if s != seat}
                view = game.risk(seat, mine, others=others, reps=RISK_REPS, months=RISK_MONTHS)
            except InputError as exc:
                echo(f"    {exc.detail}" + (f" ({exc.allowed})" if exc.allowed else ""))
                continue
            for line in risk_lines(view):
                echo(f"    {line}")
            continue
        if not answer.isdigit():
            echo("    please type an option number, or h for help")
            continue
        choice = int(answer)
        if not 0 <= choice < len(opts):
            echo(f"    there is no option {choice}: choose 0 to {len(opts) - 1}")
            continue
        try:
            others = {s: m for s, m in moves.items() if s != seat}
            game.check_moves(seat, {**moves.get(seat, {}), decision: choice}, others=others)
        except InputError as exc:
            echo(f"    refused: {exc.detail}")
            continue
        return choice


def ask_month(game: Game, players: list[str], echo) -> dict:
    """Every player seat's moves for the coming month, in the order the seats move."""
    moves: dict[str, dict[str, int]] = {}
    month = len(game.turns) + 1
    echo(f"\n=== {game.month} (month {month} of {game.scenario.horizon_months}) ===")
    for seat in players:
        before = before_lines(game, seat, moves)
        if before:
            echo(f"Before {words.actor(seat)} decides this month:")
            for line in before:
                echo(f"  {line}")
        for decision in game.options(seat, moves):
            choice = ask_decision(game, seat, decision, moves, echo)
            moves.setdefault(seat, {})[decision] = choice
    return moves


def recap(game: Game, players: list[str], echo) -> None:
    names = ", ".join(words.actor(s) for s in players)
    played = len(game.turns)
    echo(
        f"{game.scenario.name}: you hold {names}; seed {game.seed}; "
        f"{played} of {game.scenario.horizon_months} months played"
    )
    if played:
        echo("Last month:")
        for line in turn_lines(game):
            echo(line)
    else:
        echo("Where things stand:")
        for line in standing_lines(game):
            echo(f"  {line}")
    echo("Type h at any prompt for the commands (undo, advice, risk view, quit).")


def play_game(game: Game, game_path: Path, report_path: Path, echo) -> None:
    players = [s for s in game.move_order if game.seats[s] == "player"]
    recap(game, players, echo)
    while not game.finished:
        try:
            moves = ask_month(game, players, echo)
        except Undo:
            month = game.turns[-1]["month"]
            game.undo()
            save(game, game_path)
            echo(f"\nTook back {month}: play it again.")
            continue
        except Quit:
            save(game, game_path)
            echo(f"\nsaved to {game_path}; continue with: redline play --resume {game_path}")
            return
        game.play_turn(moves)
        for line in turn_lines(game):
            echo(line)
        save(game, game_path)
    rep, _ = write_report(game, report_path)
    echo("\nGame over.")
    for line in comparison_sentences(rep):
        echo(f"  {line}")
    echo(f"game saved to {game_path}; after-action report in {report_path}")


def register(app, guarded):
    @app.command()
    @guarded
    def play(
        scenario: Annotated[
            Optional[str],
            typer.Argument(help="scenario name or YAML path (default november-2024)"),
        ] = None,
        seat: Annotated[
            Optional[list[str]],
            typer.Option(help="seat(s) you hold: seoul, moscow, pyongyang, nato (repeatable)"),
        ] = None,
        seed: Annotated[Optional[int], typer.Option(min=0, help="random seed (default 0)")] = None,
        game_file: Annotated[
            Optional[Path],
            typer.Option("--game", help="file the new game is saved to (default game.json)"),
        ] = None,
        resume: Annotated[
            Optional[Path], typer.Option(help="continue a saved game; it saves back to this file")
        ] = None,
        report_file: Annotated[
            Optional[Path],
            typer.Option(
                "--report",
                help="after-action report at the end (.md or .html; default: "
                "the game file with .md)",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="replace an existing game file or report")
        ] = False,
        advice: Annotated[
            Optional[bool], typer.Option("--advice/--no-advice", help="allow the model's advice")
        ] = None,
    ):
        """Play one or more seats in the terminal, month by month."""
        if resume is not None:
            for given, name in ((scenario, "SCENARIO"), (seat, "--seat"), (seed, "--seed")):
                if given:
                    raise InputError(
                        "a resumed game keeps its own scenario, seats and seed",
                        field=name,
                        allowed=f"redline play --resume {resume} alone",
                    )
            if game_file is not None and not same_path(game_file, resume):
                raise InputError(
                    "a resumed game saves back to the file it came from",
                    file=str(game_file),
                    field="--game",
                    allowed=f"no --game (it saves to {resume}); copy the file to branch a game",
                )
            game_path = resume
            game = read_game(resume)
            check_writable(game_path, "--resume")
            if advice is not None:
                game.advice_visible = advice
        else:
            game_path = game_file or DEFAULT_GAME
            check_writable(game_path, "--game")
            if game_path.exists() and not force:
                raise InputError(
                    "already exists",
                    file=str(game_path),
                    field="--game",
                    allowed=f"continue it with `redline play --resume {game_path}`, choose "
                    "another --game, or pass --force to replace it",
                )
            seats = seats_from(seat or ["seoul"])
            game = Game(
                load_scenario(scenario or "november-2024"),
                seed or 0,
                {s: "player" for s in seats},
                True if advice is None else advice,
            )
        report_path = report_file or default_report(game_path)
        if game.finished:
            typer.echo(
                f"This game is over ({len(game.turns)} months played). "
                f"Its after-action report: redline report {game_path}"
            )
            return
        check_report_path(report_path, game_path, force, "--report")
        if resume is None:
            save(game, game_path)
        play_game(game, game_path, report_path, typer.echo)

    @app.command()
    @guarded
    def report(
        game: Annotated[Path, typer.Argument(help="a game file from redline play")],
        out: Annotated[
            Optional[Path], typer.Option(help="write the report here (.md or .html)")
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="replace an existing report")] = False,
    ):
        """The after-action report of a game: timeline, decisive turns, constraints, comparison."""
        if out is not None:
            check_report_path(out, game, force, "--out")
        _, text = write_report(read_game(game), out)
        typer.echo(text)
