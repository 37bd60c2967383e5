from django.shortcuts import render

from accounts import services as account_services
from accounts import versions
from accounts.policy import get_client_for_user

from . import selectors
from .charts import drawn_sections, one_stylesheet_each
from .forms import RangeForm
from .series import DEFAULT_RANGE, RANGE_LABELS


def _page(request, *, client, template: str, extra: dict | None = None):
    form = RangeForm(request.GET)
    context = {"client": client, "form": form, "ranges": RANGE_LABELS, **(extra or {})}
    if not form.is_valid():
        context["range_key"] = None
        return render(request, template, context, status=400)
    range_key = form.cleaned_data["range"] or DEFAULT_RANGE
    context["range_key"] = range_key
    context["range_label"] = RANGE_LABELS[range_key]

    def page():
        progress = selectors.client_progress(
            viewer=request.user, client=client, range_key=range_key
        )
        context["progress"] = progress
        context["chart_sections"] = one_stylesheet_each(
            drawn_sections([*progress.charts, *progress.measure_charts])
        )
        return render(request, template, context)

    return versions.cached_page(request, [client], page)


def client_progress(request):
    """The client's own charts and "what helps", over 4 weeks, 12 weeks or a year."""
    return _page(request, client=request.user, template="progress/client_progress.html")


def therapist_client_progress(request, public_id):
    """One client's progress from the records they share: one audit row a view."""
    client = get_client_for_user(request.user, public_id)
    account_services.records_viewed(viewer=request.user, client=client, what="progress")
    return _page(request, client=client, template="progress/therapist_progress.html")
