from django.urls import path

from . import bring_views, views

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

# "To bring to my session": the client's list for their next session.
urlpatterns += [
    path("client/bring/", bring_views.bring_list, name="client_bring"),
    path("client/bring/add/", bring_views.bring_add, name="client_bring_add"),
    path("client/bring/<uuid:public_id>/move/", bring_views.bring_move, name="client_bring_move"),
    path(
        "client/bring/<uuid:public_id>/remove/",
        bring_views.bring_remove,
        name="client_bring_remove",
    ),
]
