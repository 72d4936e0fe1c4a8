"""`python -m facekit.engines swap` on a video: the command reaches the video pipeline and its
output keeps the clip's frames and sound. Pure engine tests: no database."""

from __future__ import annotations

import json

from PIL import Image

from facekit.engines.__main__ import main
from facekit.engines.video import probe
from samples.clips import clip_frames, source_image, write_clip


def test_it_swaps_a_clip_with_sound_from_the_shell(tmp_path, capsys):
    face = tmp_path / "face.png"
    Image.fromarray(source_image()).save(face)
    clip = write_clip(tmp_path / "clip.mp4", clip_frames(320, 240, 20), fps=25)
    output = tmp_path / "out.mp4"

    code = main(["swap", "--source", str(face), "--target", str(clip), "-o", str(output),
                 "--swapper", "mesh", "--faces", "0", "--reference-frame", "10"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert (summary["frames"], summary["swapped_frames"], summary["has_audio"]) == (20, 20, True)
    assert "100.0%" in captured.err  # the progress line ends at 100
    info = probe(output)
    assert (info.frames, info.audio_codec, info.width, info.height) == (20, "aac", 320, 240)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "face.png", "out.mp4"]
