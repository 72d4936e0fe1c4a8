import asyncio
import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from live.worker import serve


class Command(BaseCommand):
    help = "Run a live worker: claim live sessions and swap their camera streams (WebRTC)."

    def handle(self, *args, **options):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s live %(levelname)s %(message)s")
        # This process's engines (built on first use, safeface/inference.py) get the live share.
        settings.SAFEFACE_ENGINE_THREADS = settings.SAFEFACE_LIVE_ENGINE_THREADS
        try:
            asyncio.run(serve())
        except KeyboardInterrupt:
            pass
