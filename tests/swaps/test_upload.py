"""/swaps/new: each bad upload is refused with a clear form error and leaves no file and no row;
good photos are stored re-encoded without their metadata."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from swaps import files
from swaps.models import SwapJob, Target
from tests.swaps import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(alice_client, alices_avatar, no_queue):
    def post(name, data, content_type="application/octet-stream", avatar=None):
        file = SimpleUploadedFile(name, data, content_type=content_type)
        return alice_client.post("/swaps/new/", {"avatar": avatar or alices_avatar.pk, "target": file})

    return post


def refused(response, stored_files, *phrases):
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    for phrase in phrases:
        assert phrase in html, html[html.find("alert") - 200:html.find("alert") + 600]
    assert Target.objects.count() == 0 and SwapJob.objects.count() == 0
    assert [f for f in stored_files() if "/avatars/" not in f] == []


def test_it_refuses_an_empty_file(upload, stored_files):
    refused(upload("empty.jpg", b"", "image/jpeg"), stored_files, "The file is empty.")


def test_it_refuses_text_named_like_a_photo(upload, stored_files):
    refused(upload("notes.jpg", b"just some words, not a picture\n" * 20, "image/jpeg"), stored_files, "This file is not a JPEG, PNG or WebP photo")


def test_it_refuses_a_truncated_jpeg(upload, stored_files):
    whole = Image.open(samples.T1)
    out = io.BytesIO()
    whole.save(out, "JPEG", quality=90)
    refused(upload("cut.jpg", out.getvalue()[: len(out.getvalue()) // 2], "image/jpeg"), stored_files, "damaged or cut short")


def test_it_refuses_a_png_bomb_before_decoding_it(upload, stored_files):
    refused(upload("bomb.png", samples.png_bomb(), "image/png"), stored_files, "too many pixels")


def test_it_refuses_a_photo_over_the_pixel_limit(upload, stored_files, settings):
    settings.SAFEFACE_PHOTO_MAX_PIXELS = 50_000
    refused(upload("big.png", samples.png(320, 240), "image/png"), stored_files, "320 × 240 pixels")


def test_it_refuses_an_animated_gif(upload, stored_files):
    refused(upload("dance.gif", samples.animated_gif(), "image/gif"), stored_files, "GIF files are not supported")


def test_it_refuses_an_animated_png(upload, stored_files):
    refused(upload("dance.png", samples.animated_png(), "image/png"), stored_files, "Animated images are not supported")


def test_it_refuses_an_svg(upload, stored_files):
    refused(upload("face.svg", samples.SVG, "image/svg+xml"), stored_files, "This file is not a JPEG, PNG or WebP photo")


@pytest.mark.parametrize("data", [samples.HLS_PLAYLIST, samples.CONCAT_SCRIPT], ids=["hls-playlist", "concat-script"])
def test_it_refuses_playlists_and_concat_scripts_named_mp4(upload, stored_files, data, monkeypatch):
    import facekit.engines.video as video

    def never(path):
        raise AssertionError("a text file reached the video demuxer")

    monkeypatch.setattr(video, "probe", never)
    refused(upload("clip.mp4", data, "video/mp4"), stored_files, "This file is not a JPEG, PNG or WebP photo")


def test_it_refuses_a_video_over_the_duration_limit(upload, stored_files, settings, tmp_path):
    settings.SAFEFACE_VIDEO_MAX_SECONDS = 0.5
    clip = samples.clip(tmp_path / "long.mp4", seconds=1.0)
    refused(upload("long.mp4", clip.read_bytes(), "video/mp4"), stored_files, "the limit is 0.5 s")


def test_it_refuses_a_video_without_a_video_stream(upload, stored_files, tmp_path):
    sound = samples.audio_only(tmp_path / "sound.mp4")
    refused(upload("sound.mp4", sound.read_bytes(), "video/mp4"), stored_files, "The video could not be used")


def test_it_refuses_a_video_over_the_size_limit(upload, stored_files, settings, tmp_path):
    settings.SAFEFACE_VIDEO_MAX_SIDE = 100
    clip = samples.clip(tmp_path / "wide.mp4", width=160, height=120)
    refused(upload("wide.mp4", clip.read_bytes(), "video/mp4"), stored_files, "160 × 120 pixels")


def test_a_video_with_more_than_eight_streams_is_accepted_when_the_limit_allows(upload, settings, tmp_path):
    settings.SAFEFACE_VIDEO_MAX_STREAMS = 12
    clip = samples.clip(tmp_path / "fonts.mkv", container="matroska", attachments=8)  # 10 streams

    assert upload("fonts.mkv", clip.read_bytes(), "video/x-matroska").status_code == 302
    assert Target.objects.get().kind == "video"


def test_it_refuses_a_video_over_the_stream_limit(upload, stored_files, settings, tmp_path):
    settings.SAFEFACE_VIDEO_MAX_STREAMS = 9
    clip = samples.clip(tmp_path / "fonts.mkv", container="matroska", attachments=8)
    refused(upload("fonts.mkv", clip.read_bytes(), "video/x-matroska"), stored_files, "10 streams", "at most 9")


def _mjpeg_mov(path):
    import av

    with av.open(str(path), "w", format="mov") as output:
        stream = output.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuvj420p"
        for _ in range(3):
            output.mux(stream.encode(av.VideoFrame(160, 120, "yuvj420p")))
        output.mux(stream.encode(None))
    return path.read_bytes()


def _cut_short(path):
    data = samples.clip(path, seconds=1.0).read_bytes()
    return data[: len(data) * 2 // 3]


@pytest.mark.parametrize("make, phrase", [(_mjpeg_mov, "is not accepted"),
                                          (_cut_short, "damaged or incomplete")], ids=["codec", "cut-short"])
def test_a_refused_video_is_named_as_the_person_named_it(upload, stored_files, tmp_path, make, phrase):
    response = upload("holiday.mov", make(tmp_path / "made.mov"), "video/quicktime")

    refused(response, stored_files, "holiday.mov", phrase)
    html = response.content.decode()
    assert "tmp" not in html and ".upload" not in html and "made.mov" not in html


def test_it_refuses_a_source_that_is_neither_mine_nor_public(upload, stored_files, bob, make_avatar):
    bobs_private = make_avatar(bob)
    response = upload("photo.jpg", samples.jpeg(), "image/jpeg", avatar=bobs_private.pk)
    refused(response, lambda: [f for f in stored_files() if "avatars" not in f], "Pick one of your avatars or one from the public gallery.")


def test_it_accepts_a_public_avatar_of_someone_else(upload, bob, make_avatar):
    public = make_avatar(bob, is_public=True)
    response = upload("photo.jpg", samples.jpeg(), "image/jpeg", avatar=public.pk)
    target = Target.objects.get()
    assert response.status_code == 302 and response.url == f"/swaps/targets/{target.pk}/?avatar={public.pk}"


def test_a_stored_photo_has_no_exif_and_is_upright(upload, no_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload("holiday.jpg", samples.jpeg_with_gps_and_orientation(), "image/jpeg")
    assert response.status_code == 302
    target = Target.objects.get()
    data = target.file.read()
    assert b"Exif" not in data and b"PhoneMaker" not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (240, 320)  # turned upright
    assert not stored.getexif()
    assert stored.getpixel((235, 5))[0] > 200  # the red corner moved to the top right
    assert target.kind == "image" and target.facts["width"] == 240
    assert no_queue == [("swaps.tasks.analyse_target", target.pk)]


def test_a_png_with_bytes_appended_is_stored_without_them(upload):
    data = samples.png() + b"<html><script>alert(1)</script></html>"
    assert upload("shot.png", data, "image/png").status_code == 302
    stored = Target.objects.get().file.read()
    assert b"<html>" not in stored and stored.endswith(b"IEND\xaeB`\x82")


def test_a_stored_video_keeps_its_frames_and_sound_but_not_its_metadata(upload, tmp_path):
    import av

    clip = samples.clip(tmp_path / "clip.mp4", seconds=1.0)
    with av.open(str(tmp_path / "tagged.mp4"), "w", format="mp4") as out, av.open(str(clip)) as src:
        out.metadata["location"] = "+51.5000-000.1167/"  # written as a `loci` box
        out.metadata["title"] = "PhoneMaker holiday"
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    tagged = (tmp_path / "tagged.mp4").read_bytes()
    assert b"PhoneMaker" in tagged and b"loci" in tagged

    assert upload("clip.mp4", (tmp_path / "tagged.mp4").read_bytes(), "video/mp4").status_code == 302
    target = Target.objects.get()
    stored = target.file.read()
    assert b"PhoneMaker" not in stored and b"loci" not in stored
    assert target.kind == "video" and target.facts["has_audio"] and target.facts["frames"] == 10
    with files.local_path(target.file) as local, av.open(str(local)) as video:
        assert video.streams.video and video.streams.audio


def test_anonymous_visitors_are_sent_to_log_in(client, alices_avatar, stored_files):
    file = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="image/jpeg")
    response = client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Target.objects.count() == 0


def test_the_page_lists_my_avatars_and_the_public_ones(alice_client, alices_avatar, bob, make_avatar):
    public, private = make_avatar(bob, is_public=True), make_avatar(bob)
    html = alice_client.get("/swaps/new/").content.decode()
    assert f'value="{alices_avatar.pk}"' in html and f'value="{public.pk}"' in html and f'value="{private.pk}"' not in html


def chosen_avatars(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<input type="radio" name="avatar" value="(\d+)" checked', html)]


def test_the_form_starts_with_my_newest_avatar_chosen(alice_client, alice, alices_avatar, bob, make_avatar):
    newest = make_avatar(alice)
    make_avatar(bob, is_public=True)  # newer still, but not mine: no sensible default

    assert chosen_avatars(alice_client.get("/swaps/new/").content.decode()) == [newest.pk]


def test_an_avatar_named_in_the_address_is_chosen_instead(alice_client, alices_avatar, bob, make_avatar):
    public = make_avatar(bob, is_public=True)

    assert chosen_avatars(alice_client.get(f"/swaps/new/?avatar={public.pk}").content.decode()) == [public.pk]


def test_without_an_avatar_of_my_own_none_is_chosen_for_me(alice_client, bob, make_avatar):
    make_avatar(bob, is_public=True)

    assert chosen_avatars(alice_client.get("/swaps/new/").content.decode()) == []


def test_the_browser_is_told_an_avatar_is_needed_before_anything_is_sent(alice_client, alices_avatar):
    html = alice_client.get("/swaps/new/").content.decode()
    form = html[html.index('<form id="upload-form"'):html.index("</form>", html.index('<form id="upload-form"'))]

    radios = re.findall(r'<input type="radio" name="avatar"[^>]*>', form)
    assert radios and all(" required" in radio for radio in radios)
    assert "novalidate" not in form[:form.index(">")]  # so the browser checks before the file is sent
    assert "An avatar is needed" in form


def test_an_upload_without_an_avatar_comes_back_saying_one_is_needed(alice_client, alices_avatar, no_queue, stored_files):
    file = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="image/jpeg")
    response = alice_client.post("/swaps/new/", {"target": file}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and 'id="upload-form"' in html
    assert "Pick one of your avatars or one from the public gallery." in html and "An avatar is needed" in html
    assert chosen_avatars(html) == [] and Target.objects.count() == 0


def test_an_htmx_upload_goes_on_to_the_face_picker(alice_client, alices_avatar, no_queue):
    file = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="image/jpeg")
    response = alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file}, HTTP_HX_REQUEST="true")
    target = Target.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == f"/swaps/targets/{target.pk}/?avatar={alices_avatar.pk}"


def test_an_htmx_refusal_comes_back_as_the_form_with_200(alice_client, alices_avatar, no_queue):
    file = SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")
    response = alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="upload-form"' in response.content and b"<html" not in response.content


def test_when_the_queue_is_down_nothing_is_stored(alice_client, alices_avatar, monkeypatch, stored_files):
    from facekit.core import jobs

    monkeypatch.setattr(jobs, "queue_available", lambda: False)
    file = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="image/jpeg")
    response = alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file})
    refused(response, stored_files, "The task queue is not answering")


def test_uploads_are_rate_limited(alice_client, alices_avatar, no_queue, settings):
    settings.SAFEFACE_SWAP_RATE = "2/m"
    codes = []
    for _ in range(3):
        file = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="image/jpeg")
        codes.append(alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file}).status_code)
    assert codes == [302, 302, 200] and Target.objects.count() == 2


def test_it_refuses_a_video_whose_stream_declares_a_huge_frame_under_default_limits(upload, stored_files, tmp_path):
    import numpy as np

    from samples.clips import write_clip

    wide = write_clip(tmp_path / "wide.mp4", [np.zeros((64, 4096, 3), np.uint8)] * 2, fps=10, audio=None)
    refused(upload("wide.mp4", wide.read_bytes(), "video/mp4"), stored_files, "4096 × 64 pixels", "the limit is 3840 pixels a side")


def test_a_container_that_lies_about_the_frame_size_is_measured_by_its_stream(upload, tmp_path):
    """FFmpeg sizes frames from the H.264 stream, not the MP4 header: a header claiming
    30000 x 30000 neither gets past the caps nor into the stored facts."""
    import struct

    data = bytearray(samples.clip(tmp_path / "small.mp4", seconds=0.5, audio=None).read_bytes())
    entry = data.find(b"avc1", data.find(b"stsd")) + 4 + 6 + 2 + 16
    data[entry:entry + 4] = struct.pack(">HH", 30000, 30000)
    header = data.find(b"tkhd")
    end = header - 4 + struct.unpack(">I", data[header - 4:header])[0]
    data[end - 8:end] = struct.pack(">II", 30000 << 16, 30000 << 16)
    assert upload("liar.mp4", bytes(data), "video/mp4").status_code == 302
    assert (Target.objects.get().facts["width"], Target.objects.get().facts["height"]) == (160, 120)
