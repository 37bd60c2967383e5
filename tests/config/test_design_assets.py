"""The design system's files: an installable manifest whose icons exist, and templates that
stay within the strict CSP (no inline script or style)."""

import json
import re

from tests.conftest import ROOT

STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"


def test_the_manifest_names_icons_that_exist():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["name"] == "Tandem" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"]).is_file(), icon["src"]


def test_the_base_template_links_the_manifest_icons_and_one_script_file():
    base = (TEMPLATES / "base.html").read_text()
    assert "manifest.webmanifest" in base and "favicon.svg" in base
    assert '<html lang="' in base


def test_templates_have_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        if path.is_relative_to(TEMPLATES / "emails"):  # e-mail clients need inline styles
            continue
        if path == TEMPLATES / "clients" / "export.html":
            # The export's page is a file opened on its own, offline: it carries its styles
            # (and no script at all, which test_export checks).
            assert "<script" not in path.read_text(), path
            continue
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\sstyle=", text), path
        assert "<style" not in text, path
        assert not re.search(r"<[a-zA-Z][^<>]*\son[a-z]+=", text), path
