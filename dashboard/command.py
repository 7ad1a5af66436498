"""`redline dashboard`: start the seminar dashboard (Streamlit) on this machine.

It lives with the dashboard it launches; model/cli.py registers it and, when the
dashboard extra is not installed, says which to install instead of running it.
dashboard/serve.py builds the command line (the installed dashboard/app.py).
"""

from __future__ import annotations

import subprocess
from typing import Annotated, Optional

import typer

from . import serve


def dashboard(
    port: Annotated[int, typer.Option("--port", help="port to serve on", min=1, max=65535)] = 8501,
    address: Annotated[
        str,
        typer.Option(
            "--address",
            help="address to listen on; 0.0.0.0 lets other machines in the room connect",
        ),
    ] = "localhost",
    headless: Annotated[
        Optional[bool],
        typer.Option(
            "--headless/--open",
            help="do not open a browser (default: headless when there is no display)",
        ),
    ] = None,
):
    """Open the seminar dashboard: sliders, ensembles, comparison, sweeps and sensitivity."""
    cmd = serve.command(port=port, address=address, headless=headless)
    typer.echo(f"redline dashboard on http://{address}:{port} (Ctrl-C stops it)", err=True)
    try:
        code = subprocess.call(cmd)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def register(app, guarded) -> None:
    app.command(name="dashboard")(guarded(dashboard))
