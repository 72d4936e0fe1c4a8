"""The offline swapper: the source face warped along the landmark mesh onto each target face,
colour- and light-matched, and Poisson-blended in. OpenCV and numpy only, CPU."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..analysis.images import check_rgb_image
from ..licences import LICENCES
from ..types import Face, SourceFace
from . import regions
from .blend import ellipse, feathered_inside, feathered_outside, poisson_blend
from .colour import LabStats, lab_stats, match_shading, smoothed, to_lab, to_rgb, transfer
from .errors import SwapError
from .reshape import RING, identity_shape, warp_surroundings
from .sources import per_face_sources
from .warp import facing_triangles, frontal_layout, label_triangles, shown_share, triangle_affines, triangulate, warp_maps

# MeshSwapper paints the source's skin inside the target's outline; IdentityMeshSwapper also
# carries the source's face shape over (2.1: and leaves hair over the avatar's forehead unpainted).
SKIN_VERSION = "1.2"
IDENTITY_VERSION = "2.1"
# Margin around the landmarks' box for the working crop (fraction of the face height, plus pixels).
ROI_MARGIN = 0.08
# Feather widths, as fractions of the face height: the face's outline, the kept mouth, and the
# kept eyes (wider: the target's lashes fade into the source's lids instead of a cut-out edge).
SKIN_OUTLINE_FEATHER = 0.06
IDENTITY_OUTLINE_FEATHER = 0.03  # narrower: the surroundings are warped to the new outline
# How much of the source's face shape mesh@2.x takes (1: all of it; beyond 1 the difference
# from the target's shape is exaggerated), by default and in the stronger swap.
SHAPE = 1.2
STRONG_SHAPE = 1.3
MOUTH_FEATHER = 0.015
EYE_FEATHER = 0.03
# The target's mouth interior is kept once its lips part by this much of the face height.
MOUTH_OPEN = 0.02
# The target's eyes are kept when their width (pose) or openness (blink, squint) is this far off the source's.
EYE_WIDTH_RATIO = 0.7
EYE_OPENNESS_RATIO = 2.0
# Triangles higher up the forehead than this (0 at its top, 1 at the chin) are not swapped:
# there the source's fringe or hairline would paint strands onto the target's forehead.
FOREHEAD_CUT = 0.1
PREPARED_SOURCES = 16
# When the far half of a turned avatar shows less than this share of the near half's area
# (relative to their frontal areas; from a yaw of about 30 degrees), it is sampled from the
# near half, mirrored: squeezed and partly hidden behind the nose, the far half stretched onto
# a frontal target pulled the hair and background beside the far cheek into the face as a
# dark smear. The nose and lips on the midline stay the source's own.
TURNED = 0.5


# A source pixel inside the face region counts as skin (or a facial feature) unless its colour
# lies further than this from the source's skin colour, in skin spreads (CIELAB, per channel):
# what lies further is hair over the forehead or temples, a hat's brim, a strand on the cheek.
# Photoreal avatars have such hair where a 64 px DCGAN face had none; painted onto the target
# it came out as dark "war paint" streaks.
NOT_SKIN = 3.0


@dataclass(frozen=True)
class _Level:
    image: np.ndarray  # uint8 RGB crop around the source face, at this level's scale
    skin: np.ndarray  # float32 0..1: how surely each pixel shows the source's face, not hair over it
    points: np.ndarray  # (N, 2) landmarks in the crop's pixels
    sampled: np.ndarray  # (N, 2) where each landmark's pixels are taken from (mirrored for a turned source)
    face_height: float


@dataclass(frozen=True)
class _PreparedSource:
    levels: tuple[_Level, ...]  # full resolution first, then halved
    triangles: np.ndarray
    swapped: np.ndarray  # per triangle: part of the region swapped (not the upper forehead)
    stats: LabStats
    facemesh: bool
    landmarks: np.ndarray  # (N, 3) the source's landmarks in its image, depth included

    def level_for(self, target_height: float) -> _Level:
        """The smallest level still at least as large as the target face (no aliasing when
        shrinking a big avatar onto a small face; the full one when enlarging)."""
        chosen = self.levels[0]
        for level in self.levels[1:]:
            if level.face_height >= target_height:
                chosen = level
        return chosen


class MeshSwapper:
    """Puts a source face onto target faces by warping it triangle by triangle along their
    dense landmarks (FaceMesh's 468 from the offline analyser; any layout works when source
    and target share it).

    Per face, all on a crop around it: the mesh's triangles that face the camera are
    rasterised (so a turned head shows only its near side), the source is sampled through
    their affine maps with cubic interpolation (a 64 px avatar on a large face comes out
    smooth, not blocky), matched to the target's skin in Lab colour and slow lighting,
    Poisson-blended, and laid in under a mask feathered inwards from the mesh's outline.
    The target's mouth interior is kept when its mouth is open, and its eye openings (iris
    and whites, inside the lids) always: a small avatar's blurry, low-contrast eyes, shifted
    to the target's skin, came out as pale "ghost" eyes, and the target's keep its gaze and
    blinks; the lids, lashes' line and brows are the source's. With `keep_eyes=False` the
    target's eyes are kept only where the pose or a blink makes the source's a poor fit.
    Pixels outside the mesh are never written.

    Sources are prepared once (crop, pyramid, triangulation, colour statistics) and
    remembered; `swap` may be called from several threads.
    """

    name = f"mesh@{SKIN_VERSION}"
    driven_by = None  # no recogniser steers it
    licence = LICENCES["swapper", "mesh"]

    def __init__(self, *, poisson: bool = True, shading: bool = True, keep_eyes: bool = True,
                 outline_feather: float = SKIN_OUTLINE_FEATHER, skip_hair: bool = False):
        self.poisson = poisson
        self.shading = shading
        self.keep_eyes = keep_eyes
        self.outline_feather = outline_feather
        self.skip_hair = skip_hair
        self._prepared: OrderedDict[int, tuple[SourceFace, _PreparedSource]] = OrderedDict()
        self._lock = threading.Lock()

    def swap(
        self, sources: SourceFace | Sequence[SourceFace], target_image: np.ndarray, target_faces: Sequence[Face], *,
        memory: dict | None = None,
    ) -> np.ndarray:
        """A copy of `target_image` with each of `target_faces` replaced by its source face."""
        image = check_rgb_image(target_image)
        chosen = per_face_sources(sources, target_faces)
        output = image.copy()
        for source, face in zip(chosen, target_faces):
            self._swap_face(self._prepare(source), output, face, memory)
        return output

    def _prepare(self, source: SourceFace) -> _PreparedSource:
        key = id(source)
        with self._lock:
            if key in self._prepared and self._prepared[key][0] is source:
                self._prepared.move_to_end(key)
                return self._prepared[key][1]
        prepared = _prepare_source(source)
        with self._lock:
            # Holding the SourceFace keeps its id from being reused while it is remembered.
            self._prepared[key] = (source, prepared)
            while len(self._prepared) > PREPARED_SOURCES:
                self._prepared.popitem(last=False)
        return prepared

    def _swap_face(self, source: _PreparedSource, output: np.ndarray, face: Face, memory: dict | None) -> None:
        target = _dense_points(face, "target")
        if len(target) != len(source.levels[0].points):
            raise SwapError(
                f"the target face has {len(target)} landmarks but the source has {len(source.levels[0].points)}; "
                "analyse both with the same analyser")
        points = target[:, :2].astype(np.float64)
        height = _face_height(points, source.facemesh)
        image_height, image_width = output.shape[:2]
        margin = ROI_MARGIN * height + 4
        x0, y0 = np.floor(points.min(axis=0) - margin).astype(int)
        x1, y1 = np.ceil(points.max(axis=0) + margin).astype(int) + 1
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(image_width, x1), min(image_height, y1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return  # the face lies (almost) entirely outside the image
        local = points - (x0, y0)
        level = source.level_for(height)

        facing = facing_triangles(local, source.triangles)
        depth = target[:, 2] if target.shape[1] > 2 else None
        labels = label_triangles(local, source.triangles, (y1 - y0, x1 - x0), depth, facing)
        # Where the face shows: its camera-facing triangles, with the slivers between them
        # closed (the side of a nose seen at an angle faces away, yet belongs to the face).
        region = np.where((labels >= 0) & (facing & source.swapped)[labels], 255, 0).astype(np.uint8)
        closing = max(1, round(height / 25))
        region = cv2.morphologyEx(region, cv2.MORPH_CLOSE, ellipse(closing))
        region[labels < 0] = 0
        if not region.any():
            return
        triangles = source.triangles
        map_x, map_y = warp_maps(labels, triangle_affines(level.sampled, local, triangles))
        warped = cv2.remap(level.image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)

        crop = output[y0:y1, x0:x1]
        kept = _kept_regions(local, level.points, region.shape, self.keep_eyes) if source.facemesh else None
        skin = _skin(local, region, height) if source.facemesh else cv2.erode(region, None, iterations=2)

        warped_lab, crop_lab = to_lab(warped), to_lab(crop)
        target_stats = lab_stats(crop_lab, skin)
        if target_stats is not None:
            target_stats = smoothed(memory, face.extra.get("track"), target_stats)
            transfer(warped_lab, source.stats, target_stats)
            if self.shading:
                match_shading(warped_lab, crop_lab, skin, sigma=max(1.0, height / 8))
        corrected = to_rgb(warped_lab)
        if self.poisson:
            corrected = poisson_blend(corrected, crop, cv2.erode(region, None, iterations=max(1, round(height / 40))))

        alpha = feathered_inside(region, round(self.outline_feather * height))
        if self.skip_hair:  # where the source shows hair over its face, the target's own pixels stay
            alpha *= cv2.remap(level.skin, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if kept is not None:
            mouth, eyes = kept
            alpha *= feathered_outside(mouth, round(MOUTH_FEATHER * height) + 1)
            alpha *= feathered_outside(eyes, round(EYE_FEATHER * height) + 1)
        inside = alpha > 0
        weight = alpha[inside][:, None]
        mixed = crop[inside] * (1.0 - weight) + corrected[inside] * weight
        crop[inside] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _dense_points(face: Face, role: str) -> np.ndarray:
    if face.landmarks is None or len(face.landmarks) < 3:
        raise SwapError(
            f"the {role} face has no dense landmarks; the mesh swapper needs them "
            "(the offline analyser gives 468): analyse with it, or use the inswapper swapper")
    return np.asarray(face.landmarks, np.float64)


def _face_height(points: np.ndarray, facemesh: bool) -> float:
    if facemesh:
        return regions.face_height(points)
    return float(max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 1.0))


def _prepare_source(source: SourceFace) -> _PreparedSource:
    image = check_rgb_image(source.image)
    points = _dense_points(source.face, "source")[:, :2]
    facemesh = len(points) == regions.FACEMESH_POINTS
    height = _face_height(points, facemesh)
    # A generous crop: the remap's cubic kernel and reflected border never reach into the face.
    margin = 0.25 * height + 4
    x0, y0 = np.floor(points.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) + margin).astype(int) + 1
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.shape[1], x1), min(image.shape[0], y1)
    layout = frontal_layout(_dense_points(source.face, "source"), regions.FRONT_PLANE if facemesh else None)
    triangles = triangulate(layout)
    identity = np.arange(len(points))
    sampled, beside = _sampled_points(points, layout, triangles) if facemesh else (identity, identity)
    crop, local = np.ascontiguousarray(image[y0:y1, x0:x1]), points - (x0, y0)
    taken = (local[sampled] + local[beside]) / 2
    region = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillConvexPoly(region, cv2.convexHull(np.round(local).astype(np.int32)), 255)
    skin_mask = _skin(local, region, height) if facemesh else cv2.erode(region, None, iterations=2)
    stats = lab_stats(to_lab(crop), skin_mask)
    if stats is None:
        raise SwapError("the source face is too small to take its colours from")
    skin = _skin_weight(crop, local, stats, height) if facemesh else np.ones(crop.shape[:2], np.float32)
    levels = [_Level(crop, skin, local, taken, height)]
    while min(crop.shape[:2]) >= 32 and height >= 32:
        crop, local, taken, height = cv2.pyrDown(crop), (local + 0.5) / 2 - 0.5, (taken + 0.5) / 2 - 0.5, height / 2
        skin = cv2.pyrDown(skin)
        levels.append(_Level(crop, skin, local, taken, height))
    mirrored = sampled != identity
    # The source hides what faces away from its camera: those triangles are not swapped. On a
    # mirrored far half, all seen on the near half, that is what runs clockwise there.
    own, far = ~mirrored[triangles].any(axis=1), mirrored[triangles].all(axis=1)
    facing = facing_triangles(points[sampled], triangles)
    triangles = triangles[(own & facing) | (far & ~facing) | ~(own | far)]
    swapped = np.ones(len(triangles), bool)
    if facemesh:
        down = layout[regions.CHIN] - layout[regions.FOREHEAD_TOP]
        along = (layout - layout[regions.FOREHEAD_TOP]) @ down / float(down @ down)
        swapped = along[triangles].mean(axis=1) >= FOREHEAD_CUT
    return _PreparedSource(tuple(levels), triangles, swapped, stats, facemesh, _dense_points(source.face, "source"))


def _sampled_points(points: np.ndarray, layout: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per landmark, two landmarks halfway between whose source positions it is sampled:
    itself twice, or for the far half of a turned source its mirror image on the near half.
    Landmarks, not triangles, are mirrored, so the warp stays continuous (folded along the midline)."""
    side = np.sign(regions.MIRROR - np.arange(len(regions.MIRROR)))  # +1 right, -1 left, 0 midline
    corners = side[triangles]
    right = (corners > 0).any(axis=1) & ~(corners < 0).any(axis=1)
    left = (corners < 0).any(axis=1) & ~(corners > 0).any(axis=1)
    shown_right, shown_left = shown_share(points, layout, triangles[right]), shown_share(points, layout, triangles[left])
    identity = np.arange(len(points))
    if min(shown_right, shown_left) >= TURNED * max(shown_right, shown_left):
        return identity, identity
    near_side = -1 if shown_right < shown_left else 1
    sampled = np.where(side == -near_side, regions.MIRROR, identity)
    # The midline of a turned face is its silhouette (the nose's ridge against the far cheek):
    # sampled there, it draws a dark line down the fold. Its points are taken from halfway
    # to their nearest near-side neighbour in the frontal layout instead.
    near = np.flatnonzero(side == near_side)
    midline = np.array(regions.MIDLINE)
    distances = np.linalg.norm(layout[midline, None] - layout[near][None], axis=2)
    beside = sampled.copy()
    beside[midline] = near[distances.argmin(axis=1)]
    return sampled, beside


def _polygon(mask: np.ndarray, points: np.ndarray, indices: tuple[int, ...], value: int = 255) -> None:
    cv2.fillPoly(mask, [np.round(points[list(indices)] * 16).astype(np.int32)], value, cv2.LINE_8, shift=4)


def _skin(points: np.ndarray, region: np.ndarray, height: float) -> np.ndarray:
    """The mesh region without eyes, brows and mouth, pulled in from its edge: where skin colour is measured."""
    features = np.zeros_like(region)
    for part in (regions.RIGHT_EYE, regions.LEFT_EYE, regions.RIGHT_BROW, regions.LEFT_BROW, regions.MOUTH_OPENING):
        _polygon(features, points, part)
    grow = max(1, round(height / 30))
    features = cv2.dilate(features, None, iterations=grow)
    skin = cv2.erode(region, None, iterations=grow)
    skin[features > 0] = 0
    return skin


def _skin_weight(crop: np.ndarray, points: np.ndarray, stats: LabStats, height: float) -> np.ndarray:
    """Per source pixel, 1 where it shows the face and 0 where hair falls over it: above the nose
    tip (hair falls from above; a beard or moustache below it is the avatar's own), a colour
    far from the face's skin (NOT_SKIN), softened. The eyes and brows always count as the face."""
    distance = np.linalg.norm((to_lab(crop) - stats.mean) / stats.std, axis=2)
    foreign = (distance > NOT_SKIN).astype(np.uint8)
    foreign[max(0, int(points[regions.NOSE_TIP, 1])):] = 0
    features = np.zeros(crop.shape[:2], np.uint8)
    for part in (regions.RIGHT_EYE, regions.LEFT_EYE, regions.RIGHT_BROW, regions.LEFT_BROW):
        _polygon(features, points, part)
    features = cv2.dilate(features, None, iterations=max(1, round(height / 30)))
    foreign[features > 0] = 0
    # Pores, moles and specks stay the face; only areas of a few pixels across count as hair.
    size = max(1, round(height / 60))
    foreign = cv2.morphologyEx(foreign, cv2.MORPH_OPEN, ellipse(size))
    foreign = cv2.dilate(foreign, ellipse(size))
    return cv2.GaussianBlur(1.0 - foreign.astype(np.float32), (0, 0), max(1.0, height / 60))


def _kept_regions(target: np.ndarray, source: np.ndarray, shape: tuple[int, int], eyes: bool,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 masks of the target's own features to keep: an open mouth's interior (the source
    has no teeth or tongue to show), and its eye openings: all of them when `eyes`, else each
    one whose pose or blink the source's cannot match."""
    mouth, kept_eyes = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    if regions.mouth_openness(target) > MOUTH_OPEN:
        _polygon(mouth, target, regions.MOUTH_OPENING)
    for opening, axes in ((regions.RIGHT_EYE, regions.RIGHT_EYE_AXES), (regions.LEFT_EYE, regions.LEFT_EYE_AXES)):
        turned = regions.eye_width(target, axes) < EYE_WIDTH_RATIO * regions.eye_width(source, axes)
        target_open, source_open = regions.eye_openness(target, axes), regions.eye_openness(source, axes)
        blinking = max(target_open, source_open) > EYE_OPENNESS_RATIO * max(1e-3, min(target_open, source_open))
        if eyes or turned or blinking:
            _polygon(kept_eyes, target, opening)
    return mouth, kept_eyes


class IdentityMeshSwapper(MeshSwapper):
    """mesh@2.x: the mesh swap with the source's identity carried over, not only its skin.

    Before the source is painted in, the target face's landmarks are replaced by the
    source's face shape in the target's pose and expression (reshape.identity_shape: the
    source's outline, jaw, nose, cheeks and the place and size of its eyes, brows and mouth;
    the target's mouth and eyelid shapes), and the target image around the face is warped
    so its outline follows (reshape.warp_surroundings). `shape` sets how much of it is
    taken (0: none, 1: all; beyond 1 the difference from the target's shape is
    exaggerated, SHAPE by default).

    Every lever below can be undone one at a time by bench/bench_identity.py --levers, which
    prints what each does to both judges and to how natural the result stays (the README
    gives the table): the source's shape; Poisson blending (off: it carries the target's
    colour gradients in from the outline); the outline's feather; the source's eye shape,
    parted like the target's; the target's eye openings (iris and whites), kept by default
    so the gaze stays the target's, where `keep_eyes=False` takes the avatar's; the shading
    transfer; and `skip_hair`: where the avatar's hair falls over its forehead or temples,
    the target's own pixels stay (painted in, it shows as dark streaks). `strong()` is the
    stronger setting the worker uses for the faces a judge still knows
    (swapping.swap_photo). Version 1.2 is `MeshSwapper`.
    """

    name = f"mesh@{IDENTITY_VERSION}"

    def __init__(self, *, shape: float = SHAPE, poisson: bool = False, keep_eyes: bool = True,
                 outline_feather: float = IDENTITY_OUTLINE_FEATHER, eye_shape: str = "source", skip_hair: bool = True, **options):
        super().__init__(poisson=poisson, keep_eyes=keep_eyes, outline_feather=outline_feather, skip_hair=skip_hair,
                         **options)
        self.shape = shape
        self.eye_shape = eye_shape

    @classmethod
    def strong(cls) -> IdentityMeshSwapper:
        """The source's eyes too, no target shading, and its shape exaggerated by STRONG_SHAPE:
        less natural, harder to recognise."""
        swapper = cls(shape=STRONG_SHAPE, keep_eyes=False, shading=False)
        swapper.name = f"mesh@{IDENTITY_VERSION}+strong"
        return swapper

    def _swap_face(self, source: _PreparedSource, output: np.ndarray, face: Face, memory: dict | None) -> None:
        target = _dense_points(face, "target")
        if not source.facemesh or len(target) != len(source.landmarks) or self.shape <= 0:
            return super()._swap_face(source, output, face, memory)
        reshaped = identity_shape(target, source.landmarks, self.shape, eye_shape=self.eye_shape)
        # The warped ring reaches RING beyond the outline, measured from the face's centre.
        both = np.vstack([target[:, :2], reshaped[:, :2]])
        centre = both.mean(axis=0)
        reach = np.abs(both - centre).max(axis=0) * (1.0 + RING) + 4
        height, width = output.shape[:2]
        x0, y0 = np.maximum(np.floor(centre - reach).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(centre + reach).astype(int) + 1, (width, height))
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            offset = np.array([x0, y0], np.float64)
            warp_surroundings(output[y0:y1, x0:x1], target[:, :2] - offset, reshaped[:, :2] - offset)
        moved = reshaped.astype(np.float32)
        if target.shape[1] > 2 and moved.shape[1] > 2:
            moved[:, 2] = target[:, 2]  # keep the target's depth order for the rasteriser
        super()._swap_face(source, output, dataclasses.replace(face, landmarks=moved), memory)
