"""The API's JSON parser: DRF's, with limits, so that a bad body is a 400, never a
500 from deep in the stack (a RecursionError in `json`, a NUL byte PostgreSQL refuses)."""

import json
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    """A JSON object of bounded size and depth, in UTF-8, without NUL characters."""

    # Our bodies are flat objects with a list or two; 32 leaves room for any future client.
    max_depth = 32

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF hands JSON parsers `request.body`, already held to DATA_UPLOAD_MAX_MEMORY_SIZE.
        raw = stream.read()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"The request body is not valid {encoding.upper()}"
                f" (byte {exc.start} cannot be decoded)."
            ) from None
        try:
            data = json.loads(text, parse_float=_finite_float, parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if not isinstance(data, dict):
            raise ParseError("The request body must be a JSON object.")
        self._check(data)
        return data

    def _too_deep(self) -> str:
        return f"The JSON body is nested more than {self.max_depth} levels deep."

    def _check(self, data: dict) -> None:
        """Depth and NUL characters, walked without recursion."""
        pending: list[tuple[object, int]] = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    raise ParseError("The JSON body must not contain NUL characters (\\u0000).")
                continue
            if not isinstance(value, dict | list):
                continue
            if depth > self.max_depth:
                raise ParseError(self._too_deep())
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)
