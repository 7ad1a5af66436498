"""`redline sweep` and `redline analyze`: thin commands over the experiments package.

They parse, call the library and print; bad input surfaces as InputError (one
line, exit 2) through the CLI's `guarded` wrapper. Ctrl-C during a sweep exits
130 with the command that resumes it.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import InputError
from ..outcomes import OUTCOMES

METHODS = ("summary", "sobol", "morris", "discover")
TERMINAL_ROWS = 25
TOP_PARAMETERS = 12


def _consoles():
    from ..cli import err_console, out_console

    return out_console, err_console


def sweep(
    design: Annotated[
        str, typer.Argument(help="design name from designs/ or a path to a design YAML file")
    ],
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="output directory (default runs/sweeps/<design name>)"),
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
            help="run on Dask: local[:N] starts N workers on this machine (loopback "
            "only); tcp://HOST:PORT joins a running `dask scheduler`",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="continue the interrupted sweep in --out (same design required)"
        ),
    ] = False,
    calibrated: Annotated[
        Optional[str],
        typer.Option(
            "--calibrated",
            metavar="DIR",
            help="draw each replication's other weights from a calibration's surviving sets "
            "(a directory written by `redline calibrate`, or `record`, the shipped one); "
            "factors and fixed values stay as designed",
        ),
    ] = None,
):
    """Run a design's sweep: blocks of design points x replications, streamed to Parquet."""
    from .design import load_design
    from .runner import SweepInterrupted, run_sweep

    console, err = _consoles()
    d = load_design(design)
    if calibrated is not None:
        d = _calibrated(d, calibrated, err)
    target = out if out is not None else Path("runs") / "sweeps" / d.name
    blocks = len(d.blocks())
    err.print(
        f"sweep {d.name}: {d.n_points:,} design points x {d.spec.replications:,} "
        f"replications = {d.total_replications:,} replications in {blocks:,} blocks "
        f"({d.spec.sampler}, seed {d.spec.seed}, scenario {d.scenario.name}) -> {target}",
        highlight=False,
        soft_wrap=True,
    )
    resume_cmd = f"redline sweep {shlex.quote(design)} --out {shlex.quote(str(target))} --resume"
    try:
        report = run_sweep(
            d,
            target,
            workers=workers,
            dask=dask,
            resume=resume,
            echo=lambda m: err.print(m, highlight=False, soft_wrap=True),
        )
    except SweepInterrupted as exc:
        err.print(
            f"interrupted: {exc.done:,} of {exc.total:,} blocks are saved in {exc.out}. "
            f"Resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    except InputError:
        raise
    except Exception:
        err.print(
            f"the sweep stopped on an error; finished blocks are kept. After fixing the "
            f"cause, resume with:\n  {resume_cmd}",
            highlight=False,
            soft_wrap=True,
        )
        raise
    if report.blocks_run:
        ex = report.executor
        where = f"{ex.get('executor')}, {ex.get('workers')} worker(s)"
        console.print(
            f"ran {report.blocks_run:,} blocks ({report.replications_run:,} "
            f"replications) in {report.seconds:.1f} s on {where}: "
            f"{report.rate:,.0f} replications/s"
            + (
                f"; {report.blocks_skipped:,} blocks were already done"
                if report.blocks_skipped
                else ""
            ),
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(f"all {report.blocks:,} blocks were already done", highlight=False)
    from .store import SUMMARY
    from .summary import overview_of

    console.print(
        _frame_table(
            overview_of(report.out / SUMMARY, d.outcomes),
            f"{d.name}: outcomes across design points",
        )
    )
    console.print(
        f"wrote {report.out}; analyse with: redline analyze {shlex.quote(str(report.out))}"
        + (f" --method {d.spec.sampler}" if d.spec.sampler in ("sobol", "morris") else ""),
        highlight=False,
        soft_wrap=True,
    )


def _calibrated(design, where: str, err):
    """The design with its non-factor weights drawn per replication from the survivors."""
    from dataclasses import replace

    from ..calibration.calibrated import draw, load_calibration, set_by_injects

    cal = load_calibration(where)
    keep = {*design.names, *design.spec.fixed, *set_by_injects(design.scenario)}
    pdraw = draw(cal, design.spec.seed, keep)
    err.print(cal.words(), highlight=False, soft_wrap=True)
    if pdraw.kept:
        err.print(
            "kept as designed, not drawn: " + ", ".join(pdraw.kept), highlight=False, soft_wrap=True
        )
    if not pdraw.values:
        raise InputError(
            "every calibrated weight is a factor or fixed in this design: nothing to draw",
            file=design.origin,
            field="factors",
            allowed="a design that leaves some of " + ", ".join(cal.names) + " free",
        )
    return replace(design, calibrated=pdraw)


def analyze(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="a finished sweep's directory")],
    method: Annotated[
        str, typer.Option("--method", help="summary | sobol | morris | discover")
    ] = "summary",
    outcome: Annotated[
        Optional[list[str]],
        typer.Option(
            "--outcome",
            help="outcome(s) to analyse (repeatable; discover takes exactly one, "
            "e.g. relations_collapsed)",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            help="discover: a design point is of interest when the event's "
            "probability there is at least this",
        ),
    ] = 0.5,
    algorithm: Annotated[
        str,
        typer.Option("--algorithm", help="discover: prim (EMA Workbench) or tree (scikit-learn)"),
    ] = "prim",
    boxes: Annotated[
        int, typer.Option("--boxes", help="discover: at most this many boxes", min=1, max=20)
    ] = 3,
    min_density: Annotated[
        float,
        typer.Option(
            "--min-density",
            help="discover (prim): the share of points of interest a box must reach",
        ),
    ] = 0.8,
):
    """Analyse a finished sweep: summary tables, Sobol'/Morris indices, or scenario discovery."""
    from .analysis import open_sweep

    if method not in METHODS:
        raise InputError(f"unknown method '{method}'", field="--method", allowed=", ".join(METHODS))
    if method == "discover" and (not outcome or len(outcome) != 1):
        raise InputError(
            "discover needs exactly one --outcome",
            field="--outcome",
            allowed="one event, e.g. --outcome lethal_aid or --outcome relations_collapsed",
        )
    console, _ = _consoles()
    sw = open_sweep(directory)
    if method != "discover":
        outcome = sw.check_outcomes(outcome)
    if method == "summary":
        from .analysis import readable_table, summary_report

        files = summary_report(sw, outcome)
        shown = readable_table(sw, outcome, limit=TERMINAL_ROWS)
        more = len(sw.points) - len(shown)
        console.print(
            _frame_table(
                shown,
                f"{sw.manifest['design']['name']}: per design point"
                + (f" (first {len(shown)}; {more:,} more in the CSV)" if more > 0 else ""),
            )
        )
    elif method in ("sobol", "morris"):
        from .sensitivity import morris_indices, noise_note, rank_key, sobol_indices, write_indices

        idx = (sobol_indices if method == "sobol" else morris_indices)(sw, outcome)
        files = write_indices(sw, idx)
        key = rank_key(method)
        shown = [o for o in outcome if o in OUTCOMES] if len(outcome) > 6 else outcome
        for name in shown:
            t = idx.table[idx.table["outcome"] == name]
            if t.empty:
                continue
            t = t.sort_values(key, ascending=False).head(TOP_PARAMETERS).drop(columns="outcome")
            console.print(_frame_table(t, f"{name}: top parameters by {key}"))
            console.print(
                noise_note(idx.noise.get(name, float("nan"))), highlight=False, soft_wrap=True
            )
        for name, why in idx.skipped.items():
            console.print(f"{name}: no indices ({why})", highlight=False)
        if idx.table.empty:
            raise InputError(
                "no outcome varies across the design points",
                file=str(directory),
                field="--outcome",
                allowed="outcomes that vary: see `redline analyze DIR` (summary)",
            )
    else:
        from .discovery import discover, write_discovery

        disc = discover(
            sw,
            outcome[0],
            threshold=threshold,
            algorithm=algorithm,
            max_boxes=boxes,
            min_density=min_density,
        )
        files = write_discovery(sw, disc)
        console.print(
            f"{outcome[0]}: {disc.points_of_interest:,} of {disc.points:,} design points "
            f"have P >= {threshold:g}",
            highlight=False,
        )
        if disc.boxes.empty:
            console.print(
                f"no box reaches density {min_density:g}; try a lower --min-density "
                "or --algorithm tree",
                highlight=False,
            )
        else:
            console.print(
                _frame_table(disc.boxes, f"where {outcome[0]} is likely ({disc.algorithm})")
            )
            console.print(
                _frame_table(disc.limits.drop(columns=["unit"]), "parameter ranges of each box")
            )
    written = []
    for v in files.values():
        written += v if isinstance(v, list) else [v]
    console.print(
        "wrote " + ", ".join(str(p) for p in written if p), highlight=False, soft_wrap=True
    )


def _cell(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "-" if v != v else f"{v:.4g}"
    return str(v)


def _frame_table(frame, title: str) -> Table:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v.item() if hasattr(v, "item") else v) for v in row])
    return table


def register(app, guarded) -> None:
    app.command(name="sweep")(guarded(sweep))
    app.command(name="analyze")(guarded(analyze))
