"""Two people act on one care relationship or invitation at the same moment (a double
click, the client and the therapist together): one change is made, the others are told
why not (409, or 404 once the change is visible), never a 500."""

from collections import Counter
from functools import partial

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, CareStatus
from tests.conftest import activate_totp
from tests.factories import RelationshipFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 15
NOT_ACTIVE = "This care relationship is not active."


def _relationship(**fields):
    relationship = RelationshipFactory(**fields)
    activate_totp(relationship.therapist)
    return relationship


def _losers_are_told(results, message: str, counts: Counter) -> None:
    for response in results:
        if response.status_code == 409:
            assert message in response.content.decode()
        counts[response.status_code] += 1


def test_ending_a_relationship_from_both_sides_at_once_ends_it_once():
    skip_unless_postgresql()
    counts: Counter = Counter()
    for _ in range(TRIALS):
        relationship = _relationship()
        therapist_end = reverse("therapist_relationship_end", args=[relationship.public_id])
        client_end = reverse("client_relationship_end", args=[relationship.public_id])
        therapist, therapist_again, client = (
            signed_in(relationship.therapist),
            signed_in(relationship.therapist),
            signed_in(relationship.client),
        )
        results = together(
            partial(therapist.post, therapist_end),
            partial(therapist_again.post, therapist_end),
            partial(client.post, client_end),
        )
        codes = statuses(results)
        assert codes.count(302) == 1, codes
        assert all(code in {302, 404, 409} for code in codes), codes
        _losers_are_told(results, NOT_ACTIVE, counts)
        relationship.refresh_from_db()
        assert relationship.status == CareStatus.ENDED
        ended = AuditEvent.objects.filter(
            action=AuditAction.RELATIONSHIP_ENDED,
            detail__relationship=str(relationship.public_id),
        )
        assert ended.count() == 1
    print(f"{TRIALS} trials of three ends at once: {dict(counts)}")
    assert counts[409], "the race never reached the service: nothing was proven"


def test_withdrawing_and_resending_one_invitation_at_once_never_fails():
    skip_unless_postgresql()
    counts: Counter = Counter()
    for _ in range(TRIALS):
        invitation = _relationship(client=None, status=CareStatus.INVITED)
        args = [invitation.public_id]
        revoke = reverse("therapist_invitation_revoke", args=args)
        resend = reverse("therapist_invitation_resend", args=args)
        first, second, third = (signed_in(invitation.therapist) for _ in range(3))
        results = together(
            partial(first.post, revoke), partial(second.post, revoke), partial(third.post, resend)
        )
        codes = statuses(results)
        assert all(code in {302, 404, 409} for code in codes), codes
        revoked = [results[0].status_code, results[1].status_code]
        assert revoked.count(302) == 1, codes
        for response in results[:2]:
            if response.status_code == 409:
                assert "Only a pending invitation can be revoked." in response.content.decode()
        if results[2].status_code == 409:
            assert "Only a pending invitation can be resent." in results[2].content.decode()
        for response in results:
            counts[response.status_code] += 1
        invitation.refresh_from_db()
        assert invitation.status == CareStatus.ENDED
    print(f"{TRIALS} trials of two withdrawals and a resend at once: {dict(counts)}")
    assert counts[409], "the race never reached the service: nothing was proven"
