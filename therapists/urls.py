from django.urls import path

from . import alerts, calendar, schedule, sessions, views, waiting

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
    path("clients/<uuid:public_id>/timeline/", views.timeline, name="therapist_timeline"),
    path(
        "clients/<uuid:public_id>/records/<uuid:record_id>/",
        views.record_detail,
        name="therapist_record",
    ),
    path(
        "clients/<uuid:public_id>/records/<uuid:record_id>/no-reply-needed/",
        waiting.no_reply_needed,
        name="therapist_record_no_reply_needed",
    ),
    path(
        "relationships/<uuid:public_id>/end/",
        views.relationship_end,
        name="therapist_relationship_end",
    ),
]

urlpatterns += [
    path("clients/<uuid:public_id>/assign/", views.assign, name="therapist_assign"),
    path("clients/<uuid:public_id>/assign/new/", views.assign_form, name="therapist_assign_form"),
    path(
        "assignments/<uuid:public_id>/edit/",
        views.assignment_edit,
        name="therapist_assignment_edit",
    ),
    path(
        "assignments/<uuid:public_id>/pause/",
        views.assignment_pause,
        name="therapist_assignment_pause",
    ),
    path(
        "assignments/<uuid:public_id>/resume/",
        views.assignment_resume,
        name="therapist_assignment_resume",
    ),
    path(
        "assignments/<uuid:public_id>/end/", views.assignment_end, name="therapist_assignment_end"
    ),
    path("templates/", views.templates, name="therapist_templates"),
    path("templates/new/", views.template_new, name="therapist_template_new"),
    path("templates/<uuid:public_id>/edit/", views.template_edit, name="therapist_template_edit"),
    path(
        "templates/<uuid:public_id>/delete/",
        views.template_delete,
        name="therapist_template_delete",
    ),
]

urlpatterns += [
    path("alerts/", alerts.alerts, name="therapist_alerts"),
    path(
        "alerts/<uuid:public_id>/acknowledge/",
        alerts.acknowledge,
        name="therapist_alert_acknowledge",
    ),
]

# One session: the brief before it, the page after it.
urlpatterns += [
    path("sessions/<uuid:public_id>/brief/", sessions.brief, name="therapist_session_brief"),
    path("sessions/<uuid:public_id>/after/", sessions.after, name="therapist_session_after"),
    path("sessions/<uuid:public_id>/mark/", sessions.mark, name="therapist_session_mark"),
    path("sessions/<uuid:public_id>/agree/", sessions.agree, name="therapist_session_agree"),
    path("sessions/<uuid:public_id>/recap/", sessions.recap, name="therapist_session_recap"),
    path(
        "clients/<uuid:public_id>/sessions/new/",
        schedule.session_new,
        name="therapist_session_new",
    ),
    path("sessions/<uuid:public_id>/move/", schedule.session_move, name="therapist_session_move"),
    path(
        "sessions/<uuid:public_id>/cancel/",
        schedule.session_cancel,
        name="therapist_session_cancel",
    ),
    path("calendar/", calendar.calendar_settings, name="therapist_calendar"),
]
