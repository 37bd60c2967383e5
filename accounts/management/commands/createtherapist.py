import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import therapist_create


class Command(BaseCommand):
    help = "Create a therapist account. Prompts for the password unless --password is given."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--password", default=None)

    def handle(self, *args, email, name, timezone, password, **options):
        if password is None:
            password = getpass.getpass("Password: ")
        try:
            user = therapist_create(email=email, name=name, timezone=timezone, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created therapist {user.email}."))
