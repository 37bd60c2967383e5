from django.urls import path

from . import views

urlpatterns = [
    path("client/progress/", views.client_progress, name="client_progress"),
    path(
        "therapist/clients/<uuid:public_id>/progress/",
        views.therapist_client_progress,
        name="therapist_client_progress",
    ),
]
