from django.urls import path

from . import views

urlpatterns = [
    path("client/questionnaires/", views.client_measures, name="client_measures"),
    path(
        "client/questionnaires/<uuid:public_id>/",
        views.client_measure_take,
        name="client_measure_take",
    ),
    path(
        "client/questionnaires/results/<uuid:public_id>/",
        views.client_measure_result,
        name="client_measure_result",
    ),
    path(
        "therapist/clients/<uuid:public_id>/measures/",
        views.therapist_measures,
        name="therapist_measures",
    ),
    path(
        "therapist/clients/<uuid:public_id>/measures/assign/",
        views.therapist_measure_assign,
        name="therapist_measure_assign",
    ),
    path(
        "therapist/measures/<uuid:public_id>/end/",
        views.therapist_measure_end,
        name="therapist_measure_end",
    ),
]
