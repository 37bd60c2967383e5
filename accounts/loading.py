"""Model instances made from database rows with less work.

Django makes each instance a query reads by calling the model's `__init__` with the row's
values, which sets every field through its descriptor and sends `pre_init` and `post_init`
(4 to 8 µs a row here; the timeline API reads about 230 a view). For a row read from the
database that work does nothing the values themselves don't: `QuickLoad.from_db` puts the
values in the instance's `__dict__`, as unpickling an instance does, with the same
`_state`. A field not read stays deferred (read from the database when asked for), as
before.

It falls back to Django's own `from_db` whenever that could differ: a model with its own
`__init__`, a field whose attribute is not Django's plain one (a descriptor that does work
on assignment), or any receiver of `pre_init` or `post_init`. A test holds every model's
instances to Django's own, field by field and state by state.
"""

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)
# By model: whether its rows may be loaded the quick way (worked out once).
_QUICK: dict[type, bool] = {}


def loads_quickly(model: type[models.Model]) -> bool:
    """Whether `model`'s instances made from rows are Django's own without `__init__`."""
    quick = _QUICK.get(model)
    if quick is None:
        quick = _QUICK[model] = model.__init__ is models.Model.__init__ and all(
            type(getattr(model, field.attname, None)) in _PLAIN_ATTRIBUTES
            for field in model._meta.concrete_fields
        )
    return quick


class QuickLoad(models.Model):
    """A model whose instances read from the database are made without `__init__`."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        if pre_init.receivers or post_init.receivers or not loads_quickly(cls):
            return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        instance = cls.__new__(cls)
        state = instance._state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        # The names are the fields' attnames, in the order of the values (a deferred field
        # is in neither).
        instance.__dict__.update(zip(field_names, values, strict=True))
        return instance
