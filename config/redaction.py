"""Keep secret path tokens out of every log: invitation links, calendar feeds (the client's
and the therapist's), password reset keys and unsubscribe links.

`RedactTokens` is a filter on every handler Django and Celery log through (settings.LOGGING)
and on gunicorn's error and access logs (`GunicornLogger`, named in platform/gunicorn.conf.py).
It rewrites the record in place, so a handler added later sees the redacted text too.
"""

import logging
import re

from gunicorn.glogging import Logger as _GunicornLogger

REDACTED = "[redacted]"
# The routes whose next path segment is a credential. Anchored at the start of a path (after
# a space, quote, "=", "(" or a scheme and host), so "/api/v1/invitations/<uuid>/" and
# "/client/calendar/" are left alone. A longer route comes before the shorter one it starts
# with ("/calendar/sessions/<token>.ics", the therapist's feed, before "/calendar/<token>.ics").
TOKEN_ROUTES = (
    "/invitations/",
    "/calendar/sessions/",
    "/calendar/",
    "/accounts/password/reset/key/",
    "/unsubscribe/",
)
_TOKEN_IN_PATH = re.compile(
    r"(^|[\s\"'=(]|[a-z]+://[^/\s\"']+)("
    + "|".join(re.escape(route) for route in TOKEN_ROUTES)
    + r")[^/?#\s\"']+",
    re.IGNORECASE | re.MULTILINE,
)


def redact(text: str) -> str:
    """`text` with the token of every token-bearing path replaced by [redacted]."""
    return _TOKEN_IN_PATH.sub(rf"\1\2{REDACTED}", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class GunicornLogger(_GunicornLogger):
    """Gunicorn's logger with `RedactTokens` on its error and access log handlers."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactTokens) for f in handler.filters):
                    handler.addFilter(RedactTokens())
