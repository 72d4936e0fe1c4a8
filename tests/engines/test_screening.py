"""The sexual-content screener: NudeNet's detector from its wheel, through the real loading
code also with a tiny stand-in model (samples/screening.py), and the verdict's rules."""

from __future__ import annotations

import pytest

from samples.clips import PHOTOS, clip_frames, write_clip
from samples.screening import red, red_detector
from facekit.engines.analysis import OfflineAnalyser, read_image
from facekit.engines.screening import Screening, load_screener
from facekit.engines.video import sampled_frames


@pytest.fixture(scope="module")
def nudenet():
    return load_screener("auto")


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    return load_screener("nudenet", model=red_detector(tmp_path_factory.mktemp("model") / "red.onnx"))


def test_the_real_detector_refuses_none_of_the_project_s_own_pictures(nudenet):
    from facekit.engines.generation.dcgan import DcganGenerator

    pictures = [read_image(path) for path in sorted(PHOTOS.glob("*.*"))]
    pictures += clip_frames(640, 360, 30)[::10]
    generator = DcganGenerator(OfflineAnalyser())
    pictures += [generator.generate({}, [seed], 512)[0] for seed in range(1, 7)]
    scores = [nudenet.score(picture) for picture in pictures]
    assert nudenet.name.startswith("nudenet-320n@") and max(scores) < 0.2, scores


def test_a_stand_in_model_with_nudenet_s_inputs_and_outputs_goes_through_the_real_loading_code(stand_in):
    assert stand_in.name.endswith("+red")
    assert stand_in.score(red()) == pytest.approx(1.0) and stand_in.score(read_image(PHOTOS / "t1.jpg")) == 0.0


def test_a_photo_is_refused_from_the_threshold_on_and_a_video_past_its_share_of_frames(stand_in):
    screening = Screening(stand_in, threshold=0.5, video_share=0.1)
    assert screening.photo(red()).refused and not screening.photo(read_image(PHOTOS / "t1.jpg")).refused
    plain = clip_frames(320, 240, 10)
    one_in_ten = screening.frames([red()] + plain[1:])
    assert (one_in_ten.frames, one_in_ten.flagged, one_in_ten.refused) == (10, 1, False)  # 10 % is not over 10 %
    assert screening.frames([red(), red()] + plain[2:]).refused
    assert screening.photo(red()).as_dict() == {"screener": stand_in.name, "refused": True, "frames": 1, "flagged": 1,
                                                "worst": 1.0}


def test_a_video_is_sampled_once_in_every_period_whole(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", clip_frames(160, 120, 25), fps=10, audio=None)  # 2.5 s
    assert len(list(sampled_frames(clip, 1.0))) == 3  # 0, 1 and 2 s
    frames = list(sampled_frames(clip, 0.5))
    assert len(frames) == 5 and frames[0].shape == (120, 160, 3)


def test_off_screens_nothing_and_an_unknown_name_is_refused():
    assert load_screener("off") is None
    with pytest.raises(ValueError, match="unknown screener"):
        load_screener("nsfw")
