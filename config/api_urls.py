from django.urls import path

from accounts import api as accounts_api

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
]
