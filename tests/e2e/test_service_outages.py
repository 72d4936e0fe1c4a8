"""The real site (granian + qcluster) rides out its services going away: Redis
stopped and started again, PostgreSQL restarted. Each test runs private servers on
free ports, so the machine's shared services are never touched."""

import re
import shutil
import time
import urllib.error

import pytest

from bench.harness import Browser, running_site, shell
from facekit.core.jobs import QUEUE_DOWN_MESSAGE
from tests.e2e.cluster import wait_for
from tests.e2e.services import PrivatePostgres, PrivateRedis, free_port, postgres_bin

pytestmark = pytest.mark.e2e

PASSWORD = "outage-password-123"
PAGES = ("/", "/studio/", "/avatars/", "/gallery/", "/accounts/")


def signed_in(base, env) -> Browser:
    shell(env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('rider', password='{PASSWORD}')")
    browser = Browser(base)
    browser.log_in("rider", PASSWORD)
    return browser


def generate(browser: Browser) -> str:
    page = browser.post("/studio/", {"count": "1", "seed": "", "expression": "smile"})
    cards = re.findall(r'id="avatar-card-(\d+)"', page)
    assert cards, "no avatar card in the studio's answer"
    return cards[0]


def wait_until_done(browser: Browser, pk: str, timeout: float = 120) -> None:
    def finished():
        card = browser.get(f"/avatars/{pk}/card/", **{"HX-Request": "true"})
        assert "status-failed" not in card, card
        return "status-done" in card

    wait_for(finished, timeout=timeout, interval=0.5)


def avatar_count(browser: Browser) -> int:
    return len(set(re.findall(r'id="avatar-card-(\d+)"', browser.get("/avatars/"))))


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_redis_stopped_then_back(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with running_site(port=free_port(), web_workers=1, REDIS_URL=redis.url, SAFEFACE_WORKERS=1) as (base, env, data):
            browser = signed_in(base, env)
            wait_until_done(browser, generate(browser))

            redis.stop()
            for page in PAGES:
                browser.get(page)  # raises on any error status
            answer = browser.post("/studio/", {"count": "1", "seed": "", "expression": "smile"})
            assert QUEUE_DOWN_MESSAGE.replace("'", "&#x27;") in answer
            assert avatar_count(browser) == 1, "a half-made avatar was stored while the queue was down"

            redis.start()  # empty, as after a restart that keeps nothing
            wait_until_done(browser, generate(browser))
            assert avatar_count(browser) == 2
    finally:
        if redis.proc and redis.proc.poll() is None:
            redis.stop()


@pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's server binaries are not installed")
def test_postgres_restarted_under_the_running_site():
    database = PrivatePostgres()
    database.start()
    try:
        with running_site(port=free_port(), web_workers=1, DATABASE_URL=database.url, SAFEFACE_WORKERS=1) as (base, env, data):
            browser = signed_in(base, env)
            wait_until_done(browser, generate(browser))

            database.stop()
            with pytest.raises(urllib.error.HTTPError) as refused:
                browser.get("/avatars/")
            assert refused.value.code == 500  # the error page, not a hang
            database.start()

            # Same processes, no restart: stale connections are noticed and replaced.
            deadline = time.monotonic() + 30
            for page in PAGES:
                wait_for(lambda: _renders(browser, page), timeout=max(1, deadline - time.monotonic()))
            wait_until_done(browser, generate(browser))
            assert avatar_count(browser) == 2
    finally:
        database.remove()


def _renders(browser: Browser, page: str) -> bool:
    try:
        browser.get(page)
        return True
    except urllib.error.HTTPError:
        return False
