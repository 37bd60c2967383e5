from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        # A safety alert's e-mail is made and queued as soon as the alert commits.
        from safety.signals import alerts_raised

        from .safety import on_alerts_raised

        alerts_raised.connect(on_alerts_raised, dispatch_uid="notifications-safety-alerts")

        # An invitation's e-mail row is made in the transaction that saves the invitation.
        from accounts.signals import invitation_to_send

        from .invitations import on_invitation_to_send

        invitation_to_send.connect(on_invitation_to_send, dispatch_uid="notifications-invitations")

        # A therapist's reply makes the client's note, in the transaction that saves it.
        from clients.signals import reply_left

        from .services import on_reply_left

        reply_left.connect(on_reply_left, dispatch_uid="notifications-replies")

        # A client's settings, devices and what was sent to them are theirs to download.
        from clients.export import ExportSpec, register

        from .models import Delivery, Preferences, PushSubscription

        register(
            ExportSpec(
                "email_settings",
                Preferences,
                "user",
                (
                    "reminders_enabled",
                    "reminder_time",
                    "quiet_start",
                    "quiet_end",
                    "digest_enabled",
                    "digest_weekday",
                    "digest_time",
                    "replies_enabled",
                    "session_reminders_enabled",
                    "channels",
                    "next_reminder_at",
                    "next_digest_at",
                    "next_reply_at",
                ),
            )
        )
        register(
            ExportSpec(
                "emails_sent",
                Delivery,
                "user",
                ("kind", "channel", "period", "status", "created_at", "finished_at"),
                erase=False,  # kept as counts naming nobody (the user becomes null)
            )
        )
        # The devices push goes to: their names and dates (the endpoint and keys are the
        # devices' secrets, not the client's words). Erasure deletes them.
        register(
            ExportSpec(
                "push_devices", PushSubscription, "user", ("name", "created_at", "last_sent_at")
            )
        )
