from django.urls import path

from . import views

urlpatterns = [
    path("client/plan/", views.client_plan, name="client_plan"),
    path("client/triggered/", views.triggered, name="client_triggered"),
    path(
        "client/triggered/something-else/",
        views.triggered_steps,
        name="client_triggered_other",
    ),
    path(
        "client/triggered/<uuid:public_id>/", views.triggered_steps, name="client_triggered_steps"
    ),
    path(
        "client/trigger-log/<uuid:public_id>/rate/", views.trigger_rate, name="client_trigger_rate"
    ),
    path(
        "therapist/clients/<uuid:public_id>/plan/",
        views.therapist_client_plan,
        name="therapist_client_plan",
    ),
    path("plans/<uuid:public_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:public_id>/history/", views.plan_history, name="plan_history"),
    path("plans/<uuid:public_id>/add/<str:section>/", views.item_add, name="plan_item_add"),
    path(
        "plans/<uuid:public_id>/versions/<int:number>/agree/",
        views.version_agree,
        name="plan_version_agree",
    ),
    path("plans/items/<uuid:public_id>/", views.item_edit, name="plan_item_edit"),
    path("plans/items/<uuid:public_id>/move/", views.item_move, name="plan_item_move"),
    path("plans/items/<uuid:public_id>/remove/", views.item_remove, name="plan_item_remove"),
    path("plans/items/<uuid:public_id>/homework/", views.item_link, name="plan_item_link"),
]
