from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound

from config.api import exception_handler


def test_a_service_error_by_field_is_a_400_with_field_messages():
    response = exception_handler(ValidationError({"due_date": "Too far."}), {})
    assert (response.status_code, response.data) == (400, {"due_date": ["Too far."]})


def test_a_model_wide_error_and_a_plain_one_are_non_field_errors():
    for exc in (ValidationError({"__all__": "No."}), ValidationError("No.")):
        response = exception_handler(exc, {})
        assert (response.status_code, response.data) == (400, {"non_field_errors": ["No."]})


def test_other_errors_are_left_to_drf():
    assert exception_handler(NotFound(), {}).status_code == 404
