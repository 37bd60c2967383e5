"""The layers contract of `make lint` (pyproject.toml's [tool.importlinter]) holds on the
tree and breaks on an import that goes up a floor."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """`lint-imports` (a dev dependency, beside this Python) run in `cwd`, which it imports
    the apps from."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    command = shutil.which("lint-imports", path=path)
    assert command, "lint-imports is missing: install the dev dependencies (make install)"
    return subprocess.run(
        [command, "--no-cache"],
        cwd=cwd,
        env={**os.environ, "PATH": path, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_app_imports_only_the_apps_below_it():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_up_a_floor_breaks_the_layers(tmp_path):
    for package in CONFIG["root_packages"]:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "accounts" / "upward.py").write_text("import therapists\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "accounts is not allowed to import therapists" in result.stdout
    assert "accounts.upward -> therapists" in result.stdout
