from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, seed_demo
from accounts.models import CareRelationship
from appointments.demo import seed_sessions
from careplans.demo import seed_plans
from clients.demo import seed_records
from homework.demo import seed_homework
from measures.demo import seed_measures
from progress.demo import seed_history


class Command(BaseCommand):
    help = "Create the demo therapist, clients and their history. Running it twice changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = seed_demo()
            therapist, clients = people[0], people[1:]
            relationships = list(
                CareRelationship.objects.filter(therapist=therapist, client__in=clients)
                .select_related("client", "therapist")
                .order_by("client__email")
            )
            seed_homework(relationships)
            seed_records(relationships)
            seed_plans(relationships)
            seed_measures(relationships)
            seed_history(relationships)
            seed_sessions(relationships)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in people:
            self.stdout.write(f"  {user.role:<9} {user.email}")
