import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.errors import InvitationError
from accounts.models import AuditAction, AuditEvent, CareRelationship, CareStatus, Role, User
from notifications import emails, ledger
from notifications import tasks as notification_tasks
from notifications.invitations import period_of
from notifications.models import Delivery, Kind, Status
from tests.factories import PASSWORD, ClientFactory, StaffFactory, TherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def therapist():
    return TherapistFactory(email="dr.who@example.org", name="Dr. Who")


def invite(therapist, email="new.client@example.org"):
    return services.invitation_create(therapist=therapist, email=email)


def invitation_row(relationship) -> Delivery:
    return Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship))


def accept_url(relationship):
    return reverse("invitation_accept", kwargs={"token": services.invitation_token(relationship)})


NEW_CLIENT = {
    "name": "Nia New",
    "password1": "a-long-passphrase-77",
    "password2": "a-long-passphrase-77",
    "timezone": "Europe/Berlin",
}


class TestCreate:
    def test_it_creates_a_pending_invitation_and_audits_it(self, therapist):
        relationship = invite(therapist, " New.Client@Example.org ")
        assert relationship.status == CareStatus.INVITED
        assert relationship.invited_email == "new.client@example.org"
        assert relationship.client is None
        assert AuditEvent.objects.filter(
            action=AuditAction.INVITATION_SENT, actor=therapist
        ).exists()

    def test_it_enqueues_the_invitation_email_after_commit(
        self, therapist, django_capture_on_commit_callbacks, monkeypatch
    ):
        enqueued = []
        monkeypatch.setattr(notification_tasks.deliver, "delay", enqueued.append)
        with django_capture_on_commit_callbacks(execute=True):
            relationship = invite(therapist)
            row = invitation_row(relationship)  # saved with the invitation
            assert enqueued == []  # nothing before the commit
        assert enqueued == [row.pk]  # the ledger's task, by id
        assert (row.user, row.status) == (therapist, Status.PENDING)

    def test_a_failed_send_releases_the_claim_and_the_next_try_sends(
        self, therapist, mailoutbox, monkeypatch
    ):
        relationship = invite(therapist)
        row = invitation_row(relationship)
        with monkeypatch.context() as patch:

            def smtp_down(message, *args, **kwargs):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

            patch.setattr(EmailMultiAlternatives, "send", smtp_down)
            with pytest.raises(ledger.TransientSendError):
                ledger.deliver(row.pk)
        relationship.refresh_from_db()
        assert relationship.invitation_sent_at is None  # released
        assert invitation_row(relationship).status == Status.PENDING
        assert ledger.deliver(row.pk) == "sent"
        assert ledger.deliver(row.pk) == "not pending"
        assert [m.to for m in mailoutbox] == [["new.client@example.org"]]
        relationship.refresh_from_db()
        assert relationship.invitation_sent_at is not None

    def test_a_resend_is_one_new_e_mail_and_the_one_it_replaces_is_not_sent(
        self, therapist, mailoutbox
    ):
        relationship = invite(therapist)
        first = invitation_row(relationship)
        relationship = services.invitation_resend(relationship=relationship)
        again = invitation_row(relationship)
        assert (first.period, again.period) == (f"{relationship.pk}.0", f"{relationship.pk}.1")
        assert ledger.deliver(first.pk) == "skipped: resent since"
        assert ledger.deliver(again.pk) == "sent"
        assert len(mailoutbox) == 1
        assert mailoutbox[0].extra_headers["Message-ID"] == emails.message_id(again)

    def test_a_revoked_invitation_is_not_sent(self, therapist, mailoutbox):
        relationship = invite(therapist)
        services.invitation_revoke(actor=therapist, relationship=relationship)
        row = invitation_row(relationship)
        assert ledger.deliver(row.pk) == "skipped: no longer pending"
        assert mailoutbox == []

    @pytest.mark.parametrize(
        ("make_email", "message"),
        [
            (lambda t: t.email, "cannot invite yourself"),
            (lambda t: TherapistFactory().email, "staff or therapist"),
            (lambda t: StaffFactory().email, "staff or therapist"),
        ],
    )
    def test_it_refuses_therapists_staff_and_self(self, therapist, make_email, message):
        with pytest.raises(ValidationError, match=message):
            invite(therapist, make_email(therapist))
        assert not CareRelationship.objects.exists()

    def test_a_second_invitation_while_one_is_pending_is_refused(self, therapist):
        invite(therapist)
        with pytest.raises(ValidationError, match="already pending"):
            invite(therapist, "NEW.client@example.org")
        assert CareRelationship.objects.count() == 1

    def test_an_expired_pending_invitation_can_be_replaced(self, therapist):
        old = invite(therapist)
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            new = invite(therapist)
        old.refresh_from_db()
        assert old.status == CareStatus.ENDED
        assert new.status == CareStatus.INVITED

    def test_another_therapist_may_invite_the_same_address(self, therapist):
        invite(therapist)
        invite(TherapistFactory())
        assert CareRelationship.objects.filter(status=CareStatus.INVITED).count() == 2

    def test_an_existing_active_client_is_refused(self, therapist):
        client = ClientFactory()
        relationship = invite(therapist, client.email)
        services.invitation_accept_as_existing_client(relationship=relationship, client=client)
        with pytest.raises(ValidationError, match="already your client"):
            invite(therapist, client.email)


class TestLinks:
    def test_a_tampered_token_is_invalid(self, therapist):
        token = services.invitation_token(invite(therapist))
        with pytest.raises(InvitationError) as exc:
            services.invitation_from_token(token[:-2] + ("A" if token[-1] != "A" else "B") * 2)
        assert exc.value.reason == "invalid"

    def test_a_token_for_another_purpose_is_invalid(self, therapist):
        relationship = invite(therapist)
        token = signing.dumps(str(relationship.public_id), salt="something-else")
        with pytest.raises(InvitationError, match="invalid"):
            services.invitation_from_token(token)

    def test_an_expired_link_says_so(self, client, therapist):
        url = accept_url(invite(therapist))
        with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
            response = client.get(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()

    def test_a_tampered_link_gets_a_clear_page(self, client, therapist):
        invite(therapist)
        response = client.get(reverse("invitation_accept", kwargs={"token": "nonsense"}))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()

    def test_a_revoked_link_says_it_was_withdrawn(self, client, therapist):
        relationship = invite(therapist)
        services.invitation_revoke(actor=therapist, relationship=relationship)
        response = client.get(accept_url(relationship))
        assert response.status_code == 410
        assert "withdrawn" in response.content.decode()


class TestAcceptAsNewClient:
    @pytest.mark.argon2
    def test_the_invitee_sets_up_an_account_and_lands_in_the_portal(self, client, therapist):
        relationship = invite(therapist)
        response = client.post(accept_url(relationship), NEW_CLIENT)
        assert response.status_code == 302
        assert response["Location"] == reverse("client_home")
        user = User.objects.get(email="new.client@example.org")
        assert (user.role, user.name, user.timezone) == (Role.CLIENT, "Nia New", "Europe/Berlin")
        assert user.password.startswith("argon2")
        relationship.refresh_from_db()
        assert (relationship.status, relationship.client) == (CareStatus.ACTIVE, user)
        home = client.get(reverse("client_home"))
        assert "Dr. Who" in home.content.decode()

    def test_a_used_link_cannot_be_used_again(self, client, therapist):
        url = accept_url(invite(therapist))
        client.post(url, NEW_CLIENT)
        client.logout()
        response = client.post(url, {**NEW_CLIENT, "name": "Someone Else"})
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
        assert User.objects.filter(role=Role.CLIENT).count() == 1

    def test_the_client_who_accepted_it_goes_to_today_when_opening_it_again(
        self, client, therapist
    ):
        url = accept_url(invite(therapist))
        client.post(url, NEW_CLIENT)  # signed in as the new client

        response = client.get(url, follow=True)

        assert response.redirect_chain == [(reverse("client_home"), 302)]
        assert "You already work with Dr. Who in Tandem." in response.content.decode()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
            ({"password1": "short", "password2": "short"}, "password1", "too short"),
            ({"password1": "password123", "password2": "password123"}, "password1", "common"),
            ({"password2": "a-different-passphrase"}, "password2", "differ"),
            ({"name": ""}, "name", "required"),
        ],
    )
    def test_bad_input_gets_form_errors_and_saves_nothing(
        self, client, therapist, changes, field, message
    ):
        relationship = invite(therapist)
        response = client.post(accept_url(relationship), {**NEW_CLIENT, **changes})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert message in " ".join(errors[field])
        assert not User.objects.filter(email="new.client@example.org").exists()
        relationship.refresh_from_db()
        assert relationship.status == CareStatus.INVITED


class TestAcceptAsExistingClient:
    def test_an_existing_client_is_asked_to_sign_in(self, client, therapist):
        existing = ClientFactory(email="known@example.org")
        response = client.get(accept_url(invite(therapist, existing.email)))
        assert "Sign in to accept" in response.content.decode()

    def test_the_signed_in_client_confirms_and_is_linked(self, client, therapist):
        existing = ClientFactory(email="known@example.org")
        relationship = invite(therapist, existing.email)
        client.force_login(existing)
        url = accept_url(relationship)
        assert "Accept invitation" in client.get(url).content.decode()
        relationship.refresh_from_db()
        assert relationship.status == CareStatus.INVITED  # a GET changes nothing
        assert client.post(url).status_code == 302
        relationship.refresh_from_db()
        assert (relationship.status, relationship.client) == (CareStatus.ACTIVE, existing)

    def test_another_signed_in_account_cannot_take_the_invitation(self, client, therapist):
        relationship = invite(therapist, "known@example.org")
        client.force_login(ClientFactory(email="intruder@example.org"))
        assert client.get(accept_url(relationship)).status_code == 410
        assert client.post(accept_url(relationship)).status_code == 410
        relationship.refresh_from_db()
        assert relationship.status == CareStatus.INVITED


class TestTherapistPortal:
    def test_the_invite_form_shows_errors_next_to_the_field(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.post(reverse("therapist_invite"), {"email": "not-an-address"})
        assert response.status_code == 400
        assert "Enter a valid email address" in response.content.decode()
        response = client.post(reverse("therapist_invite"), {"email": personas.staff.email})
        assert response.status_code == 400
        assert "staff or therapist" in response.content.decode()

    def test_inviting_shows_the_pending_invitation(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.post(
            reverse("therapist_invite"), {"email": "friend@example.org"}, follow=True
        )
        assert 'data-invitation="friend@example.org"' in response.content.decode()

    def test_ending_the_relationship_removes_access_at_the_next_request(self, client, personas):
        client.force_login(personas.therapist_a)
        detail = reverse("therapist_client_detail", args=[personas.client_a.public_id])
        assert client.get(detail).status_code == 200
        end = reverse("therapist_relationship_end", args=[personas.relationship_a.public_id])
        assert client.post(end).status_code == 302
        assert client.get(detail).status_code == 404
        assert AuditEvent.objects.filter(
            action=AuditAction.RELATIONSHIP_ENDED, subject=personas.client_a
        ).exists()

    def test_a_client_can_end_the_relationship_too(self, client, personas):
        client.force_login(personas.client_a)
        end = reverse("client_relationship_end", args=[personas.relationship_a.public_id])
        assert client.post(end).status_code == 302
        personas.relationship_a.refresh_from_db()
        assert personas.relationship_a.status == CareStatus.ENDED

    def test_viewing_a_client_is_audited(self, client, personas):
        client.force_login(personas.therapist_a)
        client.get(reverse("therapist_client_detail", args=[personas.client_a.public_id]))
        event = AuditEvent.objects.get(action=AuditAction.RECORDS_VIEWED)
        assert (event.actor, event.subject) == (personas.therapist_a, personas.client_a)


class TestApi:
    def test_a_therapist_creates_an_invitation(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.post(
            "/api/v1/invitations/",
            {"email": "api.client@example.org"},
            content_type="application/json",
        )
        assert response.status_code == 201
        assert response.json()["email"] == "api.client@example.org"
        assert response.json()["status"] == "invited"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": "nope"}, "email"),
            ({}, "email"),
            ({"email": "therapist.b@example.org"}, "email"),
            ({"email": "therapist.a@example.org"}, "email"),
        ],
    )
    def test_bad_invitations_get_400_with_field_messages(self, client, personas, body, field):
        client.force_login(personas.therapist_a)
        response = client.post("/api/v1/invitations/", body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()
        assert not CareRelationship.objects.filter(status=CareStatus.INVITED).exists()

    def test_a_second_pending_invitation_is_a_400(self, client, personas):
        client.force_login(personas.therapist_a)
        body = {"email": "twice@example.org"}
        client.post("/api/v1/invitations/", body, content_type="application/json")
        response = client.post("/api/v1/invitations/", body, content_type="application/json")
        assert response.status_code == 400
        assert "already pending" in response.json()["email"][0]

    def test_a_therapist_withdraws_an_invitation(self, client, personas):
        relationship = invite(personas.therapist_a)
        client.force_login(personas.therapist_a)
        assert client.delete(f"/api/v1/invitations/{relationship.public_id}/").status_code == 204
        relationship.refresh_from_db()
        assert relationship.status == CareStatus.ENDED

    def test_me_says_who_is_signed_in(self, client, personas):
        client.force_login(personas.client_a)
        assert client.get("/api/v1/me/").json() == {
            "id": str(personas.client_a.public_id),
            "email": "client.a@example.org",
            "name": "Ada Alpha",
            "role": "client",
            "timezone": "Europe/London",
        }

    def test_token_authentication_works(self, client, personas):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=personas.client_a)
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.json()["email"] == "client.a@example.org"

    def test_ending_twice_is_a_400(self, client, personas):
        client.force_login(personas.client_a)
        url = f"/api/v1/relationships/{personas.relationship_a.public_id}/end/"
        assert client.post(url).json()["status"] == "ended"
        assert client.post(url).status_code == 400

    def test_the_schema_lists_the_endpoints(self, client):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
        paths = response.json()["paths"] if "json" in response["Content-Type"] else None
        if paths is None:
            import yaml

            paths = yaml.safe_load(response.content)["paths"]
        for path in ("/api/v1/me/", "/api/v1/clients/", "/api/v1/invitations/"):
            assert path in paths


def test_factories_password_is_usable():
    assert TherapistFactory().check_password(PASSWORD)
