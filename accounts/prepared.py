"""Prepared queries: a query the ORM builds and compiles once per shape, kept as SQL and run
again with new values.

Building and compiling a query with subqueries costs the ORM far more than the database
takes to run it (the caseload's signals, "Waiting for you"). A `Prepared` query is a
function that builds a queryset from its keyword arguments, each a value or a list of
values (ints, text, UUIDs, dates, aware datetimes). A list is a set of values (an IN list, a
CASE's branches): it is made as long as the next power of two by repeating its last value.
The first call of a shape (which arguments are lists, and how long) builds the query
twice, with two sets of stand-in values, and compiles both: the SQL must be the same and
the parameters must differ exactly where the stand-ins are, each where its own argument
is. Then the SQL is kept, with where each argument goes, and later calls of the shape only
put their values there and run it, with the ORM's own converters on what comes back.

A builder uses its arguments as values only: it passes them to the ORM and never computes
with them (`now - timedelta(...)`) nor tests them (`if day.weekday()`). The check refuses
the first (a parameter that is no argument) and an argument the SQL does not carry; such a
query is run as the ORM builds it, every time, and logged: it is never kept with a value
baked in.

A prefetch into a list (`Prefetch("pauses", queryset=..., to_attr=...)`) of a reverse
foreign key, whose queryset is the same in both builds, is prepared too: its rows are read by
a prepared query of their own (the homework's pauses, which the ORM would otherwise build and
compile on every call). Any other prefetch is left to the ORM, as it builds it.

On PostgreSQL a list of `ARRAY_FROM` values or more that is an IN list (`column IN (%s,
…, %s)`) is sent as one array (`column = ANY(%s)`): psycopg converts a query of more than 50
parameters again on every run (0.1 to 0.4 ms), and PostgreSQL planned the timeline's
check-offs (128 parameters) again on every run (0.7 ms), where with an array it keeps its
plan. A shorter list keeps its IN list: PostgreSQL takes an array parameter for ten values,
and a caseload's queries over 4 or 32 clients ran 15 to 30% slower with arrays.

`None`, booleans and `Fixed` values are part of the shape (they change the SQL: `IS NULL`,
a time zone); an empty list is run as the ORM builds it (Django answers it without a
query). A user is a viewer: the
access policy's choices for them are part of the shape (`policy.viewer_shape`), and the
query is built for a stand-in the policy treats alike (`policy.stand_in_viewer`), so who
may see what is still decided by the policy alone, and only their primary key is a value.

django-prepared-queries does this with lazy proxies and raw querysets, which lose the
ORM's converters (datetimes on SQLite come back as text), and has had no release for
Django's recent versions.
"""

import copy
import logging
import re
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.db.models.query import ModelIterable

from .models import User

logger = logging.getLogger(__name__)

# The builders refused in this process, by name (the test suite fails on a new one).
REFUSED: set[str] = set()
# The shapes kept in a process, of all prepared queries (about 40 KiB each); the least
# recently used is dropped, and compiled again if it comes back.
SHAPES_KEPT = 256
_KEPT: OrderedDict[tuple, "_Kept | None"] = OrderedDict()
# Reentrant: a viewer's shape may ask a prepared query of its own (their second factor).
_LOCK = threading.RLock()
_FIRST = datetime(2001, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Fixed:
    """An argument that is part of the shape and reaches the builder as it is (a time zone
    the builder turns into a `ZoneInfo`): each value is a shape of its own."""

    value: Hashable


class NotPreparable(Exception):
    """The two builds of a shape differ elsewhere than at the stand-ins."""


def _stand_in(value, n: int, second: bool):
    """The n-th stand-in of the first or second set, of `value`'s type."""
    kind = type(value)
    if isinstance(value, User):
        return policy.stand_in_viewer(value, _stand_in(0, n, second))
    if kind is int:
        # Within every integer field's range (a smallint's, a positive one's): the ORM
        # answers a value out of its column's range without SQL.
        return 20_001 + 2 * n + second
    if kind is str:
        return f"prepared-stand-in-{n}-{'b' if second else 'a'}"
    if kind is uuid.UUID:
        return uuid.UUID(int=(2 * n + second + 1) << 64)
    if kind is datetime:
        if value.tzinfo is None:
            raise TypeError("a prepared query takes aware datetimes only")
        return _FIRST + timedelta(days=366 * second, microseconds=n + 1)
    if kind is date:
        return date(2001 + second, 1, 1) + timedelta(days=n)
    raise TypeError(f"a prepared query does not take {kind.__name__} values")


def _anonymous(value) -> bool:
    return getattr(value, "is_authenticated", True) is False


def _constant(value) -> bool:
    return value is None or isinstance(value, bool | Fixed)


def _shape(args: dict) -> tuple:
    return tuple((name, _part(value)) for name, value in sorted(args.items()))


def _part(value) -> tuple:
    if isinstance(value, list | tuple):
        return ("list", len(value))
    if _constant(value):
        return ("const", value)
    if isinstance(value, User):
        # A viewer: the policy's choices for them are the shape, who they are a value.
        return ("viewer", policy.viewer_shape(value))
    return ("value", type(value).__name__)


def _flat(args: dict) -> list:
    """The arguments' values in the shape's order, lists flattened; constants left out."""
    out = []
    for _, value in sorted(args.items()):
        if isinstance(value, list | tuple):
            out.extend(value)
        elif not _constant(value):
            out.append(_value(value))
    return out


def _value(value):
    return value.pk if isinstance(value, User) else value


def _stand_ins(args: dict, second: bool) -> tuple[dict, list]:
    n = 0
    built, flat = {}, []
    for name, value in sorted(args.items()):
        if isinstance(value, list | tuple):
            items = []
            for item in value:
                if isinstance(item, User):
                    raise TypeError("a prepared query takes one viewer, not a list of users")
                items.append(_stand_in(item, n, second))
                n += 1
            built[name] = items
            flat.extend(items)
        elif _constant(value):
            built[name] = value.value if isinstance(value, Fixed) else value
        else:
            built[name] = _stand_in(value, n, second)
            flat.append(_value(built[name]))
            n += 1
    return built, flat


def _adapted(value, ops):
    """A value as the ORM passes it to the driver (SQLite takes dates and UUIDs as text)."""
    if isinstance(value, uuid.UUID):
        return value if ops.connection.features.has_native_uuid_field else value.hex
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


class _Kept:
    """One shape: its compiler (after compiling), SQL, parameters, and where each value
    goes (`slots[i]` is the index of the flattened argument at parameter i, the slice of a
    list sent as one array, or None)."""

    def __init__(
        self,
        queryset: QuerySet,
        compiler,
        sql: str,
        params: tuple,
        slots: list,
        prefetches: "list[_Prefetch] | None" = None,
    ):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots
        # Each prefetch, prepared; None: the queryset's own prefetches, as the ORM runs them.
        self.prefetches = prefetches


class Prepared:
    """A query built by `build(**arguments)`, compiled once per shape. Calling it returns
    what the queryset would, as a list: models (with what they select), dicts or tuples."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.__doc__ = build.__doc__

    def plain(self, **args) -> list:
        """The rows as the ORM builds and runs the query, every time."""
        args = {k: v.value if isinstance(v, Fixed) else v for k, v in args.items()}
        return list(self.build(**args))

    def __call__(self, **args) -> list:
        if any((isinstance(v, list | tuple) and not v) or _anonymous(v) for v in args.values()):
            # Django answers an empty list without SQL; the policy shows nobody anything.
            return self.plain(**args)
        args = {k: _padded(v) if isinstance(v, list | tuple) else v for k, v in args.items()}
        # The query itself, not its id: a kept shape keeps its query alive, so a query made
        # after another is freed can never be taken for it.
        key = (self, _shape(args))
        with _LOCK:
            if key in _KEPT:
                _KEPT.move_to_end(key)
                kept = _KEPT[key]
            else:
                kept = self._prepare(args)
                _KEPT[key] = kept
                if len(_KEPT) > SHAPES_KEPT:
                    _KEPT.popitem(last=False)
        if kept is None:
            return self.plain(**args)
        return self._run(kept, args)

    def _prepare(self, args: dict) -> _Kept | None:
        first, flat_first = _stand_ins(args, second=False)
        second, flat_second = _stand_ins(args, second=True)
        viewer_pks = {v.pk for v in first.values() if isinstance(v, User)}
        try:
            queryset = self.build(**first)
            compiler = queryset.query.get_compiler(queryset.db)
            sql, params = compiler.as_sql()
            other = self.build(**second)
            sql_b, params_b = other.query.get_compiler(other.db).as_sql()
            ops = compiler.connection.ops
            slots = _slots(
                sql,
                params,
                sql_b,
                params_b,
                [_adapted(v, ops) for v in flat_first],
                [_adapted(v, ops) for v in flat_second],
                viewers={n for n, v in enumerate(flat_first) if v in viewer_pks},
            )
            prefetches = _prefetches(queryset, other)
        except (EmptyResultSet, FullResultSet):
            return None  # the ORM answers it without SQL (a viewer who may see nothing)
        except NotPreparable:
            REFUSED.add(self.build.__name__)
            logger.exception("Query %s is run as the ORM builds it", self.build.__qualname__)
            return None
        if compiler.connection.vendor == "postgresql":
            sql, params, slots = _as_arrays(sql, params, slots, _lists(args))
        return _Kept(queryset, compiler, sql, tuple(params), slots, prefetches)

    def _run(self, kept: _Kept, args: dict) -> list:
        values = _flat(args)
        compiler = copy.copy(kept.compiler)
        compiler.connection = connections[kept.queryset.db]
        ops = compiler.connection.ops
        sql = kept.sql
        params = tuple(
            param
            if slot is None
            else [_adapted(value, ops) for value in values[slot]]
            if isinstance(slot, slice)
            else _adapted(values[slot], ops)
            for param, slot in zip(kept.params, kept.slots, strict=True)
        )
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        # The queryset's own iterable (models with what they select_related, dicts or
        # tuples, with the ORM's converters) over the kept compiler.
        queryset = kept.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        if kept.prefetches is None:
            return list(queryset)
        queryset._prefetch_related_lookups = ()
        rows = list(queryset)
        for prefetch in kept.prefetches:
            prefetch.attach(rows)
        return rows


class _Prefetch:
    """A prefetch of a reverse foreign key's rows into a list on each row (`to_attr`), read
    by a prepared query: the rows the ORM's prefetch gives, in its order, each with the row
    it belongs to set on it as the ORM sets it."""

    def __init__(self, lookup: Prefetch, key):
        self.to_attr = lookup.to_attr
        self.key = key  # the foreign key of the related rows
        related = lookup.queryset

        def prefetched(*, pks: list) -> QuerySet:
            return related.filter(**{f"{key.name}__in": pks})

        prefetched.__qualname__ = f"{related.model.__name__} by {key.name}, prefetched"
        self.read = Prepared(prefetched)

    def attach(self, rows: list) -> None:
        if not rows:
            return
        owners = {row.pk: row for row in rows}
        found = defaultdict(list)
        for related in self.read(pks=list(owners)):
            owner = owners[getattr(related, self.key.attname)]
            if not self.key.is_cached(related):
                self.key.set_cached_value(related, owner)
            found[owner.pk].append(related)
        for row in rows:
            setattr(row, self.to_attr, found.get(row.pk, []))


def _prefetches(first: QuerySet, second: QuerySet) -> list[_Prefetch] | None:
    """The query's prefetches, prepared when each can be (see the module's docstring);
    otherwise None, and the ORM runs them. A prefetch's queryset that is not the same in the
    two builds took an argument's value, which the kept query would keep: refused."""
    lookups = first._prefetch_related_lookups
    others = second._prefetch_related_lookups
    if [_lookup_sql(each) for each in lookups] != [_lookup_sql(each) for each in others]:
        raise NotPreparable("a prefetch's query takes an argument's value")
    if not lookups or first._iterable_class is not ModelIterable:
        return None
    keys = [_reverse_key(first.model, lookup) for lookup in lookups]
    if None in keys:
        return None
    return [_Prefetch(lookup, key) for lookup, key in zip(lookups, keys, strict=True)]


def _reverse_key(model, lookup):
    """The foreign key to `model`'s primary key that `lookup` follows back, when it is a
    `Prefetch` into a list of an unsliced queryset without prefetches of its own; else None."""
    if (
        not isinstance(lookup, Prefetch)
        or not lookup.to_attr
        or lookup.queryset is None
        or "__" in lookup.prefetch_through
        or lookup.queryset.query.is_sliced
        or lookup.queryset._prefetch_related_lookups
    ):
        return None
    descriptor = getattr(model, lookup.prefetch_through, None)
    if type(descriptor) is not ReverseManyToOneDescriptor:  # not a many-to-many, say
        return None
    key = descriptor.field
    if not key.target_field.primary_key or len(key.foreign_related_fields) != 1:
        return None
    return key


def _lookup_sql(lookup) -> tuple:
    """A prefetch as its path, where it goes, and its queryset's SQL with parameters and
    prefetches of its own."""
    if not isinstance(lookup, Prefetch):
        return (lookup,)
    queryset = lookup.queryset
    if queryset is None:
        return lookup.prefetch_through, lookup.prefetch_to
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except (EmptyResultSet, FullResultSet) as answered:
        sql, params = type(answered).__name__, ()
    nested = tuple(_lookup_sql(each) for each in queryset._prefetch_related_lookups)
    return lookup.prefetch_through, lookup.prefetch_to, sql, tuple(params), nested


def _slots(
    sql, params, sql_b, params_b, first: list, second: list, viewers: set[int]
) -> list[int | None]:
    """Where each stand-in went: None for a parameter the same in both builds. `viewers`
    (their positions in `first`) may be missing from the SQL: what the policy lets a viewer
    see turns only on their shape. A query that carries no viewer it was given (one the
    policy shows nothing) is run as the ORM builds it."""
    if sql != sql_b or len(params) != len(params_b):
        raise NotPreparable("the two builds made different SQL")
    where_first = {}
    for n, value in enumerate(first):
        where_first.setdefault(_hashable(value), []).append(n)
    slots: list[int | None] = []
    for a, b in zip(params, params_b, strict=True):
        if type(a) is type(b) and a == b:
            slots.append(None)
            continue
        found = [n for n in where_first.get(_hashable(a), []) if second[n] == b]
        if len(found) != 1:
            raise NotPreparable(f"a parameter is not one of the arguments: {a!r}")
        slots.append(found[0])
    carried = set(slots) - {None}
    if viewers and not viewers & carried:
        # The policy lets the viewer see nothing here: the query carries none of them, and
        # maybe none of the other arguments either (their subqueries are gone).
        raise EmptyResultSet
    if carried | viewers != set(range(len(first))):
        # An argument the SQL does not carry was used in Python: its value would be kept.
        raise NotPreparable("an argument is not in the SQL")
    return slots


def _lists(args: dict) -> list[slice]:
    """Where each list argument lies among the flattened arguments (`_flat`)."""
    out, n = [], 0
    for _, value in sorted(args.items()):
        if isinstance(value, list | tuple):
            out.append(slice(n, n + len(value)))
            n += len(value)
        elif not _constant(value):
            n += 1
    return out


_PLACEHOLDER = re.compile(r"%%|%s")
ARRAY_FROM = 64


def _as_arrays(sql: str, params, slots: list, lists: list[slice]) -> tuple[str, list, list]:
    """The SQL with each IN list that holds exactly one list argument of `ARRAY_FROM` values
    or more, in its order, as `= ANY(%s)` over one array parameter (its slot the list's
    slice); the rest as it was."""
    marks = [m.start() for m in _PLACEHOLDER.finditer(sql) if m.group() == "%s"]
    if len(marks) != len(params):
        return sql, list(params), slots
    runs = {}
    for each in lists:
        length = each.stop - each.start
        if length < ARRAY_FROM:
            continue
        for i in range(len(slots) - length + 1):
            if slots[i : i + length] != list(range(each.start, each.stop)):
                continue
            start, end = marks[i], marks[i + length - 1] + 2
            if (
                sql.endswith(" IN (", 0, start)
                and sql.startswith(")", end)
                and sql[start:end] == ", ".join(["%s"] * length)
            ):
                runs[i] = (each, length)
    if not runs:
        return sql, list(params), slots
    out_sql, out_params, out_slots, at, i = [], [], [], 0, 0
    while i < len(params):
        if i in runs:
            each, length = runs[i]
            out_sql.append(sql[at : marks[i] - len(" IN (")] + " = ANY(%s")
            at = marks[i + length - 1] + 2
            out_params.append(list(params[i : i + length]))
            out_slots.append(each)
            i += length
        else:
            out_params.append(params[i])
            out_slots.append(slots[i])
            i += 1
    out_sql.append(sql[at:])
    return "".join(out_sql), out_params, out_slots


def _padded(values) -> list:
    """A list made as long as the next power of two by repeating its last value: a list
    argument is a set (an IN list, a CASE's branches), which a repeat does not change, and a
    caseload of 37 or of 50 clients is then one shape."""
    values = list(values)
    size = 1 << (len(values) - 1).bit_length()
    return values + [values[-1]] * (size - len(values))


def _hashable(value) -> Any:
    return tuple(value) if isinstance(value, list) else value


def prepared(build: Callable[..., QuerySet]) -> Prepared:
    """Decorator: `build` compiled once per shape (see the module's docstring)."""
    return Prepared(build)


# Last: the policy prepares its own look-ups with the decorator above, and this module asks
# the policy about viewers only when a query is called.
from . import policy  # noqa: E402
