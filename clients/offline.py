"""Tandem on a phone without a connection: the service worker (static/js/sw.js), served at
the site's root so that it may look after every page, and the page it shows for a page it
did not keep.

The worker keeps Today (its last copy), the help pages and the app's own files, and sends
what a client logged offline when the connection is back, each entry with its own
Idempotency-Key (clients.idempotency). It is registered for signed-in clients only
(templates/base.html, static/js/tandem.js).
"""

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

WORKER_SOURCE = "js/sw.js"
# The app shell: what every page loads, by the names this deployment serves them under
# (hashed in production), so that the worker keeps exactly what the pages ask for.
SHELL = (
    "css/tandem.css",
    "js/tandem.js",
    "manifest.webmanifest",
    "img/logo.svg",
    "img/favicon.svg",
    "img/icon-192.png",
)


def worker_settings() -> dict:
    """What the worker needs to know of this deployment; its version changes with them."""
    return {
        "shell": [static(name) for name in SHELL],
        "static": settings.STATIC_URL,
        "home": reverse("home"),
        "today": reverse("client_home"),
        "offline": reverse("offline"),
        # The picture beside a push notification (notifications/push.py).
        "icon": static("img/icon-192.png"),
        # Kept on the phone as well as Today: where to find help now, and how Tandem works.
        "pages": [reverse("crisis"), reverse("help"), reverse("offline")],
    }


def _worker_source() -> str:
    source = Path(finders.find(WORKER_SOURCE)).read_text(encoding="utf-8")
    config = worker_settings()
    digest = hashlib.sha256((json.dumps(config, sort_keys=True) + source).encode()).hexdigest()
    config["version"] = digest[:12]
    return f"const TANDEM = {json.dumps(config)};\n{source}"


_cached_worker_source = functools.cache(_worker_source)


def service_worker(request):
    """The worker's script, at /sw.js so that its scope is the whole site. Browsers look for
    a new version at every visit (no-cache); a new one replaces the files it keeps."""
    source = _worker_source() if settings.DEBUG else _cached_worker_source()
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def offline_page(request):
    """Shown by the worker for a page it did not keep, when there is no connection."""
    return render(request, "clients/offline.html")
