"""Make the server's VAPID key for Web Push once, under var/ (the demo's), or print a new one
for TANDEM_VAPID_PRIVATE_KEY."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications import push


class Command(BaseCommand):
    help = "Keep a VAPID key for Web Push under var/push/ (once), or --print a new one."

    def add_arguments(self, parser):
        parser.add_argument("--print", action="store_true", help="Print a new key; keep none.")

    def handle(self, *args, **options):
        if options["print"]:
            self.stdout.write(push.new_private_key())
            return
        path = settings.PUSH_KEY_FILE
        if settings.TANDEM_VAPID_PRIVATE_KEY or path.is_file():
            self.stdout.write("Push: a VAPID key is set.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as key_file:
            key_file.write(push.new_private_key() + "\n")
        self.stdout.write("Push: made a VAPID key for this server under var/push/.")
