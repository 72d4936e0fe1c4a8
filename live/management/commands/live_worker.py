import asyncio
import logging

from django.core.management.base import BaseCommand

from live.worker import serve


class Command(BaseCommand):
    help = "Run a live worker: claim live sessions and swap their camera streams (WebRTC)."

    def handle(self, *args, **options):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s live %(levelname)s %(message)s")
        try:
            asyncio.run(serve())
        except KeyboardInterrupt:
            pass
