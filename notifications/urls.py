from django.urls import path

from . import views

urlpatterns = [
    path("client/notifications/", views.client_preferences, name="client_notifications"),
    path("client/my-week/", views.client_my_week, name="client_my_week"),
    path("therapist/notifications/", views.therapist_preferences, name="therapist_notifications"),
    path("therapist/weekly-review/", views.therapist_weekly_review, name="therapist_weekly_review"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "notifications/devices/<uuid:public_id>/rename/",
        views.push_device_rename,
        name="push_device_rename",
    ),
    path(
        "notifications/devices/<uuid:public_id>/remove/",
        views.push_device_remove,
        name="push_device_remove",
    ),
]
