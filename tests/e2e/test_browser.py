"""A person in a real browser (Debian's Chromium driven by Playwright): sign up,
log in, visit every page, log out. Screenshots go to test-artifacts/."""

import shutil
from pathlib import Path

import pytest
from django.db import connections
from tests.images import png_bytes

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "a long enough passphrase 7"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (or apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # live server makes happen in its own threads, so this is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # Every asset and htmx request must succeed (pages may be 404 on purpose).
        page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
        page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document" and errors.append(f"{r.status} {r.url}"))
        yield page
        browser.close()
        # Inside this block Playwright marks its event loop as running, and Django (asgiref's
        # Local) gives the test's ORM calls connections of their own, which the database
        # teardown never sees: close them here, or PostgreSQL refuses to drop the test database.
        connections.close_all()
    assert errors == [], errors


def test_a_person_signs_up_visits_every_page_and_logs_out(page, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.5
    page.goto("/")
    assert page.title() == "Faces of people who do not exist · SafeFace"
    page.wait_for_selector(".status-grid")  # htmx loaded the status partial
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)

    page.click(".nav-links >> text=Sign up")
    page.fill("#id_username", "dora")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "short")
    page.click("button:has-text('Sign up')")
    assert page.locator(".error").first.is_visible()  # weak password: form again, with messages
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Sign up')")
    page.wait_for_url("**/accounts/")
    assert "Your account is ready" in page.content()
    page.screenshot(path=ARTIFACTS / "account.png", full_page=True)

    page.click("button:has-text('Log out')")
    page.wait_for_load_state("networkidle")
    assert page.locator(".nav-links a:has-text('Log in')").is_visible()
    page.click(".nav-links >> text=Log in")
    page.fill("#id_username", "dora")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/accounts/")

    for path, heading in [
        ("/", "Be in the picture"),
        ("/status/", "System status"),
        ("/verify/", "Check a picture or video"),
        ("/gallery/", "Public gallery"),
        ("/studio/", "Studio"),
        ("/avatars/", "My avatars"),
        ("/accounts/", "Your account"),
        ("/accounts/password/", "Change your password"),
        ("/accounts/delete/", "Delete my account"),
        ("/accounts/password/reset/", "Reset your password"),
        ("/no-such-page/", "Nothing here"),
    ]:
        page.goto(path, wait_until="networkidle")  # htmx partials included
        assert heading in page.locator("h1").inner_text(), path

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/accounts/")
    page.click(".nav-toggle-label")  # the menu folds away on a phone
    page.screenshot(path=ARTIFACTS / "account-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/accounts/")
    page.click("button:has-text('Log out')")
    page.wait_for_load_state("networkidle")
    page.goto("/accounts/")
    assert "/accounts/login/" in page.url


def test_a_person_generates_four_avatars_shares_one_and_deletes_it(page, cluster_media, live_server):
    page.goto("/accounts/signup/")
    page.fill("#id_username", "erin")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Sign up')")
    page.wait_for_url("**/accounts/")

    page.click(".nav-links >> text=Studio")
    page.click("label.chip:has-text('Smile')")
    page.click("label.swatch[title='Monk 4']")
    page.wait_for_selector("#spec-summary :text('Monk 4')")  # the live summary followed
    page.click(".generate-bar label.chip:has-text('4')")
    page.click("button:has-text('Generate')")
    page.wait_for_url("**/studio/")
    assert page.locator(".recent .avatar-card").count() == 4
    from playwright.sync_api import expect

    # Not wait_for_function: it evaluates a string, which our CSP (no eval) refuses.
    expect(page.locator(".recent .avatar-card.status-done img")).to_have_count(4, timeout=120_000)
    page.screenshot(path=ARTIFACTS / "studio.png", full_page=True)

    page.click(".recent .avatar-card >> nth=0 >> a.avatar-link")
    page.wait_for_selector(".avatar-figure img")
    with page.expect_download() as download:
        page.click("text=Download PNG")
    assert download.value.suggested_filename.startswith("safeface-avatar-")
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")

    page.click("button:has-text('Share in the public gallery')")
    assert "Shared in the public gallery." in page.content()
    detail_url = page.url
    page.click("button:has-text('Log out')")
    page.wait_for_load_state("networkidle")
    page.goto("/gallery/", wait_until="networkidle")
    assert page.locator(".avatar-card").count() == 1
    page.screenshot(path=ARTIFACTS / "gallery.png", full_page=True)

    page.goto("/accounts/login/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.goto(detail_url)
    page.click("text=Delete…")
    page.click("button:has-text('Delete')")
    page.wait_for_url("**/avatars/")
    assert "The avatar was deleted." in page.content()
    assert page.locator(".avatar-card").count() == 3
    page.goto("/gallery/", wait_until="networkidle")
    assert page.locator(".avatar-card").count() == 0


def test_a_person_swaps_an_avatar_onto_two_faces_of_a_group_photo(page, cluster_media, live_server):
    from playwright.sync_api import expect

    from tests.swaps.samples import T1

    page.goto("/accounts/signup/")
    page.fill("#id_username", "fran")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Sign up')")
    page.wait_for_url("**/accounts/")
    page.goto("/studio/")
    page.click(".generate-bar label.chip:has-text('1')")
    page.click("button:has-text('Generate')")
    expect(page.locator(".recent .avatar-card.status-done img")).to_have_count(1, timeout=120_000)

    page.click(".nav-links >> text=Swaps")
    page.click("text=New swap")
    page.click(".avatar-option >> nth=0")
    page.set_input_files("input[type=file]", str(T1))
    assert page.locator("[data-file-name]").inner_text() == "t1.jpg"
    page.click("button:has-text('Upload and find faces')")
    page.wait_for_url("**/swaps/targets/**")
    expect(page.locator(".face-row")).not_to_have_count(0, timeout=60_000)
    assert page.locator(".face-box").count() >= 4
    page.check("input[name=face_0]")
    page.check("input[name=face_1]")
    assert page.locator("input[name=which][value=chosen]").is_checked()  # ticking a face chose "The faces I tick"
    page.screenshot(path=ARTIFACTS / "swap-picker.png", full_page=True)
    page.click("button:has-text('Swap')")
    page.wait_for_url("**/swaps/*/")
    expect(page.locator("img.compare-after")).to_be_visible(timeout=120_000)
    expect(page.locator(".facts")).to_contain_text("face 1 → avatar")
    expect(page.locator(".facts")).to_contain_text("face 2 → avatar")
    page.screenshot(path=ARTIFACTS / "swap-result.png", full_page=True)

    page.click(".nav-links >> text=Swaps")
    assert page.locator(".swap-card.status-done").count() == 1


def test_a_person_reports_someone_elses_avatar_from_a_tidy_form(page, settings, tmp_path):
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from avatars.models import Avatar
    from moderation.models import Report
    from facekit.engines.vocabulary import validate_spec

    settings.MEDIA_ROOT = tmp_path / "media"
    alice = get_user_model().objects.create_user("alice")
    avatar = Avatar.objects.create(owner=alice, spec=validate_spec({"expression": "smile"}), seed=7, status="done", is_public=True)
    avatar.image.save(f"{avatar.pk}.png", ContentFile(png_bytes(np.full((64, 64, 3), 120, np.uint8))))
    get_user_model().objects.create_user("gus", password=PASSWORD)
    page.goto("/accounts/login/")
    page.fill("#id_username", "gus")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/accounts/")

    page.goto(f"/avatars/{avatar.pk}/")
    page.click("text=Report this picture…")
    page.wait_for_selector("#report-form form")
    page.screenshot(path=ARTIFACTS / "report-form.png", full_page=True)

    radios = page.locator("#report-form input[type=radio]")
    assert radios.count() == len(Report.Reason.choices)
    assert "---------" not in page.locator("#report-form").inner_text()
    assert page.locator("#report-form input[type=radio]:checked").count() == 0
    for value, words in Report.Reason.choices:
        control = page.locator(f"#report-form input[value={value}]").locator("xpath=..")  # its label
        words_box = control.get_by_text(words, exact=True).bounding_box()
        label_box = control.bounding_box()
        # The words sit inside the label they name, on one line, and the label is no wider than them and a margin.
        assert words_box and label_box and label_box["width"] < words_box["width"] + 60, (words, label_box, words_box)
    page.click(f"#report-form label:has-text('{Report.Reason.REAL_PERSON.label}')")
    assert page.locator("#report-form input[value=real_person]").is_checked()
    page.fill("#report-form textarea", "That is my neighbour")
    page.locator("#report-form").screenshot(path=ARTIFACTS / "report-form-chosen.png")
    page.click("button:has-text('Send report')")
    page.wait_for_selector("text=Thank you. A moderator will look at it.")
    assert Report.objects.get().reason == Report.Reason.REAL_PERSON


def test_the_browser_asks_for_an_avatar_before_it_sends_an_upload(page, settings, tmp_path):
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from facekit.core.files import encode_thumbnail
    from avatars.models import Avatar
    from facekit.engines.vocabulary import validate_spec
    from swaps.models import Target
    from tests.swaps.samples import T1

    settings.MEDIA_ROOT = tmp_path / "media"
    alice = get_user_model().objects.create_user("alice")
    public = Avatar.objects.create(owner=alice, spec=validate_spec({"expression": "smile"}), seed=7, status="done", is_public=True)
    grey = np.full((64, 64, 3), 120, np.uint8)
    public.image.save(f"{public.pk}.png", ContentFile(png_bytes(grey)), save=False)
    public.thumbnail.save(f"{public.pk}.webp", ContentFile(encode_thumbnail(grey)))
    get_user_model().objects.create_user("hal", password=PASSWORD)  # no avatar of his own: none is chosen for him
    page.goto("/accounts/login/")
    page.fill("#id_username", "hal")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/accounts/")

    page.goto("/swaps/new/")
    page.set_input_files("input[type=file]", str(T1))
    page.click("button:has-text('Upload and find faces')")
    page.screenshot(path=ARTIFACTS / "new-swap-no-avatar.png", full_page=True)

    assert page.locator(".avatar-needed").inner_text().startswith("An avatar is needed")
    assert page.locator("input[name=avatar]").first.evaluate("radio => radio.validity.valueMissing")
    assert page.url.endswith("/swaps/new/") and Target.objects.count() == 0
    assert page.locator("[data-file-name]").inner_text() == "t1.jpg"  # the file is still chosen
