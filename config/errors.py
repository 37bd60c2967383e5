"""Requests Django refuses before a view reads them (SuspiciousOperation: a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a host not in ALLOWED_HOSTS): JSON on the API, a page in the
portals. With DEBUG on Django shows its debug page instead; the API's own views never reach
it (config.api turns an oversized body into a 413 there)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

API_PREFIX = "/api/"
UNREADABLE = "The request could not be read."


def too_large_detail() -> str:
    return f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path.startswith(API_PREFIX):
        if too_large:
            return JsonResponse({"detail": too_large_detail()}, status=413)
        return JsonResponse({"detail": UNREADABLE}, status=400)
    return _page(request, "413.html" if too_large else "400.html", status=413 if too_large else 400)


def _page(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    # Refused before the middleware signed anyone in (a wrong host), the page is rendered
    # without the request: its context processors need the user.
    with_request = request if hasattr(request, "user") else None
    body = loader.get_template(template_name).render(request=with_request)
    return HttpResponse(body, status=status)
