import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Europe/Atlantis", "localtime", "Factory", "posixrules"])
def test_a_name_that_is_not_an_iana_zone_is_refused(name):
    user = ClientFactory.build(timezone=name)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "timezone" in exc.value.message_dict


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC"])
def test_iana_zones_are_accepted(name):
    ClientFactory.build(timezone=name, password="x").full_clean()


def test_the_accept_form_does_not_offer_aliases():
    from accounts.forms import TIMEZONE_CHOICES

    names = {value for value, _ in TIMEZONE_CHOICES}
    assert "Europe/Berlin" in names
    assert not names & {"localtime", "Factory"}


def test_a_zone_saved_before_validation_was_strict_still_reads():
    user = ClientFactory()
    User.objects.filter(pk=user.pk).update(timezone="localtime")
    user = User.objects.get(pk=user.pk)
    assert user.timezone == "localtime"
    assert str(user.zone) == "UTC"


def test_addresses_are_unique_whatever_their_case():
    User.objects.create_user("Someone@Example.org", "a-long-passphrase-77")
    assert User.objects.get().email == "someone@example.org"
    with pytest.raises((IntegrityError, ValidationError)):
        User.objects.create_user("SOMEONE@example.org", "a-long-passphrase-77")


def test_the_public_id_is_a_random_uuid_that_the_database_keeps_unique():
    a = ClientFactory()
    assert a.public_id.version == 4
    b = ClientFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=b.pk).update(public_id=a.public_id)


def test_the_zones_offered_are_canonical_names_without_old_aliases():
    from accounts.forms import TIMEZONE_CHOICES

    names = {value for value, _ in TIMEZONE_CHOICES}
    assert {"UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"} <= names
    assert not names & {"Zulu", "W-SU", "ROK", "US/Eastern", "Asia/Calcutta", "Etc/GMT+5"}


def test_an_alias_chosen_before_stays_valid_and_selectable():
    from accounts.forms import timezone_choices

    ClientFactory.build(timezone="Asia/Calcutta", password="x").full_clean()
    assert timezone_choices("Asia/Calcutta")[0] == ("Asia/Calcutta", "Asia/Calcutta")
    assert ("Asia/Calcutta", "Asia/Calcutta") not in timezone_choices("Europe/Berlin")
