"""`redline play` (one or more seats in a terminal) and `redline report GAME.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import words
from ..errors import InputError
from ..narrative import describe_turn, terminal_lines
from ..outcomes import OUTCOMES
from ..outputs import write_json, write_text
from ..scenario import load_scenario
from ..words import ACTOR_NAMES
from .engine import SEATS, Game, parse_game
from .report import build, comparison_sentences, to_html, to_markdown


def read_game(path: Path) -> Game:
    if not path.is_file():
        raise InputError(
            "no such game file", file=str(path), allowed="a JSON file from redline play"
        )
    return parse_game(path.read_bytes(), str(path))


def turn_lines(game: Game) -> list[str]:
    """What the model's adjudication made of the last month (`narrative.terminal_lines`)."""
    turn = len(game.log) - 1
    story = describe_turn(game, turn)
    return [f"--- {story.month} adjudicated ---"] + terminal_lines(story, you="you")


def _ask_seat(game: Game, seat: str, echo) -> dict[str, int] | None:
    moves = {}
    for decision, opts in game.options(seat).items():
        echo(f"\n{ACTOR_NAMES[seat]}'s {words.decision(decision).what} ({game.month}):")
        for o in opts:
            mark = " " if o.allowed else "x"
            blocked = "; ".join(words.rule(r).blocks for r in o.rules)
            extra = "" if o.allowed else f"  [blocked: {blocked}]"
            if o.note and o.allowed:
                extra += f"  ({o.note})"
            echo(f"  {mark} {o.index}. {o.label}{extra}")
        while True:
            try:
                answer = input(
                    "choose a number, 'r N' for the risk view of N, 'a' for advice, "
                    "'q' to save and quit: "
                ).strip()
            except EOFError:
                return None
            if answer == "q":
                return None
            if answer == "a":
                if game.advice_visible:
                    for label, p in game.advice(seat)[decision].items():
                        echo(f"    model: {p:5.1%}  {label}")
                else:
                    echo("    the facilitator has hidden the model's advice")
                continue
            if answer.startswith("r "):
                try:
                    risk = game.risk(seat, {decision: int(answer[2:])})
                except (ValueError, InputError) as exc:
                    echo(f"    {exc}")
                    continue
                w = risk["within"]
                within = ", ".join(
                    f"{OUTCOMES[k].label} {w[k]:.0%}"
                    for k in ("relations_collapsed", "red_line_crossed", "lethal_aid")
                )
                posture = ", ".join(
                    f"{k} {v:.0%}" for k, v in risk["next_month"]["moscow_posture"].items() if v
                )
                echo(
                    f"    within {risk['months']} months in {risk['reps']:,} worlds: {within}; "
                    f"next month Moscow's {words.decision('posture').what}: {posture}"
                )
                continue
            try:
                choice = int(answer)
                game.check_moves(seat, {decision: choice})
            except InputError as exc:  # before ValueError: InputError is one
                echo(f"    refused: {exc.detail}")
                continue
            except ValueError:
                echo("    please type an option number")
                continue
            moves[decision] = choice
            break
    return moves


def register(app, guarded):
    @app.command()
    @guarded
    def play(
        scenario: Annotated[
            str, typer.Argument(help="scenario name or YAML path")
        ] = "november-2024",
        seat: Annotated[
            Optional[list[str]],
            typer.Option(help="seat(s) you hold: seoul, moscow, pyongyang, nato (repeatable)"),
        ] = None,
        seed: Annotated[int, typer.Option(min=0)] = 0,
        game_file: Annotated[Path, typer.Option("--game", help="game file to write")] = Path(
            "game.json"
        ),
        resume: Annotated[Optional[Path], typer.Option(help="continue a saved game")] = None,
        advice: Annotated[bool, typer.Option(help="allow the model's advice")] = True,
    ):
        """Play one or more seats in the terminal, month by month."""
        if resume:
            game = read_game(resume)
        else:
            seats = seat or ["seoul"]
            for s in seats:
                if s not in SEATS:
                    raise InputError(
                        f"unknown seat {s!r}", field="--seat", allowed=", ".join(SEATS)
                    )
            game = Game(load_scenario(scenario), seed, {s: "player" for s in seats}, advice)
        players = [s for s, h in game.seats.items() if h == "player"]
        typer.echo(
            f"{game.scenario.name}: you hold {', '.join(players)}; seed {game.seed}; "
            f"{game.scenario.horizon_months - len(game.turns)} month(s) to play"
        )
        while not game.finished:
            moves = {}
            for s in players:
                m = _ask_seat(game, s, typer.echo)
                if m is None:
                    write_json(game.to_dict(), game_file)
                    typer.echo(
                        f"saved to {game_file}; continue with: redline play --resume {game_file}"
                    )
                    return
                moves[s] = m
            game.play_turn(moves)
            for line in turn_lines(game):
                typer.echo(line)
            write_json(game.to_dict(), game_file)
        rep = build(game)
        report_path = game_file.with_suffix(".md")
        write_text(to_markdown(rep), report_path)
        typer.echo("\nGame over.")
        for line in comparison_sentences(rep):
            typer.echo(f"  {line}")
        typer.echo(f"game saved to {game_file}; after-action report in {report_path}")

    @app.command()
    @guarded
    def report(
        game: Annotated[Path, typer.Argument(help="a game file from redline play")],
        out: Annotated[
            Optional[Path], typer.Option(help="write the report here (.md or .html)")
        ] = None,
    ):
        """The after-action report of a game: timeline, decisive turns, constraints, comparison."""
        g = read_game(game)
        rep = build(g)
        text = to_markdown(rep)
        if out is not None:
            if out.suffix not in (".md", ".html"):
                raise InputError("unknown report format", field="--out", allowed=".md or .html")
            write_text(to_html(rep) if out.suffix == ".html" else text, out)
        typer.echo(text)
