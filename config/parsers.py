"""The API's parsers: DRF's, with limits, so that a bad body is a 400, never a 500 from deep
in the stack (a RecursionError in `json`, a NUL byte PostgreSQL refuses), and never stored
half-read (bytes that are not UTF-8, which Django's form parsing turns into U+FFFD)."""

import email.parser
import email.policy
import io
import json
import math
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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


def _not_decodable(encoding: str, name: str | None) -> ParseError:
    where = "a field name" if name is None else f"the field {name!r}"
    return ParseError(
        f"The request body is not valid {encoding.upper()}: {where} cannot be decoded."
    )


class FormParser(parsers.FormParser):
    """Form-encoded fields, each of which must decode (percent-escapes included)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = parsers.get_encoding(parser_context or {})
        for pair in raw.split(b"&"):
            name, _, value = pair.partition(b"=")
            try:
                field = _unquote(name).decode(encoding)
            except UnicodeDecodeError:
                raise _not_decodable(encoding, None) from None
            try:
                _unquote(value).decode(encoding)
            except UnicodeDecodeError:
                raise _not_decodable(encoding, field) from None
        return super().parse(io.BytesIO(raw), media_type, parser_context)


def _unquote(part: bytes) -> bytes:
    return unquote_to_bytes(part.replace(b"+", b" "))


class MultiPartParser(parsers.MultiPartParser):
    """Multipart fields (not files), each of which must decode. The API takes no uploads, so
    the whole body is held to DATA_UPLOAD_MAX_MEMORY_SIZE, as a JSON or form body is (413)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        encoding = parsers.get_encoding(parser_context or {})
        # The standard library reads the parts (transfer encodings included) without decoding
        # them; Django's parser, which replaces what does not decode, then builds the data.
        head = f"Content-Type: {media_type}\r\n\r\n".encode("latin-1", "replace")
        message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + raw)
        for part in message.get_payload() if message.is_multipart() else []:
            if part.get_filename() is not None:
                continue
            name = part.get_param("name", header="content-disposition")
            try:
                field = str(name or "").encode("ascii", "surrogateescape").decode(encoding)
            except UnicodeError:
                raise _not_decodable(encoding, None) from None
            try:
                (part.get_payload(decode=True) or b"").decode(encoding)
            except UnicodeDecodeError:
                raise _not_decodable(encoding, field) from None
        return super().parse(io.BytesIO(raw), media_type, parser_context)
