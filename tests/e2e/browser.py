"""Helpers for the Chromium tests: a watched browser context, sign-in, phone checks."""

import re
import time

from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import totp_code

PHONE = {"width": 390, "height": 844}


class Watched:
    """A browser context whose server errors and page errors are collected."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.problems: list[str] = []
        context.on("response", self._response)
        context.on("page", lambda page: page.on("pageerror", self._page_error))

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.url}")

    def _page_error(self, error) -> None:
        self.problems.append(f"page error: {error}")

    def new_page(self) -> Page:
        return self.context.new_page()


def fresh_totp_code() -> str:
    """A code with a few seconds left: allauth accepts only the current 30-second step."""
    from allauth.mfa import app_settings

    remaining = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if remaining < 5:
        time.sleep(remaining + 0.2)
    return totp_code()


def sign_in_with_totp(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.fill("input[name=code]", fresh_totp_code())
    page.get_by_role("button", name="Sign in", exact=True).click()


def assert_fits_the_screen(page: Page) -> None:
    # The locator waits for a document: right after a click the old page may be gone.
    page.wait_for_load_state()
    width = page.locator("html").evaluate("html => html.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone: {width}px wide"
