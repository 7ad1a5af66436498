"""`redline play` (one or more seats in a terminal) and `redline report GAME.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..explain import why
from ..outputs import write_json, write_text
from ..scenario import load_scenario
from .engine import ACTOR_NAMES, SEATS, Game, parse_game
from .report import build, comparison_sentences, to_html, to_markdown


def read_game(path: Path) -> Game:
    if not path.is_file():
        raise InputError(
            "no such game file", file=str(path), allowed="a JSON file from redline play"
        )
    return parse_game(path.read_bytes(), str(path))


def turn_lines(game: Game) -> list[str]:
    """What the model's adjudication made of the last month."""
    log = game.log[-1]
    lines = [f"--- {log['month']} adjudicated ---"]
    lines += [f"  inject: {e['note'] or e['type']}" for e in log["events"]]
    for d in log["decisions"]:
        if d["chosen"] == d["from"] and not d["player"]:
            continue
        who = "you" if d["player"] else "model"
        text = f"  {ACTOR_NAMES[d['actor']]:<9} {d['decision']}: {d['chosen']} ({who})"
        if d["player"] and d["requested"] != d["chosen"]:
            rules = [r for rs in d["blocked"].values() for r in rs]
            text += f" - your '{d['requested']}' was blocked this month ({', '.join(sorted(set(rules)))})"
        lines.append(text)
        if not d["player"]:
            lines.append(f"  {'':<9}   why: {why(d)}")
    for v in log["votes"]:
        lines.append(
            f"  Assembly: vote {'passed' if v['passed'] else 'failed'}, {v['yes']} of 300 for"
        )
    st = game.state()
    lines.append(
        f"  now: Seoul rung {st['seoul_rung']}, Moscow reward {st['moscow_reward_rung']} "
        f"posture {st['moscow_posture']}, opposition {st['public_opposition']:.1%}, "
        f"stockpile {st['stockpile_days']:.1f} days"
    )
    return lines


def _ask_seat(game: Game, seat: str, echo) -> dict[str, int] | None:
    moves = {}
    for decision, opts in game.options(seat).items():
        echo(f"\n{ACTOR_NAMES[seat]} - {decision} ({game.month}):")
        for o in opts:
            mark = " " if o.allowed else "x"
            extra = "" if o.allowed else f"  [blocked: {', '.join(o.rules)}]"
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
                echo(
                    f"    within {risk['months']} months in {risk['reps']:,} worlds: collapse "
                    f"{w['relations_collapsed']:.0%}, red line {w['red_line_crossed']:.0%}, "
                    f"lethal aid {w['lethal_aid']:.0%}; next month Moscow posture "
                    + ", ".join(
                        f"{k} {v:.0%}" for k, v in risk["next_month"]["moscow_posture"].items() if v
                    )
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
