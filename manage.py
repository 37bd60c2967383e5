#!/usr/bin/env python
import os
import sys

# A checkout with none of these set is a developer's machine: `python manage.py seed_demo`
# and friends run in development mode there. A deployment names its hosts and secret key, and
# gunicorn and Celery never come through here, so DEBUG stays off wherever it is forgotten.
DEPLOYMENT_VARIABLES = ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not any(name in os.environ for name in DEPLOYMENT_VARIABLES):
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
