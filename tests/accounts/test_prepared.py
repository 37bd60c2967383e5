"""Prepared queries (accounts.prepared): compiled once per shape, the same rows as the ORM's
query every time, never a value baked in."""

import functools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import prepared
from accounts.models import CareStatus, User
from clients.models import JournalEntry
from homework.models import Assignment, AssignmentPause
from homework.selectors import assignments_with_pauses
from tests.factories import AssignmentFactory, ClientFactory, JournalEntryFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def counted(build):
    """`build` prepared, with how many times the query was built."""
    calls = []

    @functools.wraps(build)
    def counting(**args):
        calls.append(args)
        return build(**args)

    query = prepared.Prepared(counting)
    query.builds = calls
    return query


def _entries(*, client_ids, after, text):
    return (
        JournalEntry.objects.filter(client_id__in=client_ids, occurred_at__gt=after)
        .exclude(text=text)
        .values("client_id")
        .annotate(number=Count("pk"), last=Max("occurred_at"))
        .order_by("client_id")
        .values_list("client_id", "number", "last")
    )


@pytest.fixture
def world():
    ada, bo, cy = ClientFactory(), ClientFactory(), ClientFactory()
    for days, who, text in [(1, ada, "a"), (2, ada, "skip"), (3, bo, "b"), (9, bo, "c")]:
        JournalEntryFactory(client=who, text=text, occurred_at=AT - timedelta(days=days))
    JournalEntryFactory(client=cy, text="c", occurred_at=AT - timedelta(days=4))
    return ada, bo, cy


def test_it_gives_the_rows_of_the_query_and_builds_it_only_for_a_new_shape(world):
    ada, bo, cy = world
    query = counted(_entries)
    args = {"client_ids": [ada.pk, bo.pk], "after": AT - timedelta(days=5), "text": "skip"}
    assert query(**args) == query.plain(**args)
    assert query(**args) == [
        (ada.pk, 1, AT - timedelta(days=1)),
        (bo.pk, 1, AT - timedelta(days=3)),
    ]
    built = len(query.builds)
    assert built == 2 + 1  # twice with stand-ins, and once for `plain`

    other = {"client_ids": [bo.pk, cy.pk], "after": AT - timedelta(days=10), "text": "c"}
    assert query(**other) == [(bo.pk, 1, AT - timedelta(days=3))]
    assert query(**other) == query.plain(**other)
    assert len(query.builds) == built + 1  # only `plain`: the shape was kept

    three = {"client_ids": [ada.pk, bo.pk, cy.pk], "after": AT - timedelta(days=10), "text": "x"}
    assert query(**three) == query.plain(**three)
    assert len(query.builds) == built + 1 + 2 + 1  # a list of three is a new shape


def test_the_datetimes_it_gives_are_aware_and_the_same_as_the_orm_gives(world):
    ada, _, _ = world
    rows = prepared.Prepared(_entries)(client_ids=[ada.pk], after=AT - timedelta(days=30), text="")
    [(_, number, last)] = rows
    assert number == 2
    assert last == AT - timedelta(days=1)
    assert last.tzinfo is not None


def test_it_gives_models_with_what_they_select_and_dicts(world):
    ada, _, _ = world

    def entries(*, client_id):
        return JournalEntry.objects.filter(client_id=client_id).select_related("client")

    def names(*, pks):
        return User.objects.filter(pk__in=pks).order_by("pk").values("pk", "email")

    [first, second] = sorted(prepared.Prepared(entries)(client_id=ada.pk), key=lambda e: e.pk)
    assert {first.text, second.text} == {"a", "skip"}
    assert first.client.email == ada.email  # selected with it: no query
    assert prepared.Prepared(names)(pks=[ada.pk]) == [{"pk": ada.pk, "email": ada.email}]


def test_a_value_computed_from_an_argument_is_refused_and_the_query_run_as_built(world, caplog):
    ada, bo, _ = world

    def within(*, client_ids, now):
        return _entries(client_ids=client_ids, after=now - timedelta(days=5), text="")

    query = counted(within)
    args = {"client_ids": [ada.pk, bo.pk], "now": AT}
    assert query(**args) == query.plain(**args)
    assert "is run as the ORM builds it" in caplog.text
    assert "within" in prepared.REFUSED
    prepared.REFUSED.discard("within")
    before = len(query.builds)
    assert query(**{**args, "now": AT - timedelta(days=2)}) == query.plain(
        **{**args, "now": AT - timedelta(days=2)}
    )
    assert len(query.builds) == before + 2  # built each time: nothing was kept


def test_an_argument_tested_in_python_and_not_in_the_sql_is_refused(world):
    ada, _, _ = world

    def tested(*, client_id, day):
        rows = JournalEntry.objects.filter(client_id=client_id)
        return rows.filter(shared=True) if day.weekday() == 0 else rows

    query = prepared.Prepared(tested)
    monday, tuesday = date(2026, 11, 30), date(2026, 12, 1)
    assert len(query(client_id=ada.pk, day=tuesday)) == 2
    assert len(query(client_id=ada.pk, day=monday)) == len(
        query.plain(client_id=ada.pk, day=monday)
    )
    assert "tested" in prepared.REFUSED
    prepared.REFUSED.discard("tested")


def test_none_and_booleans_are_part_of_the_shape(world):
    ada, _, _ = world
    JournalEntryFactory(client=ada, text="no mood", mood=None, shared=True)

    def by_mood(*, client_id, mood, shared):
        return JournalEntry.objects.filter(
            client_id=client_id, mood=mood, shared=shared
        ).values_list("text", flat=True)

    query = prepared.Prepared(by_mood)
    assert query(client_id=ada.pk, mood=None, shared=True) == ["no mood"]
    assert query(client_id=ada.pk, mood=None, shared=False) == query.plain(
        client_id=ada.pk, mood=None, shared=False
    )
    assert query(client_id=ada.pk, mood=3, shared=True) == query.plain(
        client_id=ada.pk, mood=3, shared=True
    )


def test_an_empty_list_is_answered_as_the_orm_answers_it(world):
    assert prepared.Prepared(_entries)(client_ids=[], after=AT, text="") == []


def test_values_of_a_kind_it_cannot_stand_in_for_are_refused_at_once(world):
    ada, _, _ = world
    with pytest.raises(TypeError):
        prepared.Prepared(_entries)(client_ids=[ada], after=AT, text="")
    with pytest.raises(TypeError):
        prepared.Prepared(_entries)(client_ids=[ada.pk], after=AT.replace(tzinfo=None), text="")


def test_an_argument_used_twice_and_in_subqueries_goes_everywhere_it_is_used(world):
    ada, bo, cy = world

    def others_wrote_after(*, client_id, after):
        later = JournalEntry.objects.filter(
            ~Q(client_id=client_id), occurred_at__gt=OuterRef("occurred_at")
        ).filter(occurred_at__gt=after)
        return (
            JournalEntry.objects.filter(Q(client_id=client_id) | Q(occurred_at__gt=after))
            .filter(Exists(later))
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    query = prepared.Prepared(others_wrote_after)
    for who in (ada, bo, cy):
        for days in (2, 5, 30):
            args = {"client_id": who.pk, "after": AT - timedelta(days=days)}
            assert query(**args) == query.plain(**args)


@settings(max_examples=25, deadline=None)
@given(
    picked=st.lists(st.integers(0, 2), min_size=1, max_size=3),
    days=st.integers(0, 12),
    text=st.sampled_from(["a", "b", "c", "skip", ""]),
)
def test_it_agrees_with_the_orm_for_any_arguments(picked, days, text):
    # The examples share the test's transaction: the clients are made by the first.
    clients = list(User.objects.filter(email__startswith="prepared-").order_by("pk"))
    if not clients:
        clients = [ClientFactory(email=f"prepared-{n}@example.org") for n in range(3)]
        for n, who in enumerate(clients):
            for k in range(n + 2):
                JournalEntryFactory(
                    client=who, text="abc"[k % 3], occurred_at=AT - timedelta(days=3 * k + n)
                )
    query = prepared.Prepared(_entries)
    args = {
        "client_ids": [clients[i].pk for i in picked],
        "after": AT - timedelta(days=days),
        "text": text,
    }
    assert query(**args) == query.plain(**args)


# --- Viewers: who may see what is the policy's, for the stand-in as for the person ----------


def _journal_of(*, viewer, client_id):
    return JournalEntry.objects.visible_to(viewer).filter(client_id=client_id).order_by("pk")


def test_a_viewer_sees_what_the_policy_lets_them_see_and_no_more(personas):
    ada_entry = JournalEntryFactory(client=personas.client_a, shared=True)
    JournalEntryFactory(client=personas.client_a, shared=False)
    bea_entry = JournalEntryFactory(client=personas.client_b, shared=True)
    query = counted(_journal_of)
    a, b = personas.client_a.pk, personas.client_b.pk

    assert query(viewer=personas.therapist_a, client_id=a) == [ada_entry]  # shared only
    built = len(query.builds)
    assert query(viewer=personas.therapist_b, client_id=b) == [bea_entry]
    assert query(viewer=personas.therapist_b, client_id=a) == []  # not their client
    assert query(viewer=personas.therapist_a, client_id=b) == []
    assert len(query.builds) == built  # one shape for every therapist with MFA

    assert len(query(viewer=personas.client_a, client_id=a)) == 2  # their own, private too
    assert query(viewer=personas.client_b, client_id=a) == []
    assert query(viewer=personas.staff, client_id=a) == []
    personas.therapist_a._tandem_has_totp = False  # as without a second factor
    assert query(viewer=personas.therapist_a, client_id=a) == []


@pytest.mark.parametrize("role", ["client", "therapist", "staff"])
@pytest.mark.parametrize("active", [True, False])
@pytest.mark.parametrize("mfa", [True, False])
def test_the_policy_treats_a_stand_in_viewer_as_the_person(role, active, mfa):
    from accounts import policy
    from clients.models import LifestyleLog
    from homework.models import HomeworkTemplate
    from measures.models import MeasureResponse
    from notifications.models import Preferences
    from tests.factories import UserFactory

    person = UserFactory(role=role, is_active=active, is_staff=role == "staff", is_superuser=True)
    person._tandem_has_totp = mfa
    stand_in = policy.stand_in_viewer(person, pk=20_001)
    assert policy.viewer_shape(stand_in) == policy.viewer_shape(person)
    reads = [
        lambda u: policy.clients_visible_to(u),
        lambda u: policy.care_relationships_visible_to(u),
        lambda u: policy.client_records_visible_to(u, JournalEntry.objects.all()),
        lambda u: MeasureResponse.objects.visible_to(u),
        lambda u: policy.shared_records_visible_to(u, LifestyleLog.objects.all()),
        lambda u: policy.own_rows_visible_to(u, Preferences.objects.all()),
        lambda u: policy.templates_visible_to(u, HomeworkTemplate.objects.all()),
    ]
    for read in reads:
        assert _sql(read(stand_in)) == _sql(read(person), person.pk, 20_001)


def _sql(queryset, pk=None, stand_in=None):
    from django.core.exceptions import EmptyResultSet

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, [stand_in if type(p) is int and p == pk else p for p in params]


def test_a_fixed_argument_is_part_of_the_shape_and_reaches_the_builder_as_it_is(world):
    from django.db.models.functions import TruncDate

    from accounts.clock import zone

    ada, _, _ = world

    def days(*, client_id, zone_name):
        return (
            JournalEntry.objects.filter(client_id=client_id)
            .annotate(local=TruncDate("occurred_at", tzinfo=zone(zone_name)))
            .order_by("local")
            .values_list("local", flat=True)
        )

    query = counted(days)
    late = JournalEntryFactory(client=ada, occurred_at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
    for name in ("Europe/London", "Asia/Tokyo", "America/New_York", "Asia/Tokyo"):
        args = {"client_id": ada.pk, "zone_name": prepared.Fixed(name)}
        assert query(**args) == query.plain(**args)
    assert len(query.builds) == 3 * 2 + 4  # a shape a zone, and `plain` each time
    tokyo = query(client_id=ada.pk, zone_name=prepared.Fixed("Asia/Tokyo"))
    assert date(2026, 12, 3) in tokyo  # `late` on Tokyo's next day
    assert late.occurred_at.date() == date(2026, 12, 2)


def test_a_viewer_the_policy_shows_nothing_gets_the_orms_answer_and_nothing_is_refused(personas):
    from django.db.models import Subquery, Value
    from django.db.models.functions import Coalesce

    JournalEntryFactory(client=personas.client_a, shared=True, occurred_at=AT)

    def counted_since(*, viewer, client_id, after):
        entries = (
            JournalEntry.objects.visible_to(viewer)
            .filter(client_id=client_id, occurred_at__gte=after)
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return User.objects.filter(pk=client_id).values(n=Coalesce(Subquery(entries), 0))

    query = prepared.Prepared(counted_since)
    since = AT - timedelta(days=1)
    a = personas.client_a.pk
    assert query(viewer=personas.therapist_a, client_id=a, after=since) == [{"n": 1}]
    assert query(viewer=personas.staff, client_id=a, after=since) == [{"n": 0}]
    assert query(viewer=personas.therapist_b, client_id=a, after=since) == [{"n": 0}]
    assert not prepared.REFUSED


def test_lists_are_one_shape_up_to_the_next_power_of_two_and_repeats_change_nothing(world):
    ada, bo, cy = world
    query = counted(_entries)
    after, text = AT - timedelta(days=30), "skip"
    three = query(client_ids=[ada.pk, bo.pk, cy.pk], after=after, text=text)
    built = len(query.builds)
    four = query(client_ids=[cy.pk, bo.pk, ada.pk, ada.pk], after=after, text=text)
    assert three == four == query.plain(client_ids=[ada.pk, bo.pk, cy.pk], after=after, text=text)
    assert len(query.builds) == built + 1  # only `plain`: three and four are one shape
    assert query(client_ids=[bo.pk], after=after, text=text) == [(bo.pk, 2, AT - timedelta(days=3))]


def test_someone_not_signed_in_gets_the_orms_answer(personas):
    from django.contrib.auth.models import AnonymousUser

    JournalEntryFactory(client=personas.client_a, shared=True)
    query = prepared.Prepared(_journal_of)
    assert query(viewer=AnonymousUser(), client_id=personas.client_a.pk) == []


def test_uuids_are_values_and_find_what_the_orm_finds(personas):
    """A public id is a value (one shape for every record), on SQLite as hex text."""
    import uuid

    from clients.selectors import get_record_for_user

    mine = JournalEntryFactory(client=personas.client_a, shared=True)
    other = JournalEntryFactory(client=personas.client_a, shared=True)
    private = JournalEntryFactory(client=personas.client_a, shared=False)

    def by_public_id(*, viewer, public_id):
        return JournalEntry.objects.visible_to(viewer).filter(public_id=public_id)

    query = counted(by_public_id)
    therapist = personas.therapist_a
    assert query(viewer=therapist, public_id=mine.public_id) == [mine]
    built = len(query.builds)
    assert query(viewer=therapist, public_id=other.public_id) == [other]
    assert query(viewer=therapist, public_id=private.public_id) == []  # not shared
    assert query(viewer=personas.therapist_b, public_id=mine.public_id) == []
    assert query(viewer=therapist, public_id=uuid.uuid4()) == []
    assert len(query.builds) == built  # one shape
    assert not prepared.REFUSED

    assert get_record_for_user(therapist, str(mine.public_id)) == mine
    for wrong in ("not-a-uuid", uuid.uuid4(), private.public_id):
        with pytest.raises(Http404):
            get_record_for_user(therapist, wrong)


def _not_to_be_found(personas) -> list[tuple]:
    """(viewer, public id) pairs for which client A is not found: people who may not see
    them, and ids of no one."""
    import uuid

    a = personas.client_a
    return [
        (personas.therapist_b, a.public_id),  # not their client
        (personas.client_b, a.public_id),  # another client
        (personas.staff, a.public_id),
        (personas.therapist_a, uuid.uuid4()),
        (personas.therapist_a, "not-a-uuid"),
    ]


def test_a_client_is_found_only_by_who_may_see_their_records(personas):

    from accounts.policy import get_client_for_user

    a = personas.client_a
    assert get_client_for_user(personas.therapist_a, a.public_id) == a
    assert get_client_for_user(personas.therapist_a, str(a.public_id)) == a
    assert get_client_for_user(a, a.public_id) == a  # the client themselves
    for who, public_id in [
        *_not_to_be_found(personas),
        (personas.therapist_a, personas.therapist_a.public_id),  # not a client
    ]:
        with pytest.raises(Http404):
            get_client_for_user(who, public_id)
    relationship = personas.relationship_a
    relationship.status = CareStatus.ENDED
    relationship.save(update_fields=["status"])
    with pytest.raises(Http404):
        get_client_for_user(personas.therapist_a, a.public_id)


def test_a_therapist_finds_only_their_active_relationship_by_the_clients_public_id(personas):

    from accounts.policy import get_active_relationship_for_client

    a = personas.client_a
    relationship = get_active_relationship_for_client(personas.therapist_a, a.public_id)
    assert (relationship.therapist, relationship.client) == (personas.therapist_a, a)
    assert get_active_relationship_for_client(personas.therapist_a, str(a.public_id)) == (
        relationship
    )
    assert get_active_relationship_for_client(a, a.public_id) == relationship  # the client's own
    for who, public_id in _not_to_be_found(personas):
        with pytest.raises(Http404):
            get_active_relationship_for_client(who, public_id)
    relationship.status = CareStatus.ENDED
    relationship.save(update_fields=["status"])
    with pytest.raises(Http404):
        get_active_relationship_for_client(personas.therapist_a, a.public_id)


def _entries_not_of(*, client_ids, after, text):
    """Another query of `_entries`' shape: the others' entries."""
    return (
        JournalEntry.objects.exclude(client_id__in=client_ids)
        .filter(occurred_at__gt=after)
        .exclude(text=text)
        .values("client_id")
        .annotate(number=Count("pk"), last=Max("occurred_at"))
        .order_by("client_id")
        .values_list("client_id", "number", "last")
    )


def test_a_query_made_after_another_is_gone_never_runs_what_was_kept_for_that_one(world):
    """A kept shape holds its query: one made after another was freed, which may be given
    the freed one's place in memory, builds its own, with the same arguments."""
    ada, bo, cy = world
    args = {"client_ids": [ada.pk], "after": AT - timedelta(days=30), "text": ""}
    for _ in range(20):
        gone = prepared.Prepared(_entries)
        assert [row[0] for row in gone(**args)] == [ada.pk]
        del gone
        other = prepared.Prepared(_entries_not_of)
        assert [row[0] for row in other(**args)] == [bo.pk, cy.pk]
        del other


# --- Prefetches ------------------------------------------------------------------------


@pytest.fixture
def homework():
    """Three pieces of homework of one client: with two pauses (made out of order), with one,
    with none."""
    first = AssignmentFactory(start_date=date(2026, 1, 5))
    client = first.client
    second = AssignmentFactory(
        relationship=first.relationship, title="Walk", start_date=date(2026, 1, 5)
    )
    AssignmentFactory(relationship=first.relationship, title="Call", start_date=date(2026, 1, 5))
    for assignment, start, end in [
        (first, date(2026, 3, 1), date(2026, 3, 4)),
        (first, date(2026, 2, 1), date(2026, 2, 2)),
        (second, date(2026, 4, 1), None),
    ]:
        AssignmentPause.objects.create(assignment=assignment, start_date=start, end_date=end)
    return client


def _with_pauses(*, client_id):
    return assignments_with_pauses(Assignment.objects.filter(client_id=client_id)).order_by("pk")


def _pauses_of(assignments) -> list:
    return [
        (a.pk, [(p.pk, p.start_date, p.end_date, p.assignment_id) for p in a.pause_list])
        for a in assignments
    ]


def test_a_prefetch_into_a_list_is_prepared_and_gives_what_the_orms_gives(
    homework, django_assert_num_queries, monkeypatch
):
    query = counted(_with_pauses)
    query(client_id=homework.pk)  # the shape, and its prefetch's shape, are kept
    built = len(query.builds)
    prefetched = []
    orms = QuerySet._prefetch_related_objects
    monkeypatch.setattr(
        QuerySet,
        "_prefetch_related_objects",
        lambda self: (prefetched.append(self.model), orms(self))[1],
    )
    with django_assert_num_queries(2):
        rows = query(client_id=homework.pk)
    assert prefetched == []  # not the ORM's prefetch, which builds its query each time
    assert len(query.builds) == built

    plain = query.plain(client_id=homework.pk)
    assert prefetched == [Assignment]
    assert _pauses_of(rows) == _pauses_of(plain)
    first, second, third = rows
    assert [p.start_date for p in first.pause_list] == [date(2026, 2, 1), date(2026, 3, 1)]
    assert [p.end_date for p in second.pause_list] == [None]
    assert third.pause_list == []
    with django_assert_num_queries(0):
        # Each pause has its homework, as the ORM's prefetch sets it, and schedules read them.
        assert all(p.assignment is first for p in first.pause_list)
        assert first.schedule().pauses == plain[0].schedule().pauses


def test_a_prefetch_that_takes_an_argument_is_refused_and_never_baked_in(homework, caplog):
    def paused_from(*, client_id, day):
        # The day is in the query's own SQL too: an argument only a prefetch takes is refused
        # with the query (`test_an_argument_tested_in_python_and_not_in_the_sql_is_refused`).
        started = Assignment.objects.filter(client_id=client_id, start_date__lte=day)
        return started.prefetch_related(
            Prefetch(
                "pauses",
                queryset=AssignmentPause.objects.filter(start_date__gte=day),
                to_attr="pause_list",
            )
        )

    query = counted(paused_from)
    for day in [date(2026, 1, 6), date(2026, 2, 15), date(2026, 3, 15), date(2026, 1, 6)]:
        rows = query(client_id=homework.pk, day=day)
        assert _pauses_of(rows) == _pauses_of(query.plain(client_id=homework.pk, day=day))
    assert "a prefetch's query takes an argument's value" in caplog.text
    assert "paused_from" in prepared.REFUSED
    prepared.REFUSED.discard("paused_from")
    before = len(query.builds)
    rows = query(client_id=homework.pk, day=date(2026, 3, 15))
    assert sorted(len(a.pause_list) for a in rows) == [0, 0, 1]
    assert len(query.builds) == before + 1  # as the ORM builds it: nothing was kept


def test_a_prefetch_it_does_not_prepare_is_the_orms(homework, django_assert_num_queries):
    def into_the_manager(*, client_id):
        return Assignment.objects.filter(client_id=client_id).prefetch_related("pauses")

    query = prepared.Prepared(into_the_manager)
    query(client_id=homework.pk)
    with django_assert_num_queries(2):
        rows = query(client_id=homework.pk)
    with django_assert_num_queries(0):
        got = sorted(len(a.pauses.all()) for a in rows)
    assert got == [0, 1, 2]


def test_no_homework_no_query_for_its_pauses(django_assert_num_queries):
    query = prepared.Prepared(_with_pauses)
    client = ClientFactory()
    query(client_id=client.pk)
    with django_assert_num_queries(1):
        assert query(client_id=client.pk) == []


# --- Long lists as arrays on PostgreSQL --------------------------------------------------


def _others(*, client_ids):
    return (
        JournalEntry.objects.exclude(client_id__in=client_ids)
        .order_by("client_id", "pk")
        .values_list("client_id", flat=True)
    )


def test_a_long_list_goes_as_one_array_on_postgresql_and_a_short_one_as_an_in_list(world):
    """psycopg converts a query of more than 50 parameters again on every run, and
    PostgreSQL planned the timeline's check-offs (128 parameters) again on every run: a list
    of `ARRAY_FROM` values or more is one array there. The rows are the ORM's either way."""
    ada, bo, cy = world
    entries, others = prepared.Prepared(_entries), prepared.Prepared(_others)
    many = [ada.pk, cy.pk, *range(10**6, 10**6 + prepared.ARRAY_FROM)]  # 66, padded to 128
    after = AT - timedelta(days=30)
    for ids in (many, [ada.pk, cy.pk], many):
        with CaptureQueriesContext(connection) as ran:
            rows = entries(client_ids=ids, after=after, text="skip")
            left = others(client_ids=ids)
        assert rows == entries.plain(client_ids=ids, after=after, text="skip")
        assert rows == [(ada.pk, 1, AT - timedelta(days=1)), (cy.pk, 1, AT - timedelta(days=4))]
        assert left == others.plain(client_ids=ids) == [bo.pk, bo.pk]
        as_array = connection.vendor == "postgresql" and len(ids) >= prepared.ARRAY_FROM
        for query in ran.captured_queries:
            assert ("= ANY(" in query["sql"]) is as_array, query["sql"]
            assert (" IN (" in query["sql"]) is not as_array, query["sql"]


def test_only_an_in_list_of_exactly_one_list_in_its_order_becomes_an_array(monkeypatch):
    monkeypatch.setattr(prepared, "ARRAY_FROM", 2)
    sql = (
        'SELECT 1 FROM "t" WHERE "a" IN (%s, %s) AND "b" = %s AND "c" LIKE \'x%%\' '
        'AND "d" IN (%s, %s) AND CASE WHEN "e" = %s THEN 1 WHEN "e" = %s THEN 2 END = 1'
    )
    params = [1, 2, 3, 4, 5, 6, 7]
    # The first list, in order; an argument; the second list in the wrong order; the third
    # list as a CASE's branches.
    slots = [0, 1, 2, 4, 3, 5, 6]
    lists = [slice(0, 2), slice(3, 5), slice(5, 7)]
    out, out_params, out_slots = prepared._as_arrays(sql, params, slots, lists)
    assert out == (
        'SELECT 1 FROM "t" WHERE "a" = ANY(%s) AND "b" = %s AND "c" LIKE \'x%%\' '
        'AND "d" IN (%s, %s) AND CASE WHEN "e" = %s THEN 1 WHEN "e" = %s THEN 2 END = 1'
    )
    assert out_params == [[1, 2], 3, 4, 5, 6, 7]
    assert out_slots == [slice(0, 2), 2, 4, 3, 5, 6]
    monkeypatch.setattr(prepared, "ARRAY_FROM", 3)
    assert prepared._as_arrays(sql, params, slots, lists) == (sql, params, slots)
