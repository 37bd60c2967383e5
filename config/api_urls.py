from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from appointments import api_urls as appointments_api_urls
from careplans import api_urls as careplans_api_urls
from clients import api_urls as clients_api_urls
from homework import api_urls as homework_api_urls
from measures import api_urls as measures_api_urls
from notifications import api as notifications_api
from therapists import api as therapists_api

router = SimpleRouter(use_regex_path=False)
router.register("clients", accounts_api.ClientViewSet, basename="api-client")
router.register("invitations", accounts_api.InvitationViewSet, basename="api-invitation")
router.register("relationships", accounts_api.RelationshipViewSet, basename="api-relationship")
router.register("alerts", therapists_api.AlertViewSet, basename="api-alert")
router.register(
    "push/subscriptions",
    notifications_api.PushSubscriptionViewSet,
    basename="api-push-subscription",
)
for prefix, viewset, basename in [
    *homework_api_urls.router_registrations,
    *clients_api_urls.router_registrations,
    *careplans_api_urls.router_registrations,
    *measures_api_urls.router_registrations,
    *appointments_api_urls.router_registrations,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path(
        "notifications/preferences/",
        notifications_api.PreferencesView.as_view(),
        name="api-notification-preferences",
    ),
    path("push/key/", notifications_api.PushKeyView.as_view(), name="api-push-key"),
    path("", include("homework.api_urls")),
    path("", include("clients.api_urls")),
    path("progress/", include("progress.api_urls")),
    path("sessions/", include("therapists.sessions_api_urls")),
    *router.urls,
]
