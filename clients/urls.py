from django.urls import path

from . import calendar_views, recap, views

urlpatterns = [
    path("", views.home, name="client_home"),
    path("week/", views.week, name="client_week"),
    path("sessions/<uuid:public_id>/recap/", recap.recap, name="client_session_recap"),
    path("account/", views.account, name="client_account"),
    path("calendar/", calendar_views.calendar_settings, name="client_calendar"),
    path("homework/<uuid:public_id>/done/", views.complete, name="client_complete"),
    path("completions/<uuid:public_id>/undo/", views.undo, name="client_undo"),
    path(
        "therapists/<uuid:public_id>/end/", views.relationship_end, name="client_relationship_end"
    ),
    # Records
    path("journal/", views.journal, name="client_journal"),
    path("journal/new/", views.journal_new, name="client_journal_new"),
    path("lifestyle/new/", views.lifestyle_new, name="client_lifestyle_new"),
    path("social/new/", views.social_new, name="client_social_new"),
    path("records/<uuid:public_id>/", views.record_detail, name="client_record"),
    path("records/<uuid:public_id>/edit/", views.record_edit, name="client_record_edit"),
    path("records/<uuid:public_id>/delete/", views.record_delete, name="client_record_delete"),
    path("records/<uuid:public_id>/share/", views.record_share, name="client_record_share"),
    path("records/<uuid:public_id>/reply/", views.record_reply, name="client_record_reply"),
    path("records/<uuid:public_id>/unlink/", views.record_unlink, name="client_record_unlink"),
    path("people/", views.people, name="client_people"),
    path("people/<uuid:public_id>/", views.person_edit, name="client_person_edit"),
    path("people/<uuid:public_id>/delete/", views.person_delete, name="client_person_delete"),
    # Account
    path("account/sharing/<uuid:public_id>/", views.sharing_set, name="client_sharing_default"),
    path("account/export/", views.export, name="client_export"),
    path("account/delete/", views.erase, name="client_erase"),
]
