"""The rows of "Waiting for you" (therapists.caseload_table.drawn_waiting), drawn by format
strings: what the template that drew them before wrote, escaped alike."""

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID

from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import CareRelationship, User
from progress.waiting import WaitingRow
from therapists.caseload_table import drawn_waiting

# The template the rows were drawn with, kept as what they are held to.
WAITING_ROW_TEMPLATE = (
    "{% load tz %}{% timezone zone %}{% if invitation %}"
    '<li data-waiting-row="invitation"><a href="#pending-heading">Invitation to {{ email }}</a>:'
    ' expires {{ expires|date:"D j M, H:i" }}</li>\n'
    "{% else %}"
    '<li data-waiting-row="{{ client }}">'
    "<a href=\"{% url 'therapist_timeline' client %}?waiting=1\">{{ name }}</a>:\n"
    '{% if shared %}<span data-waits="shared">{{ shared }} shared'
    ' entr{{ shared|pluralize:"y,ies" }} not viewed yet</span>{% endif %}'
    "{% if replies %}{% if shared %} · {% endif %}"
    '<span data-waits="reply">{{ replies }} repl{{ replies|pluralize:"y,ies" }}'
    " not answered</span>{% endif %}"
    "{% if silent %}{% if shared or replies %} · {% endif %}"
    '<span data-waits="silent">quiet for a week</span>{% endif %}\n'
    '<span class="muted small">· since {{ since|date:"j M" }}</span></li>\n'
    "{% endif %}{% endtimezone %}"
)

# Each relationship's therapist, for its name in a failing example.
THERAPIST = User(email="therapist@example.org")
ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"]
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
text = st.text(alphabet=st.sampled_from("Aé <>&\"'Zß丁 "), min_size=1, max_size=12)


@st.composite
def rows(draw) -> WaitingRow:
    if draw(st.booleans()):
        relationship = CareRelationship(
            therapist=THERAPIST,
            invited_email=draw(text) + "@example.org",
            invitation_expires_at=draw(moments),
        )
        return WaitingRow(relationship=relationship, since=draw(moments), invitation=True)
    client = User(
        name=draw(st.one_of(st.just(""), text)),
        email=draw(text) + "@example.org",
        public_id=UUID(int=draw(st.integers(0, 2**128 - 1))),
    )
    return WaitingRow(
        relationship=CareRelationship(therapist=THERAPIST, client=client),
        since=draw(moments),
        shared=draw(st.integers(0, 3)),
        replies=draw(st.integers(0, 3)),
        silent=draw(st.booleans()),
    )


def _as_the_template_drew(row: WaitingRow, zone: str) -> str:
    relationship = row.relationship
    if row.invitation:
        context = {
            "invitation": True,
            "email": relationship.invited_email,
            "expires": relationship.invitation_expires_at,
        }
    else:
        context = {
            "invitation": False,
            "client": relationship.client.public_id,
            "name": str(relationship.client),
            "shared": row.shared,
            "replies": row.replies,
            "silent": row.silent,
            "since": row.since,
        }
    return Template(WAITING_ROW_TEMPLATE).render(Context({"zone": zone, **context}))


def _words(html: str) -> str:
    return " ".join(html.split())


@settings(deadline=None)  # the first example loads the URLs and the zones
@given(st.lists(rows(), max_size=4), st.sampled_from(ZONES))
def test_the_rows_read_as_the_template_drew_them(waiting_rows, zone):
    html = drawn_waiting(SimpleNamespace(rows=waiting_rows), zone)
    expected = "".join(_as_the_template_drew(row, zone) for row in waiting_rows)
    assert _words(html) == _words(expected)
    assert html.count("<li ") == len(waiting_rows)


def test_a_row_says_what_waits_in_plain_words_with_its_link():
    client = User(name="Ada <b>", email="ada@example.org", public_id=UUID(int=7))
    row = WaitingRow(
        relationship=CareRelationship(client=client),
        since=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
        shared=1,
        replies=2,
        silent=True,
    )
    html = drawn_waiting(SimpleNamespace(rows=[row]), "Europe/Paris")
    assert _words(html) == (
        f'<li data-waiting-row="{client.public_id}">'
        f'<a href="/therapist/clients/{client.public_id}/timeline/?waiting=1">Ada &lt;b&gt;</a>: '
        '<span data-waits="shared">1 shared entry not viewed yet</span> · '
        '<span data-waits="reply">2 replies not answered</span> · '
        '<span data-waits="silent">quiet for a week</span> '
        '<span class="muted small">· since 2 Dec</span></li>'
    )
