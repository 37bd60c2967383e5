from django.urls import path

from . import calendar_views, views

urlpatterns = [
    path("", views.home, name="client_home"),
    path("week/", views.week, name="client_week"),
    path("account/", views.account, name="client_account"),
    path("calendar/", calendar_views.calendar_settings, name="client_calendar"),
    path("homework/<uuid:public_id>/done/", views.complete, name="client_complete"),
    path("completions/<uuid:public_id>/undo/", views.undo, name="client_undo"),
    path(
        "therapists/<uuid:public_id>/end/", views.relationship_end, name="client_relationship_end"
    ),
]
