"""Two invitations of one address at the same moment: one is made, the other is told an
invitation is pending (a 400 with the message by the field, never a 500)."""

from functools import partial

import pytest
from django.urls import reverse

from accounts.models import CareRelationship, CareStatus
from tests.conftest import activate_totp
from tests.factories import TherapistFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 15
PENDING = "An invitation to this address is already pending"


def _pending(therapist) -> int:
    return CareRelationship.objects.filter(therapist=therapist, status=CareStatus.INVITED).count()


def test_two_api_invitations_of_one_address_at_once_make_one():
    skip_unless_postgresql()
    for trial in range(TRIALS):
        therapist = TherapistFactory()
        activate_totp(therapist)
        clients = [signed_in(therapist), signed_in(therapist)]
        spellings = [f"pat.{trial}@example.org", f"Pat.{trial}@Example.org"]
        results = together(
            *(
                partial(c.post, "/api/v1/invitations/", {"email": e}, "application/json")
                for c, e in zip(clients, spellings, strict=True)
            )
        )
        assert sorted(statuses(results), key=str) == [201, 400], statuses(results)
        refused = next(r for r in results if r.status_code == 400)
        assert PENDING in refused.json()["email"][0]
        assert _pending(therapist) == 1


def test_two_portal_invitations_of_one_address_at_once_make_one():
    skip_unless_postgresql()
    for trial in range(TRIALS):
        therapist = TherapistFactory()
        activate_totp(therapist)
        clients = [signed_in(therapist), signed_in(therapist)]
        form = {"email": f"sam.{trial}@example.org"}
        results = together(*(partial(c.post, reverse("therapist_invite"), form) for c in clients))
        assert sorted(statuses(results), key=str) == [302, 400], statuses(results)
        refused = next(r for r in results if r.status_code == 400)
        assert PENDING in refused.content.decode()
        assert _pending(therapist) == 1
