"""Reading many rows through a serializer: what DRF's `Serializer.to_representation` gives,
with less work per field.

DRF walks a generator of the readable fields for every row, reads each value through
`Field.get_attribute` and writes it through the field's `to_representation`, which for a
moment looks the current time zone up again (3 µs each time). For a list of a hundred
records that was most of an API answer's time. `QuickRead` lists the fields once per
serializer, reads a model's own column straight from the row, writes text, numbers,
booleans, UUIDs, days and moments as those fields would (in the zone it looks up once), and
hands every other field (and any value of another type) to DRF as before.

Building a serializer's fields (`Serializer.fields`) cost 0.3 to 0.5 ms a serializer, and an
answer makes one or more of each kind. The fields are built once per serializer class
(`_shared`) where each readable one writes a value without its serializer: fields that need
their own (a nested serializer, a field that reads the request) are bound to each serializer
as DRF binds them, and a method field calls the serializer's own method.
`tests/accounts/test_representation.py` holds it to DRF's answer."""

import copy
from collections.abc import Mapping
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Model
from rest_framework import fields, relations, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_TEXT, _WHOLE, _FRACTION, _BOOLEAN, _UUID, _DAY, _MOMENT, _METHOD = range(8)


class QuickRead:
    """A serializer mixin: `to_representation` as DRF's, quicker for lists."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_quick_plan")
        if plan is None:
            plan = self.__dict__["_quick_plan"] = _plan(self)
        model, steps = plan
        row = model is not None and isinstance(instance, model)
        # The current time zone, looked up once per serializer: it lives for one answer, and
        # nothing changes the zone while an answer is written.
        zone = self.__dict__.get("_quick_zone")
        out = {}
        for name, field, column, kind, path in steps:
            if kind == _METHOD:  # the field's own `to_representation`, on this serializer
                out[name] = getattr(self, field.method_name)(instance)
                continue
            if column is not None and row:
                value = getattr(instance, column)
            else:
                try:
                    value = (
                        field.get_attribute(instance)
                        if path is None
                        else _walked(instance, path, field)
                    )
                except fields.SkipField:
                    continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                out[name] = None
            elif kind == _TEXT and type(value) is str:
                out[name] = value
            elif kind == _MOMENT and type(value) is datetime and value.utcoffset() is not None:
                if zone is None:
                    zone = self.__dict__["_quick_zone"] = field.default_timezone()
                if zone is None:
                    out[name] = field.to_representation(value)
                    continue
                text = value.astimezone(zone).isoformat()
                out[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            elif kind == _UUID and not isinstance(value, str):
                out[name] = str(value)
            elif kind == _DAY and type(value) is date:
                out[name] = value.isoformat()
            elif (
                (kind == _WHOLE and type(value) is int)
                or (kind == _FRACTION and type(value) is float)
                or (kind == _BOOLEAN and type(value) is bool)
            ):
                out[name] = value
            else:
                out[name] = field.to_representation(value)
        return out


def _plan(serializer) -> tuple[type[Model] | None, list[tuple]]:
    """The serializer's model, and (name, field, the model's column to read or None, the
    kind of value) per readable field, in the serializer's order: from its class's shared
    plan where it has one, with its own copy of the fields that need one."""
    kind = type(serializer)
    if kind not in _SHARED:
        _SHARED[kind] = _shared(kind)
    shared = _SHARED[kind]
    if shared is None:
        return _steps(serializer)
    model, steps, own = shared
    if not own:
        return model, steps
    return model, [
        (name, _bound(serializer, name) if name in own else field, column, kind, path)
        for name, field, column, kind, path in steps
    ]


def _steps(serializer) -> tuple[type[Model] | None, list[tuple]]:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    steps = []
    for field in serializer.fields.values():
        if not field.write_only:
            column, kind = _column(model, field), _kind(field)
            steps.append((field.field_name, field, column, kind, _path(field, column, kind)))
    return model, steps


# Per serializer class: (model, steps, the names of the fields each serializer binds a copy
# of), or None where the fields may differ from one serializer to the next (built as DRF
# builds them, per serializer).
_SHARED: dict[type, tuple | None] = {}

# Fields whose value is written from the field's own arguments alone (not its serializer's,
# nor the request's): one field object can serve every serializer of a class.
_SELF_CONTAINED = {
    fields.BooleanField,
    fields.CharField,
    fields.ChoiceField,
    fields.DateField,
    fields.DateTimeField,
    fields.DecimalField,
    fields.EmailField,
    fields.FloatField,
    fields.IntegerField,
    fields.JSONField,
    fields.MultipleChoiceField,
    fields.ReadOnlyField,
    fields.SlugField,
    fields.URLField,
    fields.UUIDField,
    relations.PrimaryKeyRelatedField,
    relations.SlugRelatedField,
}


def _shared(kind: type) -> tuple | None:
    """The plan every serializer of this class can share, or None."""
    if kind.__init__ is not serializers.BaseSerializer.__init__ or kind.get_fields not in (
        serializers.Serializer.get_fields,
        serializers.ModelSerializer.get_fields,
    ):
        return None  # its fields may depend on its arguments or its request
    model, steps = _steps(kind())
    own = set()
    for name, field, _, step_kind, _ in steps:
        if step_kind == _METHOD or _self_contained(field):
            continue
        if name not in kind._declared_fields:
            return None  # made by ModelSerializer for each serializer: no copy to bind
        own.add(name)
    return model, steps, frozenset(own)


def _self_contained(field) -> bool:
    if type(field) in (fields.ListField, fields.DictField):
        return _self_contained(field.child)
    return type(field) in _SELF_CONTAINED and not getattr(field.default, "requires_context", False)


def _bound(serializer, name: str):
    """A copy of the declared field bound to this serializer, as `Serializer.fields` binds
    each (its context, its nested serializer's own state)."""
    field = copy.deepcopy(type(serializer)._declared_fields[name])
    field.bind(field_name=name, parent=serializer)
    return field


def _column(model, field) -> str | None:
    """The model's own column a field reads, when it reads exactly that: a concrete field
    that is not a relation, by its name (`get_attribute` would give the same value)."""
    if model is None or len(field.source_attrs) != 1:
        return None
    [name] = field.source_attrs
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property or method: DRF reads it
        return None
    if model_field.concrete and not model_field.is_relation and model_field.attname == name:
        return name
    return None


def _path(field, column: str | None, kind: int | None) -> tuple[str, ...] | None:
    """The attributes a field reads in turn (`client.public_id`: the client, then its
    public id), where `_walked` may read them for DRF's `get_attribute`; None: DRF reads
    the value (a field that reads it another way, a model's own column, the row itself)."""
    if kind == _METHOD or column is not None or not field.source_attrs:
        return None
    if type(field).get_attribute is not fields.Field.get_attribute:
        return None
    return tuple(field.source_attrs)


def _walked(instance, path: tuple[str, ...], field):
    """`field.get_attribute(instance)`, read as plain attributes while that gives the same
    value: DRF looks each step up as a key of a mapping, calls a method it reaches and
    answers a missing step by the field's default; at any of those, DRF reads it instead."""
    value = instance
    try:
        for attr in path:
            plain = _PLAIN.get(type(value))
            if plain is None:
                plain = _PLAIN[type(value)] = not isinstance(value, Mapping)
            if not plain:
                return field.get_attribute(instance)
            value = getattr(value, attr)
            if callable(value):
                return field.get_attribute(instance)
    except (AttributeError, KeyError, ObjectDoesNotExist):
        return field.get_attribute(instance)
    return value


# Per type: whether its values are not mappings (DRF reads a mapping's keys, not attributes).
_PLAIN: dict[type, bool] = {}


def _kind(field) -> int | None:
    """How a value of this field is written, for the fields whose writing is known exactly;
    None: by the field itself."""
    kind = type(field)
    if kind is fields.SerializerMethodField:
        return _METHOD
    if kind is fields.CharField:
        return _TEXT
    if kind is fields.IntegerField:
        return _WHOLE
    if kind is fields.FloatField:
        return _FRACTION
    if kind is fields.BooleanField:
        return _BOOLEAN
    if kind is fields.UUIDField and field.uuid_format == "hex_verbose":
        return _UUID
    if kind is fields.DateField and _iso(field, api_settings.DATE_FORMAT):
        return _DAY
    if (
        isinstance(field, fields.DateTimeField)
        and kind.to_representation is fields.DateTimeField.to_representation
        and vars(kind).get("aware_as_drf", kind is fields.DateTimeField)
        and not hasattr(field, "timezone")
        and _iso(field, api_settings.DATETIME_FORMAT)
    ):
        return _MOMENT
    return None


def _iso(field, default) -> bool:
    output = getattr(field, "format", default)
    return isinstance(output, str) and output.lower() == fields.ISO_8601
