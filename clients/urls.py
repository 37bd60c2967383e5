from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="client_home"),
    path(
        "therapists/<uuid:public_id>/end/", views.relationship_end, name="client_relationship_end"
    ),
]
