"""`redline dashboard`: start the seminar dashboard (Streamlit) on this machine.

Registered by model/cli.py when this module is present. The dashboard itself
lives in dashboard/ (see dashboard/app.py); this only launches it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import InputError


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
    root = Path(__file__).resolve().parent.parent  # dashboard/ sits beside model/
    if (root / "dashboard").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        from dashboard import serve
    except ImportError as exc:
        raise InputError(
            f"the dashboard is not available ({exc})",
            field="dashboard",
            allowed="a source checkout with dashboard/ and the dashboard extra "
            "installed (make install)",
        ) from None
    if not serve.APP.is_file():
        raise InputError(
            "dashboard/app.py is missing",
            file=str(serve.APP),
            allowed="a source checkout of redline",
        )
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise InputError(
            "streamlit is not installed",
            field="dashboard",
            allowed="make install (the dashboard extra of pyproject.toml)",
        ) from None
    cmd = serve.command(port=port, address=address, headless=headless)
    typer.echo(f"redline dashboard on http://{address}:{port} (Ctrl-C stops it)", err=True)
    try:
        code = subprocess.call(cmd)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def register(app, guarded) -> None:
    app.command(name="dashboard")(guarded(dashboard))
