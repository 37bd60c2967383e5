"""The API docs render in Chromium from our own static files, within the CSP."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_api_docs_render_without_csp_violations(browser_contexts, transactional_db):
    watched = browser_contexts()
    page = watched.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    expect(page.get_by_text("Tandem API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/assignments/").first).to_be_visible()
    violations = [line for line in console if "Content Security Policy" in line]
    assert not violations, violations
    assert all(url.startswith(page.url.split("/api/")[0]) for url in requested), requested
