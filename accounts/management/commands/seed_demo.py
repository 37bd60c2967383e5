from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo therapist, clients and their history. Running it twice changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = seed_demo()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in people:
            self.stdout.write(f"  {user.role:<9} {user.email}")
