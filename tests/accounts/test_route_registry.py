"""Every route has an entry in the access policy; a route without one is reported and never
served."""

import sys
import types

import pytest
from django.http import HttpResponse
from django.urls import URLResolver, clear_url_caches, path
from django.urls.resolvers import RegexPattern

from accounts import policy
from accounts.checks import check_every_route_has_a_policy, iter_routes, unpoliced_routes
from config import urls as project_urls

pytestmark = pytest.mark.django_db

SURPRISE_URLCONF = "tests.accounts._surprise_urls"


class SurpriseView:
    """A view that would answer 200 if it were ever reached; it records every call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        return HttpResponse("surprise")


def urlconf_with(*extra) -> types.ModuleType:
    """A URLconf module: the project's routes plus `extra`."""
    module = types.ModuleType(SURPRISE_URLCONF)
    module.urlpatterns = [*project_urls.urlpatterns, *extra]
    return module


def resolver_for(module: types.ModuleType) -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), module)


@pytest.fixture
def surprise_view() -> SurpriseView:
    return SurpriseView()


@pytest.fixture
def surprise_urlconf(settings, surprise_view):
    """Serve the project's routes plus an unpoliced `surprise/` for one test."""
    module = urlconf_with(path("surprise/", surprise_view, name="surprise"))
    sys.modules[SURPRISE_URLCONF] = module
    settings.ROOT_URLCONF = SURPRISE_URLCONF
    clear_url_caches()
    yield module
    del sys.modules[SURPRISE_URLCONF]
    clear_url_caches()


def test_it_finds_no_unpoliced_route_in_the_project():
    assert unpoliced_routes() == []


def test_it_walks_nested_includes_and_namespaces():
    names = {name for _path, name in iter_routes()}
    # One plain route, one allauth include, one admin namespace, one DRF router route.
    assert {"home", "account_login", "admin:index", "api-relationship-end"} <= names


def test_it_reports_exactly_the_route_that_has_no_policy(surprise_view):
    module = urlconf_with(path("surprise/", surprise_view, name="surprise"))
    assert unpoliced_routes(resolver_for(module)) == ["surprise/ (surprise)"]


def test_it_reports_an_unnamed_route(surprise_view):
    module = urlconf_with(path("nameless/", surprise_view))
    assert unpoliced_routes(resolver_for(module)) == ["nameless/ (unnamed)"]


def test_the_system_check_reports_the_unpoliced_route(surprise_urlconf):
    errors = check_every_route_has_a_policy(None)
    assert [error.id for error in errors] == ["tandem.E002"]
    assert "surprise/ (surprise)" in errors[0].msg


def test_the_system_check_is_quiet_for_the_project():
    assert check_every_route_has_a_policy(None) == []


def test_the_middleware_never_serves_an_unpoliced_route_even_to_staff(
    surprise_urlconf, surprise_view, client, personas
):
    client.force_login(personas.staff)
    response = client.get("/surprise/")
    assert response.resolver_match.view_name == "surprise"  # the route exists...
    assert response.status_code == 404  # ...but is refused before the view runs
    assert surprise_view.calls == 0


def test_the_middleware_never_serves_an_unpoliced_route_to_anonymous(
    surprise_urlconf, surprise_view, client
):
    response = client.get("/surprise/")
    assert response.status_code == 404
    assert surprise_view.calls == 0


def test_the_same_route_is_served_once_it_has_a_policy(
    surprise_urlconf, surprise_view, client, personas, monkeypatch
):
    # The control for the two tests above: their 404 comes from the missing policy.
    monkeypatch.setitem(policy.ROUTES, "surprise", policy.Access.STAFF)
    client.force_login(personas.staff)
    response = client.get("/surprise/")
    assert response.status_code == 200
    assert surprise_view.calls == 1
    assert check_every_route_has_a_policy(None) == []
