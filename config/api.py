"""How the API answers errors: one translation of a service's ValidationError, and of the
bodies Django refuses to read."""

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import too_large_detail


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


def exception_handler(exc, context):
    """A model's or service's ValidationError is a 400 with messages by the field, as DRF's
    own are (a conflict it carries, as a care plan's stale edit does, is a 409). A body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 that says the limit, one with too many fields a 400:
    Django raises both as it reads the body, and would answer with an HTML page. Everything
    else is DRF's default."""
    conflict = getattr(exc, "conflict", None)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(too_large_detail())
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(f"The request body has too many parts: {exc}")
    response = drf_exception_handler(exc, context)
    if conflict is not None and response is not None:
        # Someone changed it first: 409, with what is there now and what was sent.
        response.status_code = 409
        response.data = {**response.data, **conflict}
    return response


def validation_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
        for field, messages in exc.message_dict.items()
    }
