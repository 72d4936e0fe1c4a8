"""The identity check on real swaps, by both offline judges: mesh@2.1 hides the chosen people
of the group photo from both, a swap that changes nothing is caught by both, and in a video one
unswapped frame spliced into the result is found."""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser, read_image
from facekit.engines.generation.dcgan import DcganGenerator
from facekit.engines.recognition import VideoIdentityCheck, check_photo, load_judges
from facekit.engines.swapping import IdentityMeshSwapper, prepare_source, swap_photo
from facekit.engines.video import VideoSwap
from samples.clips import clip_frames, source_image, write_clip

from .swapping_helpers import PHOTOS, Unchanged, hull_mask

FPS, FRAMES = 25, 40
SPLICED = 30  # the frame left unswapped


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def judges():
    found = load_judges("auto")
    assert [judge.family for judge in found] == ["dlib-resnet", "sface"]
    return found


@pytest.fixture(scope="module")
def avatar(analyser):
    """The first 512 px DCGAN avatar (seeds from 1) showing one face, as the studio makes them."""
    generator = DcganGenerator(analyser)
    for seed in range(1, 30):
        (image,) = generator.generate({}, [seed], 512)
        if len(analyser.detect(image)) == 1:
            return prepare_source(analyser, image)
    raise AssertionError("no DCGAN seed gave one face")


@pytest.fixture(scope="module")
def group(analyser):
    image = read_image(PHOTOS / "t1.jpg")
    return image, analyser.detect(image)


def test_a_swap_that_changes_nothing_still_matches_every_face(judges, group, avatar):
    image, faces = group
    check = check_photo(judges, image, Unchanged().swap(avatar, image, faces), faces, [avatar] * len(faces))
    assert [judge.name for judge in check.judges] == [judge.name for judge in judges]
    assert [judge.threshold for judge in check.judges] == [judge.threshold for judge in judges]
    for face in check.faces:
        assert [reading.to_original for reading in face.readings] == pytest.approx([0.0, 0.0], abs=1e-3)
        assert [reading.judge for reading in face.readings if reading.matches] == [judge.name for judge in check.judges] and not face.disagree
    assert check.still_recognised() == list(range(len(faces)))


def test_the_worker_s_swap_hides_the_chosen_people_from_both_judges_and_leaves_the_others(judges, group, avatar, analyser):
    image, faces = group
    chosen = [faces[0], faces[1]]
    made = swap_photo(image, avatar, swapper=IdentityMeshSwapper(), analyser=analyser, faces=[0, 1], judges=judges,
                      stronger=IdentityMeshSwapper.strong())
    result, check = made.image, made.identity
    assert check.still_recognised() == [], check.faces
    assert all(len(face.readings) == 2 and all(r.judged for r in face.readings) for face in check.faces)
    # The other four are untouched, pixel for pixel, and still themselves to both judges.
    others = hull_mask(faces[2:], image.shape)
    assert np.array_equal(result[others], image[others])
    untouched = check_photo(judges, image, result, faces[2:], [avatar] * 4)
    assert untouched.still_recognised() == [0, 1, 2, 3]
    assert all(len([reading.judge for reading in face.readings if reading.matches]) == 2 for face in untouched.faces)
    # The picture moves only within the ring around each swapped face (its box, grown by
    # its own size on every side), where the outline follows the avatar's face shape.
    changed = np.argwhere(np.any(result != image, axis=2))
    near = np.zeros(len(changed), bool)
    for face in chosen:
        x1, y1, x2, y2 = face.box
        grow = max(x2 - x1, y2 - y1)
        near |= ((changed[:, 1] >= x1 - grow) & (changed[:, 1] <= x2 + grow)
                 & (changed[:, 0] >= y1 - grow) & (changed[:, 0] <= y2 + grow))
    assert len(changed) > 0 and near.all()


def test_faces_a_judge_still_knows_get_the_stronger_swap_and_the_others_keep_theirs(judges, group, avatar, analyser):
    image, _ = group
    made = swap_photo(image, avatar, swapper=Unchanged(), analyser=analyser, faces=[0, 1], judges=judges,
                      stronger=IdentityMeshSwapper.strong())
    assert made.swapped == [0, 1] and made.faces_found == len(group[1])
    assert [face.strong for face in made.identity.faces] == [True, True]
    assert made.identity.still_recognised() == []
    # Nothing to strengthen: the first swap stands and says so.
    first = swap_photo(image, [avatar, avatar], swapper=IdentityMeshSwapper.strong(), analyser=analyser, faces=[0, 1],
                       judges=judges, stronger=IdentityMeshSwapper.strong())
    assert [face.strong for face in first.identity.faces] == [False, False]
    assert np.array_equal(first.image, made.image)


class SkipsOneFrame:
    """mesh@2.1, except that one frame comes back unswapped."""

    def __init__(self, frame: int):
        self.inner, self.frame, self.calls = IdentityMeshSwapper(), frame, 0
        self.name, self.driven_by = self.inner.name, None

    def swap(self, sources, target_image, target_faces, *, memory=None):
        self.calls += 1
        if self.calls == self.frame + 1:
            return target_image.copy()
        return self.inner.swap(sources, target_image, target_faces, memory=memory)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", clip_frames(320, 240, FRAMES), fps=FPS)


def test_the_video_check_finds_one_unswapped_frame_spliced_into_the_result(tmp_path, clip, analyser, judges):
    source = prepare_source(analyser, source_image())
    swapper = SkipsOneFrame(SPLICED)
    check = VideoIdentityCheck(judges)
    report = VideoSwap(source, swapper, analyser, check=check).run(clip, tmp_path / "out.mp4")
    assert swapper.calls == FRAMES and report.identity is not None and report.identity.video
    (person,) = report.identity.faces
    # Sampled twice a second, plus the frames the swap changed least: the spliced one among them.
    assert report.identity.judged_frames >= FRAMES / FPS * 2 + 1
    # Both judges find the spliced frame, each on its own.
    for reading in person.readings:
        assert reading.to_original < 0.05
        assert reading.worst_seconds == pytest.approx(SPLICED / FPS, abs=0.01)
        assert 1 <= reading.matching < person.moments
    assert 0 < person.matching_share < 1
    assert SPLICED / FPS == pytest.approx(person.matching_moments[0], abs=0.01)
    assert report.identity.still_recognised() == [0]
