"""Data versions: a token per person that changes whenever anything of theirs is written,
and the page cache keyed on them.

Every person (`User.data_version`) carries a random token. Any write to a row that belongs
to people (a client's records, homework, plan, questionnaires, sessions, alerts; a
therapist's templates, invitations and settings) gives those people a new token in the same
statement, by a database trigger on each of those tables: the write and the new version
commit together or not at all, so a page cached under the old token is never read again
once the write is visible, whatever wrote it (a service, `QuerySet.update()`, a bulk
insert, a cascade, the admin). The owners of a row come from its foreign keys: the people
it points at and, when it names no client itself, the people of the rows it points at. The
triggers are made from the models after every `migrate` (and dropped before it), so a new
table or column is covered without a hand-written migration. A person's own row changes
its token in `User.save()`.

Tokens are random, not counters: a stale copy of a user saved back can never bring an old
version, and the pages it keyed, back to life.

The same statement gives them a new version of the kind of data written (`PART_KINDS`,
`User.part_versions`): a part of a page made from one kind (the Progress series' moods, its
adherence) is kept by that kind's version (`kept_parts`) and outlives writes of other kinds.
"""

import functools
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import ForeignKey
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone

logger = logging.getLogger(__name__)

CACHE = "pages"
# Models whose rows belong to people, by app label: every concrete model of these apps but
# the ones below, which are not what pages show (audit rows are written on reads; the
# e-mail ledger, API tokens and idempotency keys are bookkeeping).
TRACKED_APPS = (
    "accounts",
    "appointments",
    "careplans",
    "clients",
    "homework",
    "measures",
    "notifications",
    "safety",
    # A therapist's second factor: what they may see turns on it, so a cached answer must not
    # outlive a change of it.
    "mfa",
)
UNTRACKED = {"accounts.AuditEvent", "notifications.Delivery", "clients.IdempotencyKey"}


def new_token() -> int:
    return secrets.randbits(62)


# Kinds of data a part of a page may be kept by (`kept_parts`): a write to one of these tables
# gives its owners a new version of its kind (`User.part_versions`) besides their
# `data_version`. A write to any other tracked table, and a change of the person's own row,
# gives them a new SHARED version instead, which every part is keyed on too: a part made from
# the tables of its kinds, and from tables of no kind, is made again only when one of them
# changes (a mood logged leaves the homework's adherence kept).
PART_KINDS = {
    "clients.JournalEntry": "journal",
    "clients.LifestyleLog": "lifestyle",
    "clients.SocialActivity": "social",
    "homework.Assignment": "homework",
    "homework.AssignmentPause": "homework",
    "homework.Completion": "homework",
    "careplans.TriggerLog": "coping",
    "measures.MeasureResponse": "measures",
}
SHARED = "shared"
# A column of one kind's table that decides what a therapist sees of another kind: an UPDATE
# that changes it gives the row's owners a new version of that other kind too (a coping step
# is shown to a therapist when its journal entry is shared). Table label: (column, kind).
SHOWN_BY = {"clients.JournalEntry": ("shared", "coping")}


def new_part_versions() -> dict[str, int]:
    """A new person's, or a changed person's: a SHARED version of their own."""
    return {SHARED: new_token()}


def _user_model():
    return apps.get_model("accounts", "User")


def tracked_models() -> list:
    """Every table whose rows belong to people, with the many-to-many tables between them."""
    return [
        model
        for label in TRACKED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.label not in UNTRACKED
        and not model._meta.proxy
        and model is not _user_model()
        and model._meta.managed
    ]


def _user_columns(model) -> list[str]:
    User = _user_model()
    return [
        f.column
        for f in model._meta.concrete_fields
        if isinstance(f, ForeignKey) and f.related_model is User  # one-to-one too
    ]


def _owners(model, row: str, depth: int = 2) -> list[str]:
    """SQL expressions for the people a row of `model` belongs to (`row` is NEW or OLD, or
    a subquery's alias): the people it points at, and when it names no client itself, the
    people of the rows it points at."""
    q = connection_ops().quote_name
    direct = _user_columns(model)
    found = [f"{row}.{q(column)}" for column in direct]
    if "client_id" in direct or depth == 0:
        return found
    User = _user_model()
    for f in model._meta.concrete_fields:
        if not isinstance(f, ForeignKey) or f.related_model is User:
            continue
        parent = f.related_model
        alias = f"p{depth}"
        for expression in _owners(parent, alias, depth - 1):
            # Names from the models' metadata only, never from input.
            table, pk, fk = q(parent._meta.db_table), q(parent._meta.pk.column), q(f.column)
            select = f"SELECT {expression} FROM {table} {alias}"  # noqa: S608
            found.append(f"({select} WHERE {alias}.{pk} = {row}.{fk})")
    return found


def connection_ops():
    from django.db import connection

    return connection.ops


TRIGGER = "tandem_version"


def _statements(model, vendor: str) -> list[str]:
    q = connection_ops().quote_name
    table = model._meta.db_table
    user = q(_user_model()._meta.db_table)
    new, old = _owners(model, "NEW"), _owners(model, "OLD")
    if not new:
        return []
    kind = PART_KINDS.get(model._meta.label, SHARED)
    shown_by = SHOWN_BY.get(model._meta.label)
    if vendor == "postgresql":
        token = "(random() * 4611686018427387903)::bigint"
        part = f"jsonb_set(part_versions, '{{{kind}}}', to_jsonb({token}))"
        bump = f"UPDATE {user} SET data_version = {token}, part_versions = {part} WHERE id IN"  # noqa: S608
        also = ""
        if shown_by:
            column, other = q(model._meta.get_field(shown_by[0]).column), shown_by[1]
            other_part = f"jsonb_set(part_versions, '{{{other}}}', to_jsonb({token}))"
            other_bump = f"UPDATE {user} SET part_versions = {other_part} WHERE id IN"  # noqa: S608
            also = (
                f"\n    IF OLD.{column} IS DISTINCT FROM NEW.{column} THEN "
                f"{other_bump} ({', '.join(new + old)}); END IF;"
            )
        function = q(f"{TRIGGER}_{table}")
        return [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {bump} ({", ".join(new)});
  ELSIF TG_OP = 'UPDATE' THEN {bump} ({", ".join(new + old)});{also}
  ELSE {bump} ({", ".join(old)});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {TRIGGER} ON {q(table)}",
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {q(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]
    token = "(random() >> 2)"
    part = f"json_set(part_versions, '$.{kind}', {token})"
    bump = f"UPDATE {user} SET data_version = {token}, part_versions = {part} WHERE id IN"  # noqa: S608
    also = {}
    if shown_by:
        column, other = q(model._meta.get_field(shown_by[0]).column), shown_by[1]
        other_part = f"json_set(part_versions, '$.{other}', {token})"
        other_bump = f"UPDATE {user} SET part_versions = {other_part} WHERE id IN"  # noqa: S608
        also["UPDATE"] = (
            f" {other_bump} ({', '.join(new + old)}) AND OLD.{column} IS NOT NEW.{column};"
        )
    return [
        f"CREATE TRIGGER {q(f'{TRIGGER}_{table}_{event}')} AFTER {event} ON {q(table)} "
        f"BEGIN {bump} ({', '.join(rows)});{also.get(event, '')} END"
        for event, rows in (("INSERT", new), ("UPDATE", new + old), ("DELETE", old))
    ]


def install(using: str = "default") -> int:
    """(Re)create the triggers on every tracked table that exists. Returns how many tables."""
    from django.db import connections

    connection = connections[using]
    existing = set(connection.introspection.table_names())
    wanted = {m._meta.db_table for m in tracked_models()} & existing
    if _triggered(connection) == wanted:
        return len(wanted)  # as they were: a flush between tests sends post_migrate too
    drop(using)
    count = 0
    with connection.cursor() as cursor:
        for model in tracked_models():
            if model._meta.db_table not in existing:
                continue
            for sql in _statements(model, connection.vendor):
                cursor.execute(sql)
            count += 1
    return count


def _triggered(connection) -> set[str]:
    """The tables that have every trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [TRIGGER],
            )
            return {table for (table,) in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
            "GROUP BY tbl_name",
            [f"{TRIGGER}_%"],
        )
        return {table for table, count in cursor.fetchall() if count == 3}


def drop(using: str = "default") -> None:
    """Remove every version trigger (before migrations change the tables under them)."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [TRIGGER],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(
                    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {connection.ops.quote_name(table)}"
                )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {connection.ops.quote_name(name)}")


def _pre_migrate(sender, using="default", **kwargs) -> None:
    drop(using)


def _post_migrate(sender, using="default", **kwargs) -> None:
    install(using)


def connect(app_config) -> None:
    """Called once from AccountsConfig.ready(): the triggers follow the tables. Every app's
    signal is sent before (after) all of the migrations: one app's is enough."""
    from django.db.models.signals import post_migrate, pre_migrate

    pre_migrate.connect(_pre_migrate, sender=app_config, dispatch_uid="versions-drop")
    post_migrate.connect(_post_migrate, sender=app_config, dispatch_uid="versions-install")


# --- The page cache ----------------------------------------------------------------------


def cache_key(name: str, people: Iterable, *parts) -> str:
    """A key that changes with any of these people's data and with `parts` (the viewer,
    the local day, the sort, ...)."""
    versions = sorted((p.pk, p.data_version) for p in people)
    digest = hashlib.blake2b(repr((versions, parts)).encode(), digest_size=16).hexdigest()
    return f"{name}:{digest}"


@functools.cache
def release() -> str:
    """A digest of the code: every module and template of the project. What is kept for
    longer than the minute carries it in its key, so a new release never reads what an older
    one kept."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name in NOT_CODE or folder.name.startswith("."):
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".txt") and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# Folders of the project that hold no code the pages run.
NOT_CODE = {"tests", "docs", "var", "node_modules", "benchmarks", "platform", "static"}


def minute(now: datetime | None = None) -> str:
    """For fragments that say how long ago something was ("5 minutes ago")."""
    return (now or timezone.now()).strftime("%Y%m%d%H%M")


# A page's CSRF fields are per browser: stored with a placeholder, filled in when served.
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"\x00csrf\x00"
# So is the CSP nonce (a chart's <style>): each response gets its own, in its body and in
# its Content-Security-Policy header.
NONCE_PLACEHOLDER = b"\x00nonce\x00"


def _has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and bool(storage.used or len(storage))


def cached_page(
    request: HttpRequest, people: Iterable, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The page `render` makes, from the cache while none of `people` (and not the viewer)
    has written anything since and the minute is the same ("3 minutes ago" stays true).
    Only a plain GET is cached: never a page with a message to show, an error, or a redirect.
    A page served from the cache carries this request's CSRF token and CSP nonce.
    The view checks access (and writes its audit row) before calling this."""
    if request.method != "GET" or _has_messages(request):
        return render()
    key = _key("page", request, people)
    answered, hit = _read(key)
    if not answered:
        return render()
    if hit is not None:
        content_type, parts = hit
        return HttpResponse(_filled(parts, request), content_type=content_type)
    response = render()
    if response.status_code != 200 or response.streaming or _has_messages(request):
        return response
    body = CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
    nonce = get_nonce(request)
    if nonce:  # generated: the page used it
        body = body.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
    _write(key, response["Content-Type"], _PLACEHOLDERS.split(body))
    return response


# A kept page is its body cut at the placeholders: [text, placeholder, text, ...], so that
# serving it joins the pieces once instead of searching the whole body for each placeholder.
_PLACEHOLDERS = re.compile(
    b"(" + re.escape(CSRF_PLACEHOLDER) + b"|" + re.escape(NONCE_PLACEHOLDER) + b")"
)


def _filled(parts: list[bytes], request) -> bytes:
    """A kept page's body with this request's CSRF token and CSP nonce in their places. The
    token is read even for a page without a form: its cookie, which the scripts send it
    from, is then set whichever page is opened first."""
    values = {CSRF_PLACEHOLDER: get_token(request).encode()}
    if len(parts) == 1:
        return parts[0]
    if NONCE_PLACEHOLDER in parts[1::2]:
        # Reading the nonce is what puts it in this response's header.
        values[NONCE_PLACEHOLDER] = str(get_nonce(request)).encode()
    return b"".join(values[part] if index % 2 else part for index, part in enumerate(parts))


def _key(name: str, request, people: Iterable) -> str:
    """The viewer's and `people`'s versions, the full address, the minute and the code (a
    new release never serves what the one before drew)."""
    viewer = request.user
    parts = (request.get_full_path(), viewer.pk, minute(), release())
    return cache_key(name, [viewer, *people], *parts)


def _read(key: str) -> tuple[bool, object]:
    """(whether the cache answered, what it holds under `key`)."""
    try:
        return True, caches[CACHE].get(key)
    except Exception:
        logger.warning("page cache unavailable; answering without it", exc_info=True)
        return False, None


def _write(key: str, content_type: str, body: bytes | list[bytes]) -> None:
    try:
        caches[CACHE].set(key, (content_type, body))
    except Exception:
        logger.warning("page cache unavailable; not stored", exc_info=True)


def read_many(keys: Iterable[str]) -> dict[str, object]:
    """What the page cache holds under `keys` (missing ones left out; none if it is down)."""
    try:
        return caches[CACHE].get_many(list(keys))
    except Exception:
        logger.warning("page cache unavailable; answering without it", exc_info=True)
        return {}


def write_many(values: dict[str, object]) -> None:
    try:
        caches[CACHE].set_many(values)
    except Exception:
        logger.warning("page cache unavailable; not stored", exc_info=True)


def kept_parts(
    name: str,
    people: Iterable,
    parts: Mapping[str, tuple[tuple[str, ...], Callable[[], object]]],
    *key,
) -> dict[str, object]:
    """Each of `parts` (its name: the kinds of data it is made from, a function that makes
    it), kept while none of `people` has a new version of those kinds (`PART_KINDS`, SHARED
    always) and `key` (the viewer, the days, ...) is the same: one read of the page cache for
    all of them, those not kept made and kept in one write. For plain values, never a model."""
    keys = part_keys(name, people, {part: kinds for part, (kinds, _) in parts.items()}, *key)
    found = read_many(keys.values())
    values, new = {}, {}
    for part, (_, make) in parts.items():
        if keys[part] in found:
            values[part] = found[keys[part]]
        else:
            values[part] = new[keys[part]] = make()
    if new:
        write_many(new)
    return values


def part_keys(
    name: str, people: Iterable, parts: Mapping[str, tuple[str, ...]], *key
) -> dict[str, str]:
    """The page cache's key of each of `parts` (its name: the kinds of data it is made
    from), as `kept_parts` keeps it: for a caller that reads and writes them itself."""
    people = sorted(set(people), key=lambda person: person.pk)
    keys = {}
    for part, kinds in parts.items():
        shown = tuple(
            (person.pk, tuple(person.part_versions.get(kind) for kind in (SHARED, *kinds)))
            for person in people
        )
        keys[part] = cache_key(f"part:{name}:{part}", [], shown, release(), *key)
    return keys


def forget_all() -> None:
    """Drop everything the page cache keeps: pages, kept rows, chart drawings and fragments.
    After an erasure nothing drawn from the erased client's data may outlive it, and no key
    names a person (each is a digest), so all of it goes; the pages are drawn again as they
    are asked for. Only this cache's own keys: the broker's, in the same Redis, stay. A
    cache that does not answer is logged (what it holds is unreachable and expires within
    its timeout)."""
    cache = caches[CACHE]
    try:
        if isinstance(cache, RedisCache):
            client = cache._cache.get_client(None, write=True)
            keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        else:
            cache.clear()
    except Exception:
        logger.warning("page cache unavailable; not emptied", exc_info=True)


def clients_of(therapist) -> list:
    """The therapist's active clients, with their versions. One query."""
    return list(
        _user_model()
        .objects.filter(
            care_relationships__therapist=therapist, care_relationships__status="active"
        )
        .only("pk", "data_version")
    )


def cached_api(request, respond: Callable, people: Iterable | None = None):
    """An API read as JSON, from the cache as `cached_page` does: for a client reading their
    own data (`people` None), or for whoever passes the people the answer is about."""
    if people is None:
        if not request.user.is_client:
            return respond()
        people = []
    if request.method != "GET" or getattr(request.accepted_renderer, "format", None) != "json":
        return respond()
    key = _key("api", request, people)
    answered, hit = _read(key)
    if not answered:
        return respond()
    if hit is not None:
        content_type, body = hit
        return HttpResponse(body, content_type=content_type)
    response = respond()
    if response.status_code == 200:
        response.add_post_render_callback(
            lambda done: _write(key, done["Content-Type"], done.content)
        )
    return response
