"""One function per e-mail kind. Each builds its context from counts only (ints, dates,
links and the names the reader already knows), never from a model or a selector's rows, so
no clinical value can reach a template by accident (TRUST.md, "E-mail carries no clinical
content"). Each carries a Message-ID derived from its ledger key; lists carry RFC 8058
one-click unsubscribe headers."""

import email.policy
import email.utils
import functools
import hashlib
import random
import re
import sys
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from email.headerregistry import BaseHeader, HeaderRegistry

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.addresses import PLAIN_ADDRESS
from accounts.mail import render_email
from accounts.models import User

from .models import Delivery, Kind

UNSUBSCRIBE_SALT = "tandem.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
LISTS = {
    Kind.REMINDER: "reminders",
    Kind.CATCH_UP: "reminders",
    Kind.CLIENT_DIGEST: "digest",
    Kind.THERAPIST_DIGEST: "digest",
    Kind.THERAPIST_REMINDER: "reminders",
    Kind.REPLY: "replies",
    Kind.SESSION_REMINDER: "sessions",
}


class ListEmail(EmailMultiAlternatives):
    """An e-mail whose long List-Unsubscribe URL stays one plain `<…>` line.

    The standard policies fold a header word longer than 78 characters into RFC 2047
    encoded words, which mail clients do not decode in List-Unsubscribe; RFC 5322 allows
    lines up to 998 characters, so headers are folded only beyond that.
    """

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=_list_policy(policy))
        # The boundary the generator would draw, without its regular expression made anew
        # for each message to check it against the parts (a plain search does).
        parts = list(message.iter_parts())
        if (
            message.is_multipart()
            and message.get_boundary() is None
            and all(isinstance(part.get_payload(), str) for part in parts)
        ):
            boundary = _boundary()
            if not any(boundary in part.get_payload() for part in parts):
                message.set_boundary(boundary)
        return message


def _boundary() -> str:
    """A random boundary, drawn as the generator draws its own (not a secret: it need only
    not occur in the parts)."""
    token = random.randrange(sys.maxsize)  # noqa: S311
    return "=" * 15 + f"{token:0{len(repr(sys.maxsize - 1))}d}" + "=="


# Headers that read the same in every message of a kind (the sender, the subject, the
# parts' types and encodings). Parsing and folding a header is most of the cost of making a
# message; these are parsed and folded once per process, the others for each message.
SHARED_HEADERS = frozenset(
    {
        "from",
        "subject",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "list-unsubscribe-post",
        "auto-submitted",
    }
)


# Headers that differ in each message and, when plain, read on the wire exactly as given:
# a plain recipient, the Message-ID this module makes, an unsubscribe link, the date, the
# multipart's type with its boundary. Kept as given instead of parsed (parsing and folding
# them cost a sixth of a digest's CPU); a value of another form (a display name, a non-ASCII
# character) is parsed as the policy parses it.
PLAIN_VALUES = {
    "to": PLAIN_ADDRESS,
    "message-id": re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>"),
    "list-unsubscribe": re.compile(r"<https?://[A-Za-z0-9._~:/@!$&'()*+,;%-]+>"),
    # A multipart's type with the boundary `_boundary` draws: parsed, it was a message's
    # costliest header.
    "content-type": re.compile(r'multipart/alternative; boundary="=+\d+=="'),
    # As email.utils.format_datetime writes it.
    "date": re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"),
}


def _plain(name: str, value) -> bool:
    if type(value) is not str:  # a parsed header (a subclass of str) or another type
        return False
    pattern = PLAIN_VALUES.get(name.lower())
    return pattern is not None and pattern.fullmatch(value) is not None


class ListPolicy(email.policy.EmailPolicy):
    """The given policy with lines of up to 998 characters, the shared headers' parsed and
    folded forms kept between messages, and plain values of the others (PLAIN_VALUES) and
    the Date kept as given: the same bytes, made with less work."""

    def header_store_parse(self, name, value):
        if isinstance(value, datetime) and name.lower() == "date":
            value = email.utils.format_datetime(value)  # what the Date header makes of it
        if _plain(name, value):
            return (name, value)
        if type(value) is str and name.lower() in SHARED_HEADERS:
            return _parsed(self, name, value)
        return super().header_store_parse(name, value)

    def header_fetch_parse(self, name, value):
        # A plain value reads back as it was given (an ASCII address has no domain for
        # Django to encode); anything else as the policy parses it.
        if _plain(name, value):
            return value
        return super().header_fetch_parse(name, value)

    def fold_binary(self, name, value):
        if isinstance(value, BaseHeader) and name.lower() in SHARED_HEADERS:
            return _folded(self, name, value)
        return super().fold_binary(name, value)

    # Equal when their settings are: the generator clones the policy for each part.
    def __eq__(self, other):
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self):
        return hash(tuple(sorted(vars(self).items())))


class HeaderClasses(HeaderRegistry):
    """The registry's class for each header name made once: the standard one makes a new
    class for every header it parses, and for every header set (to look up its count)."""

    def __init__(self, source: HeaderRegistry):
        super().__init__(source.base_class, source.default_class, use_default_map=False)
        self.registry.update(source.registry)
        self.made: dict[str, type] = {}

    def __getitem__(self, name):
        key = name.lower()
        if key not in self.made:
            self.made[key] = super().__getitem__(name)
        return self.made[key]

    def map_to_type(self, name, cls):
        super().map_to_type(name, cls)
        self.made.clear()


@functools.cache
def _list_policy(policy: email.policy.Policy) -> email.policy.Policy:
    if not isinstance(policy, email.policy.EmailPolicy):
        return policy.clone(max_line_length=998)
    factory = policy.header_factory
    if isinstance(factory, HeaderRegistry):
        factory = HeaderClasses(factory)
    return ListPolicy(**{**vars(policy), "header_factory": factory, "max_line_length": 998})


# A header object is never changed once made: messages may share one. Bounded, as a
# header of another form than PLAIN_VALUES's may carry a value of its own.
@functools.lru_cache(maxsize=256)
def _parsed(policy: ListPolicy, name: str, value: str) -> tuple[str, BaseHeader]:
    return email.policy.EmailPolicy.header_store_parse(policy, name, value)


@functools.lru_cache(maxsize=256)
def _folded(policy: ListPolicy, name: str, value: BaseHeader) -> bytes:
    return email.policy.EmailPolicy.fold_binary(policy, name, value)


def message_id(delivery: Delivery) -> str:
    """The same for every attempt at one ledger key, so a receiver can drop a duplicate."""
    key = f"{delivery.user.public_id}|{delivery.kind}|{delivery.period}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "tandem.localhost"
    return f"<{delivery.kind}.{digest}@{domain}>"


def unsubscribe_token(user: User, what: str) -> str:
    return signing.dumps(
        {"u": str(user.public_id), "l": what}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(user: User, what: str) -> str:
    path = reverse("unsubscribe", kwargs={"token": unsubscribe_token(user, what)})
    return f"{settings.SITE_URL}{path}"


def _list_email(delivery: Delivery, template: str, context: dict) -> ListEmail:
    user = delivery.user
    unsubscribe = unsubscribe_url(user, LISTS[delivery.kind])
    preferences = settings.SITE_URL + reverse(
        "therapist_notifications" if user.is_therapist else "client_notifications"
    )
    return render_email(
        to=user.email,
        template=template,
        context={
            "unsubscribe_url": unsubscribe,
            "preferences_url": preferences,
            "recipient_name": user.name,  # the reader's own name; "Hello," without one
            **context,
        },
        headers={
            "Message-ID": message_id(delivery),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        message_class=ListEmail,
    )


# --- What each e-mail may say: counts ------------------------------------------------


@dataclass(frozen=True)
class WeekCounts:
    """A client's week in numbers, for their summary (the portal's week has more)."""

    monday: date
    sunday: date
    homework_done: int
    homework_due: int
    days_logged: int
    journal_entries: int
    active_minutes: int
    social_contacts: int
    streak: int

    @classmethod
    def of(cls, week) -> "WeekCounts":
        return _copied(cls, week)


@dataclass(frozen=True)
class CaseloadCounts:
    """A therapist's caseload in numbers: how many clients, never which."""

    monday: date
    clients: int
    active: int
    all_done: int
    quiet: int
    flags: dict[str, int]  # how many clients carry each caseload flag, by its key

    @classmethod
    def of(cls, caseload) -> "CaseloadCounts":
        return cls(
            monday=caseload.monday,
            clients=len(caseload.rows),
            active=caseload.active,
            all_done=caseload.all_done,
            quiet=caseload.quiet,
            flags={key: int(count) for key, count in caseload.flag_counts.items()},
        )


@dataclass(frozen=True)
class WaitingCounts:
    """What waits for a therapist, counted; the items (which name clients) stay in the portal."""

    total: int
    shared: int
    replies: int
    invitations: int
    silent: int

    @classmethod
    def of(cls, waiting) -> "WaitingCounts":
        return _copied(cls, waiting)


def _copied(cls, source):
    """`cls` with the fields it names read from `source`: nothing else of it comes along."""
    return cls(**{field.name: getattr(source, field.name) for field in fields(cls)})


# --- The e-mails ---------------------------------------------------------------------


def reminder_email(delivery: Delivery, *, waiting: int) -> ListEmail:
    return _list_email(
        delivery,
        "reminder",
        {"waiting": int(waiting), "url": settings.SITE_URL + reverse("client_home")},
    )


def catch_up_email(delivery: Delivery) -> ListEmail:
    return _list_email(delivery, "catch_up", {"url": settings.SITE_URL + reverse("client_home")})


def client_digest_email(delivery: Delivery, *, week: WeekCounts) -> ListEmail:
    return _list_email(
        delivery,
        "client_digest",
        {"week": asdict(week), "url": settings.SITE_URL + reverse("client_my_week")},
    )


def therapist_digest_email(delivery: Delivery, *, caseload: CaseloadCounts) -> ListEmail:
    return _list_email(
        delivery,
        "therapist_digest",
        {**asdict(caseload), "url": settings.SITE_URL + reverse("therapist_weekly_review")},
    )


def therapist_reminder_email(
    delivery: Delivery, *, waiting: WaitingCounts, briefs_tomorrow: int = 0
) -> ListEmail:
    """What waits, counted, and how many sessions (so briefs) tomorrow: never with whom."""
    return _list_email(
        delivery,
        "therapist_reminder",
        {
            **asdict(waiting),
            "briefs": int(briefs_tomorrow),
            "url": settings.SITE_URL + reverse("therapist_home"),
        },
    )


def reply_email(delivery: Delivery) -> ListEmail:
    """ "You have a new reply": no name, no record, no kind of record; a link to Today."""
    return _list_email(delivery, "reply", {"url": settings.SITE_URL + reverse("client_home")})


def session_reminder_email(delivery: Delivery, *, tomorrow: bool, day: date, at: str) -> ListEmail:
    """ "You have a session tomorrow at 17:00", in the client's zone: no therapist, no place,
    no way of meeting. "today" when quiet hours or a late booking moved it to the day itself."""
    return _list_email(
        delivery,
        "session_reminder",
        {
            "when": "tomorrow" if tomorrow else "today",
            "day": day,
            "at": str(at),
            "url": settings.SITE_URL + reverse("client_home"),
        },
    )


def safety_email(delivery: Delivery, *, again: bool) -> EmailMultiAlternatives:
    """ "A client needs your attention": no name, no source, no content, and no unsubscribe
    (a safety notice cannot be turned off). The same words the first time and again."""
    return render_email(
        to=delivery.user.email,
        template="safety_alert",
        context={
            "recipient_name": delivery.user.name,
            "again": again,
            "url": settings.SITE_URL + reverse("therapist_alerts"),
        },
        headers={
            "Message-ID": message_id(delivery),
            "Auto-Submitted": "auto-generated",
            "X-Priority": "1",
        },
    )


def invitation_email(
    delivery: Delivery, *, to: str, therapist_name: str, url: str, expires_at: datetime
) -> EmailMultiAlternatives:
    """To an address, not an account: the invitee is greeted without a name, and no list
    footer (nobody subscribed)."""
    return render_email(
        to=to,
        template="invitation",
        context={
            "therapist_name": therapist_name or "Your therapist",
            "url": url,
            "expires_at": expires_at,
        },
        # RFC 3834: no out-of-office replies to a message nobody typed.
        headers={"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"},
    )
