"""The `redline` command. Thin: it parses, calls the library, prints.

Bad input (InputError) prints one line naming file, field and what is allowed and
exits 2; any other failure is an internal error and exits 1.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import InputError
from .scenario import load_scenario, parse_assignment, resolve, scenario_names

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="redline: will Seoul cross Moscow's red line? An ensemble escalation model.",
)
# Off a terminal rich assumes 80 columns, which folds the tables into slivers.
_WIDTH = None if sys.stdout.isatty() else 160
out_console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

Scen = Annotated[str, typer.Argument(help="scenario name from scenarios/ or a path to a YAML file")]
Seed = Annotated[int, typer.Option("--seed", help="random seed", min=0)]
Sets = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set",
        help="override a parameter: NAME=VALUE with its dotted name, e.g. "
        "seoul.public_opposition=0.78 (repeatable)",
    ),
]


def guarded(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(exc.render())}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("REDLINE_DEBUG"):
                raise
            err_console.print(
                f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
                "(set REDLINE_DEBUG=1 for a traceback)",
                highlight=False,
            )
            raise typer.Exit(1) from None

    return wrapper


def overrides_from(items: list[str] | None) -> dict:
    return dict(parse_assignment(item) for item in items or [])


def _progress(total: int, label: str):
    """A rich progress bar on a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    task = bar.add_task(label, total=total)
    return bar, lambda n: bar.advance(task, n)


def summary_table(summary, title: str) -> Table:
    """Each outcome's probability and interval; a calibrated run's summary (with param_low
    and param_high) shows the Monte Carlo interval and the interval from parameters."""
    calibrated = "param_low" in summary.columns
    table = Table(title=title)
    intervals = ("Monte Carlo 95%", "parameters 95%") if calibrated else ("95% interval",)
    for col in ("outcome", "probability", *intervals, "median months"):
        table.add_column(col, justify="left" if col == "outcome" else "right")
    for row in summary.itertuples():
        months = (
            "-"
            if row.median_months is None or row.median_months != row.median_months
            else f"{row.median_months:g}"
        )
        cells = [f"{row.ci_low:.1%} - {row.ci_high:.1%}"]
        if calibrated:
            cells.append(f"{row.param_low:.1%} - {row.param_high:.1%}")
        table.add_row(row.outcome, f"{row.probability:.1%}", *cells, months)
    return table


@app.command()
@guarded
def run(
    scenario: Scen = "november-2024",
    reps: Annotated[int, typer.Option(help="replications")] = 1000,
    seed: Seed = 0,
    set_: Sets = None,
    out: Annotated[
        Optional[Path],
        typer.Option(help="directory for outcomes, timeseries, summary and manifest"),
    ] = None,
    calibrated: Annotated[
        Optional[str],
        typer.Option(
            "--calibrated",
            metavar="DIR",
            help="draw each replication's weights from a calibration's surviving sets (a "
            "directory written by `redline calibrate`, or `record`, the shipped one); --set "
            "keeps a weight as set",
        ),
    ] = None,
    parameter_sets: Annotated[
        int,
        typer.Option(
            "--parameter-sets",
            help="with --calibrated: surviving sets run (200 replications each, common "
            "random numbers) for the interval from parameters",
        ),
    ] = 100,
    posterior: Annotated[
        bool,
        typer.Option(
            "--posterior",
            help="with --calibrated: draw from the calibration's ABC-SMC posterior "
            "(`redline calibrate-abc`), each set with its posterior probability, instead of "
            "its surviving sets",
        ),
    ] = False,
):
    """Run an ensemble and print each outcome's probability."""
    from .outputs import write_run
    from .simulation import simulate

    if posterior and calibrated is None:
        raise InputError(
            "--posterior without --calibrated",
            field="--posterior",
            allowed="--calibrated DIR --posterior (DIR refined by `redline calibrate-abc`)",
        )
    overrides = overrides_from(set_)
    sc = load_scenario(scenario, overrides)
    if calibrated is not None:
        _run_calibrated(sc, reps, seed, overrides, out, calibrated, parameter_sets, posterior)
        return
    bar, tick = (
        _progress(sc.horizon_months, "months")
        if reps * sc.horizon_months >= 200_000
        else (None, None)
    )
    if bar:
        with bar:
            res = simulate(sc, reps=reps, seed=seed, progress=tick)
    else:
        res = simulate(sc, reps=reps, seed=seed)
    out_console.print(
        summary_table(
            res.summary(),
            f"{sc.name}: {reps:,} replications, seed {seed}, {res.months[0]} to {res.months[-1]}",
        )
    )
    if out is not None:
        files = write_run(res, out, overrides)
        out_console.print(f"wrote {', '.join(str(f) for f in files)}", highlight=False)


def _run_calibrated(sc, reps, seed, overrides, out, where, sets, posterior=False) -> None:
    """`redline run --calibrated`: every world with its own surviving set, two intervals."""
    from .calibration.calibrated import check_sets, load_calibration, run_calibrated
    from .outputs import write_run
    from .simulation import check_seed, check_size

    check_size(reps, sc.horizon_months)
    check_seed(seed)
    check_sets(sets)
    cal = load_calibration(where, posterior=posterior)
    run = run_calibrated(sc, reps, seed, cal, keep=overrides, sets=sets)
    res = run.result
    out_console.print(
        summary_table(
            run.summary,
            f"{sc.name}: {reps:,} replications, seed {seed}, {res.months[0]} to "
            f"{res.months[-1]}, calibrated",
        )
    )
    for line in [cal.words(), *run.notes]:
        out_console.print(line, highlight=False, soft_wrap=True)
    kind = "surviving set" if cal.weights is None else "posterior set, drawn by its probability"
    out_console.print(
        "Monte Carlo 95%: Wilson interval of the share of worlds (each world with its own "
        f"{kind}). Parameters 95%: the 2.5% to 97.5% range of the probability over "
        f"{len(run.sets)} {kind.split(',')[0]}s, {run.set_reps} replications each, same random "
        "numbers.",
        highlight=False,
        soft_wrap=True,
    )
    if out is not None:
        files = write_run(
            res,
            out,
            overrides,
            summary=run.summary,
            extra=run.extra(),
            tables={
                "parameters.parquet": run.parameters_frame(),
                "parameter_sets.parquet": run.sets,
            },
        )
        out_console.print(f"wrote {', '.join(str(f) for f in files)}", highlight=False)


@app.command()
@guarded
def explain(
    scenario: Scen = "november-2024",
    seed: Seed = 0,
    replication: Annotated[int, typer.Option(help="which replication to tell", min=0)] = 0,
    reps: Annotated[int, typer.Option(help="replications in the run it belongs to")] = 1000,
    set_: Sets = None,
):
    """Tell one replication month by month: who did what, why, and what was blocked."""
    from .explain import explain as tell

    if replication >= reps:
        raise InputError(
            f"replication {replication}",
            field="--replication",
            allowed=f"0 to {reps - 1} (less than --reps)",
        )
    sc = load_scenario(scenario, overrides_from(set_))
    for line in tell(sc, seed=seed, replication=replication, reps=reps):
        out_console.print(line, highlight=False, soft_wrap=True)


@app.command()
@guarded
def scenarios():
    """List the shipped scenarios."""
    table = Table(title="scenarios/")
    for col in ("name", "start", "months", "injects", "description"):
        table.add_column(col)
    for name in scenario_names():
        sc = load_scenario(name)
        table.add_row(
            name,
            sc.start,
            str(sc.horizon_months),
            ", ".join(f"{e.month} {e.type}" for e in sc.injects) or "-",
            " ".join(sc.description.split())[:110],
        )
    out_console.print(table)


@app.command()
@guarded
def sources(
    scenario: Annotated[
        Optional[str],
        typer.Argument(help="show the values of this scenario instead of the defaults"),
    ] = None,
    markdown: Annotated[bool, typer.Option(help="print a Markdown table")] = False,
):
    """Every parameter with its value, unit, range and evidence."""
    from .evidence import evidence_rows

    values = load_scenario(scenario).flat_parameters() if scenario else None
    rows = evidence_rows(values)
    if markdown:
        out_console.print(
            "| parameter | value | unit | range | source | evidence |\n|---|---|---|---|---|---|",
            markup=False,
            highlight=False,
        )
        for r in rows:
            cells = [
                r["parameter"],
                r["value"],
                r["unit"],
                r["range"],
                r["source"],
                r["evidence"].replace("|", "/").replace("\n", " "),
            ]
            out_console.print(
                "| " + " | ".join(str(c) for c in cells) + " |",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        return
    group = None
    for r in rows:
        g = r["parameter"].split(".")[0] if "." in r["parameter"] else "scenario"
        if g != group:
            group = g
            out_console.print(f"\n[bold]{g}[/]")
        out_console.print(
            f"  [bold]{r['parameter']}[/] = {r['value']}  "
            + escape(f"[{r['unit']}; {r['range']}]"),
            highlight=False,
            soft_wrap=True,
        )
        for line in r["evidence"].split("\n"):
            out_console.print(f"      {line}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@guarded
def validate(
    reps: Annotated[int, typer.Option(help="replications per claim (at least 2000)")] = 2000,
    seed: Seed = 2024,
):
    """Check the model against the documents' claims; exit 1 if any fails.

    Each claim says its kind: by construction (a rule guarantees it) or tested (it
    could come out either way)."""
    from .validation import BY_CONSTRUCTION, MIN_REPS, checks

    results = checks(reps=reps, seed=seed)
    table = Table(
        title=f"validation against the documents ({max(reps, MIN_REPS):,} replications per run)",
        show_lines=True,
    )
    for col in ("claim", "kind", "source", "target", "measured", "result"):
        table.add_column(col, overflow="fold")
    for c in results:
        verdict = (
            "compare" if c.passed is None else ("[green]pass[/]" if c.passed else "[red]FAIL[/]")
        )
        table.add_row(
            escape(c.claim), c.kind, c.source, escape(c.target), escape(c.measured), verdict
        )
    out_console.print(table)
    failed = [c for c in results if c.passed is False]
    built = sum(c.kind == BY_CONSTRUCTION for c in results)
    kinds = f"{built} by construction, {len(results) - built} tested"
    out_console.print(
        f"{len(results) - len(failed)} passed, {len(failed)} failed ({kinds})"
        if failed
        else f"{len(results)} checks ({kinds}): all passed"
    )
    if failed:
        raise typer.Exit(1)


@app.command()
@guarded
def scoreboard(
    calibrated: Annotated[
        Optional[str],
        typer.Option(
            "--calibrated",
            metavar="DIR",
            help="the calibration whose surviving sets the calibrated forecasts draw from "
            "(default: the shipped one, `record`; `none` leaves them out)",
        ),
    ] = None,
    reps: Annotated[int, typer.Option(help="replications of each model forecast")] = 2000,
    seed: Seed = 1,
    out: Annotated[
        Optional[Path],
        typer.Option(
            help="also write FILE.md (tables), FILE.csv (one row per forecast) or FILE.png"
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace --out if it exists")] = False,
):
    """Score the model's and the analysts' forecasts against the 2024-25 record."""
    from .calibration import load_targets
    from .calibration import scoreboard as sb
    from .calibration.calibrated import SHIPPED_NAME, calibration_names, load_calibration
    from .simulation import check_seed, check_size

    check_size(reps, 24)
    check_seed(seed)
    if out is not None:
        sb.check_out(out, overwrite)
        if out.suffix == ".png":
            import importlib.util

            if importlib.util.find_spec("matplotlib") is None:
                raise InputError(
                    "a .png needs matplotlib", field="--out", allowed="pip install 'redline[sweep]'"
                )
    targets = load_targets("targets")
    where = calibrated
    if where is None and SHIPPED_NAME in calibration_names():
        where = SHIPPED_NAME
    cal = None if where in (None, "none") else load_calibration(where, targets=targets)
    board = sb.score(sb.model_runs(reps, seed, cal), targets)
    about = (
        f"Model forecasts: {reps:,} replications each, seed {seed}, from the july-2024 and "
        "november-2024 scenarios run to December 2025 without the record's injects"
        + (
            f"; calibrated ones draw each world's weights from {cal.path} ({cal.size:,} sets)"
            if cal
            else ""
        )
        + ". Outcomes from the record (seeds/record-2024.yaml, outside the two documents)."
    )
    table = Table(
        title="Forecasts scored against the record (probability, Brier score)", show_lines=True
    )
    frame = sb.wide(board)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[escape(str(v)) for v in row])
    out_console.print(table)
    totals = Table(title="Per forecaster (means over the observables each scored)")
    for col in ("forecaster", "observables", "mean Brier", "mean log score", "held out"):
        totals.add_column(col, justify="left" if col == "forecaster" else "right")
    for r in sb.totals(board).itertuples(index=False):
        log = "-" if r[3] != r[3] else f"{r[3]:.3f}"
        totals.add_row(r[0], str(r[1]), f"{r[2]:.3f}", log, str(r[4]))
    out_console.print(totals)
    for call in sb.CALLS:
        out_console.print(
            f"{call.forecaster} ({call.excerpt}): “{call.words}” - {call.reading}",
            highlight=False,
            soft_wrap=True,
        )
    out_console.print(about, highlight=False, soft_wrap=True)
    if out is not None:
        out_console.print(f"wrote {sb.write(board, out, about)}", highlight=False)


@app.command(name="show-scenario")
@guarded
def show_scenario(scenario: Scen, set_: Sets = None):
    """Print a scenario as YAML (with overrides applied): a file `redline run` accepts."""
    from .scenario import dump_yaml

    resolve(scenario)
    out_console.print(
        dump_yaml(load_scenario(scenario, overrides_from(set_))),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


# Commands that live beside their subsystems: the module that registers them, the extra of
# pyproject.toml they need (None: the base install has all they import) and the modules that
# extra provides (tests/test_packaging.py holds these to pyproject.toml's lists).
EXTENSIONS = (
    ("model.experiments.commands", "sweep", ("SALib", "sklearn", "matplotlib", "tabulate")),
    ("model.calibration.commands", "sweep", ("SALib", "sklearn", "matplotlib", "tabulate")),
    ("dashboard.command", "dashboard", ("streamlit", "altair", "vl_convert")),
    ("model.game.commands", None, ()),
)


def needs_extra(extra: str | None, modules: tuple[str, ...]):
    """Wrap a command so that, without its extra installed, it names the extra (exit 2).

    The command is registered either way, so `redline --help` always lists it, and says
    there what it needs. Looking the modules up does not import them.
    """
    import importlib.util

    if extra is None or all(importlib.util.find_spec(m) is not None for m in modules):
        return lambda fn: fn
    install = f"pip install 'redline[{extra}]'"

    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            raise InputError(f"redline {fn.__name__} needs the {extra} extra: {install}")

        first, _, rest = (fn.__doc__ or "").partition("\n")  # help is rich markup: escape [
        wrapper.__doc__ = f"{first} (needs the {extra} extra: {escape(install)})\n{rest}"
        return wrapper

    return wrap


def _register_extensions():
    import importlib

    for module, extra, modules in EXTENSIONS:
        check = needs_extra(extra, modules)
        importlib.import_module(module).register(app, lambda fn, check=check: guarded(check(fn)))


_register_extensions()
