from django.core.management.base import BaseCommand

from facekit.core import jobs


class Command(BaseCommand):
    help = "Re-queue or fail jobs whose worker died (the worker also runs this every minute)."

    def handle(self, *args, **options):
        counts = jobs.reap()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
