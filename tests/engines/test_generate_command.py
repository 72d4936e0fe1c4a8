"""`python -m facekit.engines generate`: a face file from the shell, clear errors for bad input."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from facekit.engines.__main__ import main
from facekit.engines.cli.generate import seed_for_value


def test_it_writes_a_face_of_the_requested_size_and_prints_what_it_did(tmp_path, capsys):
    output = tmp_path / "face.png"

    code = main(["generate", "--attr", "skin_tone=monk_03", "--attr", "glasses=sunglasses",
                 "--seed", "42", "--size", "128", "-o", str(output), "--generator", "dcgan", "--candidates", "4"])

    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["engine"] == "dcgan-digiface@1.1.1+pick3"
    assert summary["requested_seed"] == 42
    assert summary["spec"] == {"skin_tone": "monk_03", "glasses": "sunglasses"}
    assert summary["honoured"] == ["skin_tone"] and summary["ignored"] == ["glasses"]
    assert summary["face"]["score"] >= 0.5
    with Image.open(output) as image:
        assert image.size == (128, 128) and image.mode == "RGB"
    assert [p.name for p in tmp_path.iterdir()] == ["face.png"]  # no temporary left behind


def test_it_makes_the_same_file_for_the_same_value(tmp_path, capsys):
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        assert main(["generate", "--value", "0123abcd", "--size", "64", "-o", str(path), "--no-gate",
                     "--generator", "dcgan"]) == 0

    outputs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert outputs[0]["seed"] == outputs[1]["seed"] == seed_for_value("0123abcd")
    assert np.array_equal(np.asarray(Image.open(paths[0])), np.asarray(Image.open(paths[1])))


def test_it_names_an_unknown_attribute_value_and_exits_non_zero(tmp_path, capsys):
    code = main(["generate", "--attr", "glasses=monocle", "--seed", "1", "-o", str(tmp_path / "x.png")])

    assert code == 2
    error = capsys.readouterr().err
    assert "monocle" in error and "sunglasses" in error
    assert not (tmp_path / "x.png").exists()


def test_under_the_commercial_policy_auto_draws_with_the_mit_dcgan(tmp_path, capsys):
    code = main(["generate", "--seed", "7", "--size", "64", "-o", str(tmp_path / "face.png"), "--no-gate",
                 "--model-licences", "commercial"])

    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["engine"].startswith("dcgan-digiface@") and summary["licence"] == "MIT"


def test_under_the_commercial_policy_a_non_commercial_generator_is_refused_by_name(tmp_path, capsys):
    code = main(["generate", "--seed", "7", "-o", str(tmp_path / "face.png"), "--generator", "mobilestylegan",
                 "--model-licences", "commercial"])

    assert code == 1
    error = capsys.readouterr().err
    assert "MobileStyleGAN" in error and "CC-BY-NC-SA-4.0" in error
    assert not (tmp_path / "face.png").exists()
