"""Parts of the therapist's page of one client kept as fragments (accounts.fragments): the
fortnight's mood strip, the days shared and the rows of the homework table, each drawn from
plain values only, so a page whose client wrote something that changes none of them reads
them back instead of drawing them again (together they took a fifth of the page's time)."""

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from accounts import fragments, versions
from accounts.templatetags.tandem_ui import week_labels
from clients.record_lines import record_urls
from homework.selectors import AdherenceReport
from progress.summary import MoodStrip, SharedDay

MOOD_STRIP = "therapists/_mood_strip.html"
SHARED_DAYS = "therapists/_shared_days.html"
HOMEWORK_ROW = "therapists/_homework_row.html"
# Stands for the request's CSRF token in a kept row's forms, replaced by it when the page is
# drawn: the page cache's own stand-in, a character no text saved in Tandem can hold.
CSRF_STAND_IN = versions.CSRF_PLACEHOLDER.decode()


def mood_strip(mood: MoodStrip) -> SafeString | str:
    """The strip of the last days' moods, oldest first; nothing without a mood to show."""
    if not mood.days_with_mood:
        return ""
    days = tuple((day.day, day.mood, day.level, day.text) for day in mood.days)
    [drawn] = fragments.drawn(MOOD_STRIP, [{"days": days}])
    return drawn


def shared_list(days: list[SharedDay], client) -> SafeString | str:
    """The days the client shared something, newest first, each kind linking to those
    records in the timeline; nothing when they shared nothing."""
    if not days:
        return ""
    shared = tuple((day.day, tuple(day.kinds)) for day in days)
    timeline = reverse("therapist_timeline", args=[client.public_id])
    [drawn] = fragments.drawn(SHARED_DAYS, [{"days": shared, "timeline_url": timeline}])
    return drawn


def homework_rows(report: AdherenceReport, request) -> SafeString | str:
    """The homework table's rows, one a homework, each with its weeks (`report.weeks`) and
    the forms that pause, resume or end it, holding the request's CSRF token."""
    if not report.rows:
        return ""
    labels = week_labels(report.weeks)
    urls = {
        action: record_urls(f"therapist_assignment_{action}")
        for action in ("edit", "pause", "resume", "end")
    }
    rows = []
    for row in report.rows:
        assignment = row.assignment
        public_id = str(assignment.public_id)
        cells = zip(row.weeks, labels, strict=True)
        rows.append(
            {
                "assignment": public_id,
                "title": assignment.title,
                "status": str(assignment.status),
                "kind": str(assignment.get_kind_display()),
                "schedule": str(assignment.schedule_text),
                "target": str(assignment.target_text),
                "cells": tuple((cell.done, cell.due, label) for cell, label in cells),
                **{f"{action}_url": url(public_id) for action, url in urls.items()},
                "csrf_token": CSRF_STAND_IN,
            }
        )
    drawn = "".join(fragments.drawn(HOMEWORK_ROW, rows))
    # Drawn by the template engine, which escaped what it was given; the token is the one
    # `{% csrf_token %}` would have drawn.
    return mark_safe(drawn.replace(CSRF_STAND_IN, get_token(request)))  # noqa: S308
