"""A strict reader of the environment: a malformed value stops start-up and names itself."""

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_STRINGS = ("true", "on", "yes", "y", "1")
FALSE_STRINGS = ("false", "off", "no", "n", "0")
RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/min' -> (120, 60): a number of requests per period in seconds, as DRF writes it."""
    count, _, period = rate.partition("/")
    if not count.isdigit() or int(count) < 1 or period[:1] not in RATE_PERIODS:
        raise ValueError(f"{rate!r} is not a rate such as 120/min or 1200/hour")
    return int(count), RATE_PERIODS[period[0]]


class StrictEnv(environ.Env):
    """django-environ, except that `DJANGO_DEBUG=maybe` is an error rather than False."""

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and isinstance(value, str):
            normalized = value.strip().lower()
            if normalized in TRUE_STRINGS:
                return True
            if normalized in FALSE_STRINGS:
                return False
            raise ValueError(f"expected one of {', '.join(TRUE_STRINGS + FALSE_STRINGS)}")
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc

    def _url(self, reader, var, **kwargs):
        if var not in self.ENVIRON and kwargs.get("default", self.NOTSET) is self.NOTSET:
            raise ImproperlyConfigured(f"Set the {var} environment variable")
        try:
            return reader(var, **kwargs)
        except (ImproperlyConfigured, ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc

    def db_url(self, var=environ.Env.DEFAULT_DATABASE_ENV, **kwargs):
        config = self._url(super().db_url, var, **kwargs)
        if not config.get("ENGINE"):
            raise ImproperlyConfigured(
                f"Environment variable {var} is malformed: unknown database scheme"
            )
        return config

    def email_url(self, var=environ.Env.DEFAULT_EMAIL_ENV, **kwargs):
        return self._url(super().email_url, var, **kwargs)

    def cache_url(self, var=environ.Env.DEFAULT_CACHE_ENV, **kwargs):
        return self._url(super().cache_url, var, **kwargs)

    def rate(self, var, default):
        """A request rate such as `120/min`, checked at start-up."""
        value = self.str(var, default=default)
        try:
            parse_rate(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc
        return value
