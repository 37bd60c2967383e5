import pytest
from django.urls import reverse

from accounts.models import CareRelationship
from accounts.policy import mfa_satisfied
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_the_mfa_check_is_asked_once_per_user_object(django_assert_num_queries):
    therapist = TherapistFactory()
    with django_assert_num_queries(1):
        assert mfa_satisfied(therapist) is False
        assert mfa_satisfied(therapist) is False


def test_a_therapist_page_asks_for_the_authenticator_once(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.therapist_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("therapist_home")).status_code == 200
    authenticator = [q for q in queries if "mfa_authenticator" in q["sql"]]
    assert len(authenticator) == 1, [q["sql"] for q in authenticator]


def test_relationships_are_read_through_the_policy_only():
    assert not hasattr(CareRelationship.objects, "visible_to")
