from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="therapist_home"),
    path("invitations/", views.invite, name="therapist_invite"),
    path(
        "invitations/<uuid:public_id>/resend/",
        views.invitation_resend,
        name="therapist_invitation_resend",
    ),
    path(
        "invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="therapist_invitation_revoke",
    ),
    path("clients/<uuid:public_id>/", views.client_detail, name="therapist_client_detail"),
    path(
        "relationships/<uuid:public_id>/end/",
        views.relationship_end,
        name="therapist_relationship_end",
    ),
]
