import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import User
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_timezone_is_refused():
    user = ClientFactory.build(timezone="Europe/Atlantis")
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "timezone" in exc.value.message_dict


def test_addresses_are_unique_whatever_their_case():
    User.objects.create_user("Someone@Example.org", "a-long-passphrase-77")
    assert User.objects.get().email == "someone@example.org"
    with pytest.raises((IntegrityError, ValidationError)):
        User.objects.create_user("SOMEONE@example.org", "a-long-passphrase-77")


def test_users_have_a_uuid_public_id():
    a, b = ClientFactory(), ClientFactory()
    assert a.public_id != b.public_id
