import asyncio
import logging

from django.core.management.base import BaseCommand

from live.worker import serve


class Command(BaseCommand):
    help = "Run a live worker: claim live sessions and swap their camera streams (WebRTC)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="stop after the first session (tests)")

    def handle(self, *args, once=False, **options):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s live %(levelname)s %(message)s")
        try:
            asyncio.run(serve(once=once))
        except KeyboardInterrupt:
            pass
