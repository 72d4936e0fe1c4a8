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
# SAFEFACE_TEST_S3=1: media on a real S3-compatible server (tests/s3.py), one per test run; the
# processes the tests start find it through the variables set here.
if os.environ.get("SAFEFACE_TEST_S3") == "1" and not os.environ.get("SAFEFACE_S3_ENDPOINT_URL"):
    from samples import s3

    os.environ.update(
        SAFEFACE_S3_ENDPOINT_URL=s3.start_server(),
        SAFEFACE_S3_BUCKET=os.environ["SAFEFACE_QUEUE_NAME"],
        SAFEFACE_S3_ACCESS_KEY_ID=s3.CREDENTIALS["aws_access_key_id"],
        SAFEFACE_S3_SECRET_ACCESS_KEY=s3.CREDENTIALS["aws_secret_access_key"],
        SAFEFACE_S3_REGION=s3.CREDENTIALS["region_name"],
    )
    s3.create_bucket(os.environ["SAFEFACE_S3_ENDPOINT_URL"], os.environ["SAFEFACE_S3_BUCKET"])

from safeface.settings import *  # noqa: E402,F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobapp"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# On SQLite, each test run its own test database file, so two runs in one checkout (a full
# `make test` and one test module) never drop each other's tables.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(DATA_DIR / f"test-db-{os.environ['SAFEFACE_QUEUE_NAME']}.sqlite3")  # noqa: F405

# Each test run its own cache namespace (rate limits live there); tests/conftest.py
# gives each test its own on top.
CACHES["default"]["KEY_PREFIX"] = os.environ["SAFEFACE_QUEUE_NAME"]  # noqa: F405
