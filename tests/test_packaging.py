"""Installable and livable: what the wheel carries, where shipped files are found, and
optional commands that name their missing extra instead of vanishing.

The built wheel itself is exercised end to end by .ci/wheel-check (`make wheel-check`).
"""

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import model
from model import cli, outputs
from model.calibration.targets import TARGETS_DIR, targets_names
from model.experiments.design import DESIGN_DIR, design_names
from model.resources import SHIPPED, shipped
from model.scenario import SCENARIO_DIR, scenario_names

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def redline(*args, cwd, blocked=(), env=None):
    """The real command in a fresh interpreter, with `blocked` modules made unimportable
    (as if their package were not installed)."""
    code = (
        "import sys\n"
        f"for name in {list(blocked)!r}:\n"
        "    sys.modules[name] = None\n"
        "from model.cli import app\n"
        "app(prog_name='redline')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


# --- what the wheel carries ------------------------------------------------------------------


def _package_dirs() -> set[str]:
    """Every folder of Python code under model/ and dashboard/, as a dotted package name."""
    found = set()
    for top in ("model", "dashboard"):
        for init in (ROOT / top).rglob("*.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_every_code_package_is_in_the_wheel():
    assert _package_dirs() <= set(SETUPTOOLS["packages"])


def test_shipped_folders_are_data_packages_of_the_wheel():
    mapped = SETUPTOOLS["package-dir"]
    for kind, (package, _) in SHIPPED.items():
        assert mapped[package] == kind and package in SETUPTOOLS["packages"]
        assert SETUPTOOLS["package-data"][package] == ["*.yaml"]
        assert (ROOT / kind / "__init__.py").is_file(), f"{kind}/ needs its __init__.py"


def test_the_version_is_written_once():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "model.__version__"}
    assert importlib.metadata.version("redline") == model.__version__


def test_no_code_edits_the_import_path():
    needle = "sys.path." + "insert"
    offenders = [
        str(p.relative_to(ROOT))
        for top in ("model", "dashboard", "tests", "benchmarks", "scenarios", "seeds", "designs")
        for p in (ROOT / top).rglob("*.py")
        if needle in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- shipped files, wherever redline is installed --------------------------------------------


def test_shipped_folders_hold_the_shipped_files():
    assert SCENARIO_DIR == shipped("scenarios") and DESIGN_DIR == shipped("designs")
    assert "november-2024" in scenario_names() and "lhs" in design_names()
    assert any(shipped("seeds").glob("seok-*.yaml"))
    assert "targets" in targets_names() and TARGETS_DIR == shipped("calibration")


@pytest.mark.parametrize("kind", list(SHIPPED))
def test_an_environment_variable_replaces_a_shipped_folder(kind, tmp_path, monkeypatch):
    monkeypatch.setenv(SHIPPED[kind][1], str(tmp_path))
    assert shipped(kind) == tmp_path


def test_runs_from_a_folder_outside_the_checkout(tmp_path):
    mine = tmp_path / "my-scenarios" / "mine.yaml"
    mine.parent.mkdir()
    mine.write_text((SCENARIO_DIR / "red-line.yaml").read_text().replace("red-line", "mine", 1))
    for args in (
        ["run", "november-2024", "--reps", "50", "--seed", "1"],
        ["run", "my-scenarios/mine.yaml", "--reps", "50", "--seed", "1"],
        ["sources", "atrocity"],
        ["scenarios"],
    ):
        r = redline(*args, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stderr)
        assert "error" not in r.stderr.lower(), (args, r.stderr)


def test_user_folder_of_scenarios_by_environment(tmp_path):
    (tmp_path / "drill.yaml").write_text((SCENARIO_DIR / "atrocity.yaml").read_text())
    env = {**os.environ, "REDLINE_SCENARIOS": str(tmp_path)}
    r = redline("scenarios", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "drill" in r.stdout and "november-2024" not in r.stdout


def test_git_commit_is_recorded_from_a_checkout_only(tmp_path, monkeypatch):
    project = tmp_path / "project"  # a user's own repository that happens to hold the venv
    package = project / "venv" / "lib" / "site-packages" / "model"
    package.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(
        ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q"]
        + ["--allow-empty", "-m", "theirs"],
        check=True,
    )
    monkeypatch.setattr(outputs, "__file__", str(package / "outputs.py"))
    assert outputs.git_commit() is None
    monkeypatch.setattr(outputs, "__file__", str(project / "model" / "outputs.py"))
    theirs = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert outputs.git_commit() == theirs  # the folder above the package is the checkout


# --- optional commands and their extras ------------------------------------------------------

MESSAGE = {
    "sweep": "error: redline sweep needs the sweep extra: pip install 'redline[sweep]'",
    "analyze": "error: redline analyze needs the sweep extra: pip install 'redline[sweep]'",
    "calibrate": "error: redline calibrate needs the sweep extra: pip install 'redline[sweep]'",
    "dashboard": (
        "error: redline dashboard needs the dashboard extra: pip install 'redline[dashboard]'"
    ),
}


def test_help_lists_every_command_even_without_the_extras(tmp_path):
    r = redline("--help", cwd=tmp_path, blocked=["SALib", "streamlit"])
    assert r.returncode == 0, r.stderr
    for command in (
        "run",
        "sources",
        "validate",
        "sweep",
        "analyze",
        "calibrate",
        "dashboard",
        "play",
    ):
        assert re.search(rf"^\W*{command}\s", r.stdout, re.M), command
    assert "report" in r.stdout
    assert "needs the sweep extra" in r.stdout and "needs the dashboard extra" in r.stdout


def test_help_says_nothing_of_extras_when_they_are_installed(tmp_path):
    r = redline("--help", cwd=tmp_path)
    assert r.returncode == 0 and "needs the" not in r.stdout


@pytest.mark.parametrize(
    "args, blocked",
    [
        (["sweep", "lhs"], "SALib"),
        (["analyze", "runs/sweeps/lhs"], "sklearn"),
        (["calibrate", "targets"], "matplotlib"),
        (["dashboard", "--headless"], "streamlit"),
    ],
)
def test_a_command_without_its_extra_says_which_to_install(args, blocked, tmp_path):
    r = redline(*args, cwd=tmp_path, blocked=[blocked])
    assert r.returncode == 2
    assert r.stderr.strip() == MESSAGE[args[0]]
    assert r.stdout == "" and not (tmp_path / "runs").exists()


def test_each_extras_modules_are_the_extras_packages():
    """cli.EXTENSIONS names the modules an extra provides; they must be pyproject's list."""
    owners = importlib.metadata.packages_distributions()
    extras = PYPROJECT["project"]["optional-dependencies"]
    for _, extra, modules in cli.EXTENSIONS:
        if extra is None:
            continue
        provided = {canonicalize_name(d) for m in modules for d in owners[m]}
        wanted = {canonicalize_name(Requirement(r).name) for r in extras[extra]}
        assert provided == wanted, extra
