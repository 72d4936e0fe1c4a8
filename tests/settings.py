"""Test settings: the real settings, plus a demo job app, over plain HTTP.

Processes the tests start (a django-q2 cluster) inherit these environment
variables, so they share the queue name and data folder with the test run.
"""

import os
import uuid
from pathlib import Path

os.environ.setdefault("SAFEFACE_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# Its own queue per run, so parallel runs on one Redis never take each other's tasks.
os.environ.setdefault("SAFEFACE_QUEUE_NAME", f"safeface-test-{uuid.uuid4().hex[:8]}")
os.environ.setdefault("SAFEFACE_HTTPS", "false")

from safeface.settings import *  # noqa: E402,F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobapp"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Each test run its own cache namespace (rate limits live there); tests/conftest.py
# gives each test its own on top.
CACHES["default"]["KEY_PREFIX"] = os.environ["SAFEFACE_QUEUE_NAME"]  # noqa: F405
