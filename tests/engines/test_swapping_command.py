"""`python -m facekit.engines swap`: a swapped file from the shell; bad input gives exit code 2,
a message on stderr and no output file."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from facekit.engines.__main__ import main
from facekit.engines.analysis import OfflineAnalyser, read_image
from facekit.engines.generation.dcgan import DcganGenerator

from .swapping_helpers import PHOTOS, first_avatar_with_one_face, hull_mask

GROUP = PHOTOS / "t1.jpg"


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def avatar_file(tmp_path_factory, analyser):
    path = tmp_path_factory.mktemp("avatar") / "avatar.png"
    Image.fromarray(first_avatar_with_one_face(DcganGenerator(), analyser)).save(path)
    return path


def _swap(avatar_file, target, output, *options):
    return main(["swap", "--source", str(avatar_file), "--target", str(target), "-o", str(output), *options])


def test_it_swaps_the_chosen_faces_of_a_photo_and_prints_what_it_did(avatar_file, analyser, tmp_path, capsys):
    output = tmp_path / "out.png"

    assert _swap(avatar_file, GROUP, output, "--faces", "0,2", "--swapper", "mesh") == 0

    summary = json.loads(capsys.readouterr().out)
    assert summary["swapper"] == "mesh@2.1" and summary["faces_found"] == 6 and summary["faces_swapped"] == [0, 2]
    identity = summary["identity"]
    assert [judge["name"] for judge in identity["judges"]] == ["dlib-resnet@1.0", "sface-2021dec-int8@1.0"]
    assert len(identity["faces"]) == 2 and all(len(face["readings"]) == 2 for face in identity["faces"])
    group, result = read_image(GROUP), read_image(output)
    faces = analyser.detect(group)
    for index in (1, 3, 4, 5):  # the faces not chosen are left as they were
        left, top, right, bottom = (int(round(v)) for v in faces[index].box)
        np.testing.assert_array_equal(result[top:bottom, left:right], group[top:bottom, left:right])
    for index in (0, 2):
        assert hull_mask([faces[index]], group.shape).any()
        changed = np.abs(result.astype(int) - group)[hull_mask([faces[index]], group.shape)].mean()
        assert changed > 5, (index, changed)
    assert [path.name for path in tmp_path.iterdir()] == ["out.png"]  # no temporary left behind


def test_it_swaps_only_the_largest_face_when_asked(avatar_file, analyser, tmp_path, capsys):
    assert _swap(avatar_file, GROUP, tmp_path / "out.png", "--faces", "largest") == 0
    summary = json.loads(capsys.readouterr().out)
    faces = analyser.detect(read_image(GROUP))
    assert summary["faces_swapped"] == [max(range(len(faces)), key=lambda index: faces[index].area)]


def _fails_cleanly(capsys, code: int, output, message: str) -> None:
    assert code == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert not output.exists()
    assert not [path for path in output.parent.iterdir() if path.name.startswith(".swap-")]


def test_a_truncated_target_is_refused_and_nothing_written(avatar_file, tmp_path, capsys):
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes((PHOTOS / "Tom_Hanks_54745.png").read_bytes()[:2000])
    output = tmp_path / "out.png"
    _fails_cleanly(capsys, _swap(avatar_file, truncated, output), output, "could not decode")


def test_a_target_that_is_not_an_image_is_refused(avatar_file, tmp_path, capsys):
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    output = tmp_path / "out.jpg"
    _fails_cleanly(capsys, _swap(avatar_file, text, output), output, "could not decode")


def test_a_target_without_a_face_is_refused(avatar_file, tmp_path, capsys):
    empty = tmp_path / "wall.png"
    Image.fromarray(np.full((240, 320, 3), 180, np.uint8)).save(empty)
    output = tmp_path / "out.png"
    _fails_cleanly(capsys, _swap(avatar_file, empty, output), output, "no face found in the target image")


def test_a_source_without_a_face_is_refused(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(blank)
    output = tmp_path / "out.png"
    _fails_cleanly(capsys, _swap(blank, GROUP, output), output, "no face found in the source image")


def test_a_face_number_that_does_not_exist_is_refused(avatar_file, tmp_path, capsys):
    output = tmp_path / "out.png"
    _fails_cleanly(capsys, _swap(avatar_file, GROUP, output, "--faces", "0,9"), output, "face number 9 does not exist")


def test_inswapper_without_its_model_is_refused(avatar_file, tmp_path, capsys):
    output = tmp_path / "out.png"
    code = _swap(avatar_file, GROUP, output, "--swapper", "inswapper", "--models-dir", str(tmp_path))
    _fails_cleanly(capsys, code, output, "fetch_models --only inswapper")


def test_bad_face_selection_text_is_a_usage_error(avatar_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        _swap(avatar_file, GROUP, tmp_path / "out.png", "--faces", "first")
    assert raised.value.code == 2
    assert "faces must be" in capsys.readouterr().err


def _write_clip(path, frames: int = 6) -> None:
    import av

    photo = cv2.resize(read_image(GROUP), (640, 442), interpolation=cv2.INTER_AREA)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 640, 442, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(photo, 4 * index, axis=1), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def test_a_video_target_goes_through_the_video_pipeline(avatar_file, tmp_path, capsys):
    pytest.importorskip("facekit.engines.video")
    clip, output = tmp_path / "clip.mp4", tmp_path / "out.mp4"
    _write_clip(clip)

    assert _swap(avatar_file, clip, output, "--faces", "largest") == 0

    summary = json.loads(capsys.readouterr().out)
    assert summary["frames"] == 6 and summary["swapped_frames"] == 6
    assert output.is_file()


def test_a_video_that_is_not_one_is_refused_and_nothing_written(avatar_file, tmp_path, capsys):
    pytest.importorskip("facekit.engines.video")
    fake = tmp_path / "clip.mp4"
    fake.write_text("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n")
    output = tmp_path / "out.mp4"
    code = _swap(avatar_file, fake, output)
    assert code == 2
    assert "error:" in capsys.readouterr().err
    assert not output.exists()
