from django.urls import path

from . import sessions_api

urlpatterns = [
    path("<str:public_id>/brief/", sessions_api.BriefView.as_view(), name="api-session-brief"),
    path("<str:public_id>/recap/", sessions_api.RecapView.as_view(), name="api-session-recap"),
]
