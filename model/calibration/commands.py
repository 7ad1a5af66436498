"""`redline calibrate` and `redline calibrate-abc`: thin commands over model.calibration.

They parse, call the library and print; bad input surfaces as InputError (one line,
exit 2) through the CLI's `guarded` wrapper. Ctrl-C exits 130 with the command that
resumes the calibration or its refinement.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import InputError


def _consoles():
    from ..cli import err_console, out_console

    return out_console, err_console


class _Bars:
    """One rich progress bar per wave, on a terminal only."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("replications"),
            TimeRemainingColumn(),
            console=console,
        )
        self.tasks: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(phase, total=total)
        self.progress.update(self.tasks[phase], completed=done)


def calibrate(
    targets: Annotated[
        str,
        typer.Argument(
            metavar="TARGETS",
            help="targets file name from calibration/ (e.g. targets) or a path to one",
        ),
    ],
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="output directory (default runs/calibration/<targets name>)"),
    ] = None,
    waves: Annotated[
        Optional[int], typer.Option("--waves", help="waves of history matching (default 3)")
    ] = None,
    points: Annotated[
        Optional[int], typer.Option("--points", help="parameter sets per wave (default 1000)")
    ] = None,
    reps: Annotated[
        Optional[int],
        typer.Option(
            "--reps", help="replications of each scenario per parameter set (default 200)"
        ),
    ] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="random seed (default 1)")] = None,
    cutoff: Annotated[
        Optional[float],
        typer.Option("--cutoff", help="implausibility above which a set is ruled out (default 3)"),
    ] = None,
    workers: Annotated[
        Optional[int],
        typer.Option(
            "--workers", help="local worker processes (default: all cores; 1 runs in this process)"
        ),
    ] = None,
    dask: Annotated[
        Optional[str],
        typer.Option(
            "--dask",
            help="run on Dask: local[:N] starts N workers on this machine (loopback only); "
            "tcp://HOST:PORT joins a running `dask scheduler`",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="continue the interrupted calibration in --out (same targets file required; "
            "options left out keep their earlier values)",
        ),
    ] = False,
):
    """Calibrate the free parameters of a targets file against the record: history matching
    in waves (survivors.parquet, waves.parquet, report.md, report.png)."""
    from .engine import CalibrationInterrupted, run_calibration
    from .targets import load_targets

    console, err = _consoles()
    t = load_targets(targets)
    target = out if out is not None else Path("runs") / "calibration" / t.name
    given = {"waves": waves, "points": points, "replications": reps, "seed": seed, "cutoff": cutoff}
    resume_cmd = (
        f"redline calibrate {shlex.quote(targets)} --out {shlex.quote(str(target))} --resume"
    )

    def announce(s):
        err.print(
            f"calibrate {t.name}: {len(t.free)} free parameters, {len(t.fit)} fit and "
            f"{len(t.held_out)} held-out targets; {s.waves} waves of {s.points:,} parameter sets "
            f"x {s.replications:,} replications of {len(t.runs_for(t.fit))} scenario runs, "
            f"seed {s.seed}, cut-off {s.cutoff:g} -> {target}",
            highlight=False,
            soft_wrap=True,
        )

    def echo(message: str) -> None:
        err.print(message, highlight=False, soft_wrap=True)

    bars = _Bars(err) if sys.stderr.isatty() else None
    try:
        options = dict(workers=workers, dask=dask, resume=resume, echo=echo, announce=announce)
        if bars is not None:
            with bars.progress:
                report = run_calibration(t, target, given, progress=bars, **options)
        else:
            report = run_calibration(t, target, given, **options)
    except CalibrationInterrupted as exc:
        where = f" ({exc.done:,} of {exc.total:,} blocks of {exc.phase} done)" if exc.total else ""
        err.print(
            f"interrupted in {exc.phase}{where}; finished blocks are saved in {exc.out}. "
            f"Resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    except InputError:
        raise
    except Exception:
        err.print(
            "the calibration stopped on an error; finished blocks are kept. After fixing the "
            f"cause, resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise
    table = Table(title=f"{t.name}: history matching, cut-off {report.settings.cutoff:g}")
    for col in ("wave", "parameter sets", "ruled out", "left", "smallest implausibility"):
        table.add_column(col, justify="right")
    for k, w in enumerate(report.waves, start=1):
        table.add_row(
            str(k),
            f"{w['points']:,}",
            f"{w['ruled_out']:,} ({w['ruled_out'] / w['points']:.0%})",
            f"{w['survivors']:,}",
            f"{w['smallest_implausibility']:.2f}",
        )
    console.print(table)
    ran = (
        f"ran {report.replications_run:,} replications ({report.rep_months_run:,} "
        f"replication-months) in {report.seconds:.1f} s: "
        f"{report.rep_months_per_second:,.0f} replication-months/s"
        if report.replications_run
        else "every block was already done"
    )
    console.print(
        f"{report.survivors:,} parameter sets survive. {ran}. Wrote {report.out}/survivors.parquet, "
        f"waves.parquet, report.md, report.png",
        highlight=False,
        soft_wrap=True,
    )


class _PopulationBars:
    """One rich progress bar per population of ABC-SMC, on a terminal only."""

    def __init__(self, console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("accepted, {task.fields[runs]:,} model runs"),
            console=console,
        )
        self.tasks: dict[str, int] = {}

    def __call__(self, label: str, accepted: int, size: int, runs: int) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(label, total=size, runs=runs)
        self.progress.update(self.tasks[label], completed=accepted, runs=runs)


def calibrate_abc(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="a finished calibration directory (written by `redline calibrate`; a copy of "
            "the shipped calibration/record/ will do)",
        ),
    ],
    targets: Annotated[
        Optional[str],
        typer.Option(
            "--targets",
            help="the targets file the calibration was made against (default: the one its "
            "manifest names)",
        ),
    ] = None,
    populations: Annotated[
        Optional[int],
        typer.Option("--populations", help="populations of ABC-SMC at most (default 5)"),
    ] = None,
    size: Annotated[
        Optional[int], typer.Option("--size", help="particles per population (default 200)")
    ] = None,
    reps: Annotated[
        Optional[int],
        typer.Option(
            "--reps",
            help="replications of each scenario per particle (default: the calibration's)",
        ),
    ] = None,
    seed: Annotated[
        Optional[int], typer.Option("--seed", help="random seed (default: the calibration's)")
    ] = None,
    min_epsilon: Annotated[
        Optional[float],
        typer.Option(
            "--min-epsilon",
            help="stop after the population whose epsilon (largest implausibility accepted) "
            "reaches this; no epsilon goes below it (default 1)",
        ),
    ] = None,
    workers: Annotated[
        Optional[int],
        typer.Option(
            "--workers",
            help="local worker processes sharing out each particle's blocks (default 1; the "
            "posterior is the same for any number)",
        ),
    ] = None,
    dask: Annotated[
        Optional[str],
        typer.Option(
            "--dask",
            help="run each particle's blocks on Dask: local[:N] or tcp://HOST:PORT",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="continue the interrupted refinement in DIR from its last finished population "
            "(options left out keep their earlier values)",
        ),
    ] = False,
):
    """Refine a finished calibration by ABC-SMC (pyabc) inside its surviving region
    (posterior.parquet with weights, abc-history.db, a section of report.md, report-abc.png)."""
    from .abc import AbcInterrupted, refine, require_pyabc

    require_pyabc()
    console, err = _consoles()
    given = {
        "populations": populations,
        "size": size,
        "replications": reps,
        "seed": seed,
        "min_epsilon": min_epsilon,
    }
    resume_cmd = f"redline calibrate-abc {shlex.quote(str(directory))}" + (
        f" --targets {shlex.quote(targets)}" if targets else ""
    )
    resume_cmd += " --resume"

    def announce(s, ranges, t):
        held = [r.name for r in ranges if r.fixed]
        err.print(
            f"calibrate-abc {directory}: ABC-SMC over {len(ranges) - len(held)} free parameters"
            + (f" ({len(held)} held: one surviving value)" if held else "")
            + f", up to {s.populations} populations of {s.size:,} particles x "
            f"{s.replications:,} replications of {len(t.runs_for(t.fit))} scenario runs, "
            f"seed {s.seed}, minimum epsilon {s.min_epsilon:g}",
            highlight=False,
            soft_wrap=True,
        )

    def echo(message: str) -> None:
        err.print(message, highlight=False, soft_wrap=True)

    bars = _PopulationBars(err) if sys.stderr.isatty() else None
    options = dict(
        workers=1 if workers is None and dask is None else workers,
        dask=dask,
        resume=resume,
        echo=echo,
        announce=announce,
    )
    try:
        if bars is not None:
            with bars.progress:
                report = refine(directory, targets, given, progress=bars, **options)
        else:
            report = refine(directory, targets, given, **options)
    except AbcInterrupted as exc:
        err.print(
            f"interrupted in population {exc.population} ({exc.accepted:,} of {exc.size:,} "
            f"accepted after {exc.runs:,} model runs); finished populations are saved in "
            f"{exc.out}. Resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    except InputError:
        raise
    except Exception:
        err.print(
            "the refinement stopped on an error; finished populations are kept. After fixing "
            f"the cause, resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise
    table = Table(title=f"{directory}: ABC-SMC")
    for col in ("population", "epsilon", "accepted", "model runs", "acceptance rate"):
        table.add_column(col, justify="right")
    for p in report.populations:
        table.add_row(
            str(p["population"]),
            f"{p['epsilon']:.3g}",
            f"{p['particles']:,}",
            f"{p['model_runs']:,}",
            f"{p['acceptance_rate']:.0%}",
        )
    console.print(table)
    ran = (
        f"ran {report.model_runs:,} model runs in {report.seconds:.1f} s"
        if report.model_runs
        else "every population was already done"
    )
    console.print(
        f"Stopped: {report.stopped}. {report.posterior:,} weighted particles in the posterior; "
        f"{ran}. Wrote {report.out}/posterior.parquet, abc-history.db, report.md, "
        "report-abc.png",
        highlight=False,
        soft_wrap=True,
    )


def register(app, guarded) -> None:
    app.command(name="calibrate")(guarded(calibrate))
    app.command(name="calibrate-abc")(guarded(calibrate_abc))
