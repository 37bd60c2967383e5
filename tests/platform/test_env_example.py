"""platform/env.example documents every environment variable the settings read."""

import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"
ENV_EXAMPLE = ROOT / "platform" / "env.example"

NAME = r"""["']([A-Z][A-Z0-9_]*)["']"""
# env("X"), env.bool("X"), env.db_url("X"), environ.Env().str("X"), ...
READ_CALL = re.compile(rf"\b(?:env|Env\(\))(?:\.\w+)?\(\s*{NAME}")
# "X" in env
MEMBERSHIP = re.compile(rf"{NAME}\s+in\s+env\b")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def names_read_by(source: str) -> set[str]:
    return set(READ_CALL.findall(source)) | set(MEMBERSHIP.findall(source))


def test_it_recognises_every_way_settings_read_a_variable():
    source = """
DEBUG = env.bool("A", default=True)
KEY = env("B")
DATABASES = {"default": env.db_url(\n    "C", default="sqlite://")}
EMAIL = env.email_url('D')
CACHE = env.cache_url("E") if "F" in env else None
VAR = Path(environ.Env().str("G", default="var"))
HOSTS = env.list("H")
"""
    assert names_read_by(source) == {"A", "B", "C", "D", "E", "F", "G", "H"}


def test_it_finds_the_variables_in_the_settings():
    names = names_read_by(SETTINGS.read_text())
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "TANDEM_VAR_DIR"} <= names


def test_it_documents_every_variable_the_settings_read():
    documented = set(DOCUMENTED.findall(ENV_EXAMPLE.read_text()))
    undocumented = names_read_by(SETTINGS.read_text()) - documented
    assert not undocumented, f"add to platform/env.example: {sorted(undocumented)}"


def test_it_explains_every_variable_with_a_comment():
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.strip()]
    for previous, line in itertools.pairwise(lines):
        if DOCUMENTED.match(line):
            assert previous.startswith("#") and not DOCUMENTED.match(previous), (
                f"needs a comment line above it: {line}"
            )
    assert not DOCUMENTED.match(lines[0])
