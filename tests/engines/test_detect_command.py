"""`python -m facekit.engines detect`: JSON faces for an image, clear errors for bad files."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from facekit.engines.__main__ import main

PHOTOS = Path(next(iter(importlib.util.find_spec("insightface").submodule_search_locations))) / "data" / "images"


def test_it_prints_the_faces_of_one_image_as_a_json_list(capsys):
    assert main(["detect", str(PHOTOS / "Tom_Hanks_54745.png")]) == 0

    faces = json.loads(capsys.readouterr().out)
    assert len(faces) == 1
    assert set(faces[0]) == {"box", "score", "keypoints"}
    assert len(faces[0]["box"]) == 4 and len(faces[0]["keypoints"]) == 5


def test_it_maps_several_images_to_their_faces(capsys):
    group, portrait = str(PHOTOS / "t1.jpg"), str(PHOTOS / "Tom_Hanks_54745.png")

    assert main(["detect", group, portrait, "--landmarks"]) == 0

    found = json.loads(capsys.readouterr().out)
    assert [len(found[group]), len(found[portrait])] == [6, 1]
    assert len(found[portrait][0]["landmarks"]) == 468


def test_it_reports_a_corrupt_file_and_exits_non_zero(tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")

    assert main(["detect", str(broken)]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "broken.png" in captured.err and "could not decode" in captured.err


def test_it_runs_as_a_module_from_the_shell():
    result = subprocess.run(
        [sys.executable, "-m", "facekit.engines", "detect", str(PHOTOS / "Tom_Hanks_54745.png")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert len(json.loads(result.stdout)) == 1

