"""One spelling per mailbox: invitation, acceptance, sign-in, reset and createtherapist."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import services
from accounts.addresses import normalize_email, same_address
from accounts.models import CareRelationship, User
from notifications.invitations import period_of
from notifications.ledger import deliver
from notifications.models import Delivery, Kind
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

LONG_S = "\u017fue@example.org"  # with the long s, U+017F


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (LONG_S, "sue@example.org"),
        (" SUE@Example.ORG ", "sue@example.org"),
        ("\uff33\uff35\uff25\uff20example.org", "sue@example.org"),  # full-width letters
        ("Stra\u00dfe@example.de", "strasse@example.de"),
        ("x@ex\u00e4mple.org", "x@xn--exmple-cua.org"),
        ("x@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "x@xn--e1afmkfd.xn--p1ai"),
        ("x@\u65e5\u672c\u8a9e.jp", "x@xn--wgv71a119e.jp"),
    ],
)
def test_every_spelling_of_an_address_becomes_one(typed, stored):
    assert normalize_email(typed) == stored
    assert normalize_email(stored) == stored


@pytest.mark.parametrize(
    "address",
    [
        "x@p\u0430ypal.com",  # a Cyrillic a among Latin letters
        "x@g\u03bfogle.com",  # a Greek omicron
        "x@\u0430pple.com",
    ],
)
def test_a_domain_that_mixes_scripts_is_refused(address):
    with pytest.raises(ValidationError, match="look-alike"):
        normalize_email(address)


@pytest.mark.parametrize("address", ["", "no-at-sign", "a@b", "@example.org", "x@-bad-.org"])
def test_malformed_addresses_are_refused(address):
    with pytest.raises(ValidationError):
        normalize_email(address)


def test_stored_and_typed_spellings_name_the_same_mailbox():
    assert same_address(LONG_S, "SUE@example.org")
    assert not same_address("sue@example.org", "sue@example.com")


@pytest.mark.django_db
class TestEverywhere:
    def test_the_invited_address_is_the_mailed_one_and_the_account_created(
        self, client, mailoutbox
    ):
        therapist = TherapistFactory()
        relationship = services.invitation_create(therapist=therapist, email=LONG_S)
        assert relationship.invited_email == "sue@example.org"
        deliver(Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship)).pk)
        assert mailoutbox[0].to == ["sue@example.org"]
        url = f"/invitations/{services.invitation_token(relationship)}/"
        client.post(
            url,
            {
                "name": "Sue",
                "password1": "a-long-passphrase-77",
                "password2": "a-long-passphrase-77",
                "timezone": "Europe/Berlin",
            },
        )
        assert User.objects.get(name="Sue").email == "sue@example.org"

    def test_a_look_alike_invitation_is_refused_in_the_portal_and_the_api(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.post(reverse("therapist_invite"), {"email": "x@p\u0430ypal.com"})
        assert response.status_code == 400
        assert "look-alike" in response.content.decode()
        response = client.post(
            "/api/v1/invitations/",
            {"email": "x@p\u0430ypal.com"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "look-alike" in response.json()["email"][0]
        assert not CareRelationship.objects.filter(invited_email__contains="ypal").exists()

    @pytest.mark.parametrize("typed", [LONG_S, "SUE@EXAMPLE.ORG", " sue@example.org"])
    def test_sign_in_takes_any_spelling(self, client, typed):
        user = ClientFactory(email="sue@example.org")
        client.post("/accounts/login/", {"login": typed, "password": PASSWORD})
        assert client.session.get("_auth_user_id") == str(user.pk)

    def test_password_reset_mails_the_normalised_address(self, client, mailoutbox):
        ClientFactory(email="sue@example.org")
        response = client.post("/accounts/password/reset/", {"email": LONG_S})
        assert response.status_code == 302
        [message] = mailoutbox
        assert message.to == ["sue@example.org"]
        assert "/accounts/password/reset/key/" in message.body

    def test_createtherapist_normalises_and_sees_the_address_taken(self):
        call_command("createtherapist", "\u017fam@EXAMPLE.org", "--password", PASSWORD)
        assert User.objects.get().email == "sam@example.org"
        with pytest.raises(CommandError, match="already exists"):
            call_command("createtherapist", "SAM@example.org", "--password", PASSWORD)
        with pytest.raises(CommandError, match="look-alike"):
            call_command("createtherapist", "sam@ex\u0430mple.org", "--password", PASSWORD)

    def test_addresses_saved_before_are_normalised_unless_that_would_clash(self):
        migration = importlib.import_module("accounts.migrations.0003_normalize_addresses")
        old = ClientFactory()
        clash = ClientFactory()
        look_alike = ClientFactory()
        User.objects.filter(pk=old.pk).update(email=LONG_S)
        User.objects.filter(pk=clash.pk).update(email="\u017fam@example.org")
        ClientFactory(email="sam@example.org")
        User.objects.filter(pk=look_alike.pk).update(email="x@p\u0430ypal.com")
        migration.forwards(django_apps, None)
        assert User.objects.get(pk=old.pk).email == "sue@example.org"
        assert User.objects.get(pk=clash.pk).email == "\u017fam@example.org"
        assert User.objects.get(pk=look_alike.pk).email == "x@p\u0430ypal.com"
