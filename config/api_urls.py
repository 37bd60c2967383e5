from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api

router = SimpleRouter(use_regex_path=False)
router.register("clients", accounts_api.ClientViewSet, basename="api-client")
router.register("invitations", accounts_api.InvitationViewSet, basename="api-invitation")
router.register("relationships", accounts_api.RelationshipViewSet, basename="api-relationship")

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    *router.urls,
]
