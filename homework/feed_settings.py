"""The settings page of a private calendar feed, the client's or the therapist's: turn it
on, show titles, make a new link, turn it off. Each portal says which feed and services."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render

FEED_ACTIONS = {"enable", "titles", "revoke", "disable"}
NEEDS_FEED = {"titles", "revoke"}


@dataclass(frozen=True)
class FeedPage:
    feed: object | None
    enable: Callable[[], object]
    set_titles: Callable[[object, bool], object]
    revoke: Callable[[object], object]
    disable: Callable[[object], object]
    url: Callable[[object], str]
    page: str  # the URL name of the settings page
    template: str
    titles_shown: str  # what the message says once titles are on, and off
    titles_hidden: str


def feed_settings(request, page: FeedPage) -> HttpResponse:
    feed = page.feed
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in FEED_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        if action in NEEDS_FEED and feed is None:
            messages.info(request, "Your calendar link is off. Turn it on first.")
            return redirect(page.page)
        match action:
            case "enable":
                page.enable()
                messages.success(request, "Your calendar link is ready.")
            case "titles":
                show = request.POST.get("show_titles") == "on"
                page.set_titles(feed, show)
                messages.success(request, page.titles_shown if show else page.titles_hidden)
            case "revoke":
                page.revoke(feed)
                messages.success(
                    request, "You have a new calendar link. The old one no longer works."
                )
            case "disable":
                if feed is not None:
                    page.disable(feed)
                messages.success(request, "Your calendar link is off. The old one no longer works.")
        return redirect(page.page)
    url = page.url(feed) if feed is not None else ""
    return render(
        request,
        page.template,
        {
            "feed": feed,
            "feed_url": url,
            # webcal:// opens the calendar app's "subscribe" dialog on most devices.
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        },
    )
