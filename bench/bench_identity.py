"""Does a swapped face still look like the person? Each identity judge's verdict, per swapper.

    .venv/bin/python bench/bench_identity.py [--avatars 8] [--generator auto] [--swappers mesh-1.2,mesh] [--video-seconds 6]

Photos: the real ones that ship inside installed packages (insightface's t1.jpg with six
people and Tom_Hanks_54745.png, scikit-image's astronaut), each also rescaled to 60 % and
JPEG-encoded at quality 70. Avatars: the first N seeds from 1 on whose face (the --generator's,
by default the studio's offline one, at 1024 px as the studio makes it) shows exactly one face. Every face of every photo gets every avatar.
The judges are the worker's (SAFEFACE_RECOGNISER's "auto": dlib's ResNet and SFace). Per judge,
"de-identified" means the result is at or above its threshold from the same face in the photo,
"as their avatar" below it from the avatar; "both" is the product's rule (hidden only when no
judge matches; like the avatar to every judge), "agree" the share of faces the judges give the
same de-identified verdict. inswapper's row appears when its weights are in the models folder
(SAFEFACE_MODELS_DIR, default var/models). The video row swaps bench_video.py's 720p clip.
Timings: one process, OpenCV and dlib on one thread, pinned to one core, except the video
row (both cores, as a worker with the machine to itself).

Naturalness besides the judge: still found as a face by two detectors, pose and expression
kept, sharpness against the photo's, and skin continuity: the CIELAB distance between the
face's cheeks and the skin just outside the swapped region (below the chin, beside the face
towards the ears), after the swap against the same distance in the photo: the median of the
change, face by face. A pasted mask shows as a step there.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from bench_analysis import one_face_photo
from bench_video import build_clip
from skimage import data as skimage_data

from facekit.engines.analysis import OfflineAnalyser, read_image
from facekit.engines.measure import MESH_CHEEKS, to_lab
from facekit.engines.registry import load_generator
from facekit.engines.recognition import VideoIdentityCheck, check_photo, load_judges
from facekit.engines.swapping import MeshSwapper, load_swapper, prepare_source, regions, swap_photo
from facekit.engines.video import VideoSwap

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL_CORES = frozenset(os.sched_getaffinity(0))  # the timings pin to one of them, the video row uses all
PHOTOS = Path(__import__("insightface").__file__).parent / "data" / "images"


def photos() -> dict[str, np.ndarray]:
    originals = {
        "t1.jpg": read_image(PHOTOS / "t1.jpg"),
        "Tom_Hanks": read_image(PHOTOS / "Tom_Hanks_54745.png"),
        "astronaut": np.ascontiguousarray(skimage_data.astronaut()),
    }
    found = dict(originals)
    for name, image in originals.items():
        found[f"{name} 60% q70"] = reencoded(image, 0.6, 70)
    return found


def reencoded(image: np.ndarray, scale: float, quality: int) -> np.ndarray:
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def avatars(generator_name: str, analyser, count: int) -> list[tuple[int, np.ndarray]]:
    generator = load_generator(generator_name, analyser=analyser)
    found = []
    for seed in itertools.count(1):
        (image,) = generator.generate({}, [seed], 1024)
        if len(analyser.detect(image)) == 1:
            found.append((seed, image))
        if len(found) == count:
            return found


def pose(face) -> tuple[float, float]:
    """Yaw and pitch in degrees from the normal of FaceMesh's front plane."""
    points = np.asarray(face.landmarks, np.float64)[list(regions.FRONT_PLANE)]
    _, _, axes = np.linalg.svd(points - points.mean(axis=0))
    normal = axes[2] * (-1 if axes[2][2] > 0 else 1)  # towards the camera (negative z)
    return float(np.degrees(np.arctan2(normal[0], -normal[2]))), float(np.degrees(np.arctan2(normal[1], -normal[2])))


def openness(face) -> tuple[float, float]:
    points = np.asarray(face.landmarks, np.float64)
    eyes = (regions.eye_openness(points, regions.RIGHT_EYE_AXES) + regions.eye_openness(points, regions.LEFT_EYE_AXES)) / 2
    return regions.mouth_openness(points), eyes


def sharpness(image: np.ndarray, face) -> float:
    x1, y1, x2, y2 = (int(round(v)) for v in face.box)
    grey = cv2.cvtColor(image[max(0, y1):y2, max(0, x1):x2], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


# FaceMesh points just inside the swapped region's edge: the chin and the two sides of the face.
CHIN, RIGHT_EDGE, LEFT_EDGE = 152, 234, 454


def skin_step(image: np.ndarray, face) -> float:
    """CIELAB distance between the cheeks' median colour and the skin just outside the face
    (below the chin, and beside each side of the face towards the ears)."""
    lab = to_lab(image)
    points = np.asarray(face.landmarks, np.float64)[:, :2]
    centre = points.mean(axis=0)
    radius = max(2, int(0.04 * face.height))

    def patch(x: float, y: float) -> np.ndarray:
        x, y = int(round(x)), int(round(y))
        return lab[max(0, y - radius):y + radius + 1, max(0, x - radius):x + radius + 1].reshape(-1, 3)

    cheeks = np.concatenate([patch(*points[i]) for i in MESH_CHEEKS])
    outside = [points[CHIN] + (0, 0.12 * face.height)]
    outside += [points[i] + 0.12 * (points[i] - centre) for i in (RIGHT_EDGE, LEFT_EDGE)]
    around = np.concatenate([patch(*p) for p in outside])
    if not len(cheeks) or not len(around):
        return float("nan")
    return float(np.linalg.norm(np.median(cheeks, axis=0) - np.median(around, axis=0)))


def iou(a, b) -> float:
    x1, y1, x2, y2 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def share(values) -> str:
    values = list(values)
    return f"{100 * sum(values) / len(values):.0f} %" if values else "-"


def calibration(judge, analyser) -> None:
    print(f"Calibration of {judge.name} on the packaged photos (its threshold {judge.threshold:g}):")
    group = read_image(PHOTOS / "t1.jpg")
    faces = analyser.detect(group)
    vectors = judge.embed_many(group, faces)
    apart = [judge.distance(a, b) for a, b in itertools.combinations(vectors, 2)]
    print(f"| six people of t1.jpg, pairwise                  | min {min(apart):.2f}, median {statistics.median(apart):.2f} |")
    for scale, quality in ((0.6, 70),):
        copy = reencoded(group, scale, quality)
        copies = judge.embed_many(copy, analyser.detect(copy))
        same = [min(judge.distance(a, b) for b in copies if b is not None) for a in vectors]
        print(f"| each face vs itself at {int(scale * 100)} %, JPEG q{quality}            | max {max(same):.2f} |")
    # Each of the seven people shrunk until its face box is `side` px tall, JPEG q70, against itself
    # at full size: where the judge stops knowing a face, it would call the same person "not them".
    people = [(group, face) for face in faces]
    portrait = read_image(PHOTOS / "Tom_Hanks_54745.png")
    people += [(portrait, analyser.detect(portrait)[0])]
    references = [judge.embed(image, face) for image, face in people]
    row = []
    for side in (32, 40, 48, 56, 64, 80):
        worst, judged = 0.0, 0
        for (image, face), reference in zip(people, references):
            x1, y1, x2, y2 = (int(v) for v in face.box)
            pad = int(face.height)
            crop = image[max(0, y1 - pad):y2 + pad, max(0, x1 - pad):x2 + pad]
            small = reencoded(crop, side / face.height, 70)
            found = [f for f in analyser.detect(small) if abs(f.height - side) < 0.35 * side]
            vector = judge.embed(small, max(found, key=lambda f: f.area)) if found else None
            if vector is not None:
                worst, judged = max(worst, judge.distance(vector, reference)), judged + 1
        if not judged:
            row.append(f"{side} px: none judged")
            continue
        row.append(f"{side} px: {worst:.2f}" + (f" ({judged}/{len(people)})" if judged < len(people) else ""))
    print(f"| seven people shrunk (face box height), JPEG q70, worst distance to themselves | {', '.join(row)} "
          f"(judged from {judge.min_face} px; (n/7): the others too small or not found) |")
    print()


def swapper_rows(name, swapper, judges, analyser, dlib_detector, sources, pictures, stronger=None) -> dict:
    results = {"deid": {}, "avatar": {}, "found": [], "yaw": [], "pitch": [], "mouth": [], "eyes": [], "sharp": [],
               "persona": [], "ms": [], "skin": []}
    by_avatar: dict[int, list[list[np.ndarray]]] = {}
    found_before = {label: dlib_detector(photo, 1) for label, photo in pictures.items()}
    for (seed, _), source in sources:
        for label, photo in pictures.items():
            faces = analyser.detect(photo)
            started = time.perf_counter()
            if stronger is None:
                result = swapper.swap(source, photo, faces)
                results["ms"].append(1000 * (time.perf_counter() - started) / max(1, len(faces)))
                check = check_photo(judges, photo, result, faces, [source] * len(faces))
            else:  # the worker's way: the stronger swap where the first still matches
                made = swap_photo(photo, source, swapper=swapper, analyser=analyser, judges=judges, stronger=stronger)
                result, check = made.image, made.identity
                results["ms"].append((1000 * (time.perf_counter() - started) - check.ms) / max(1, len(faces)))
            again = analyser.detect(result)
            hog, hog_before = dlib_detector(result, 1), found_before[label]
            for face, entry in zip(faces, check.faces):
                if any(not reading.judged for reading in entry.readings):
                    continue
                for reading in entry.readings:
                    results["deid"].setdefault(reading.judge, []).append(not reading.matches)
                    results["avatar"].setdefault(reading.judge, []).append(reading.like_avatar)
                results["deid"].setdefault("both", []).append(not entry.still_recognised)
                results["avatar"].setdefault("both", []).append(all(r.like_avatar for r in entry.readings))
                results["deid"].setdefault("agree", []).append(len({r.matches for r in entry.readings}) == 1)
                by_avatar.setdefault(seed, []).append([judge.embed(result, face) for judge in judges])
                match = max(again, key=lambda other: iou(other.box, face.box), default=None)
                in_hog = any(iou((r.left(), r.top(), r.right(), r.bottom()), face.box) > 0.3 for r in hog)
                # Counted where both analysers find the face in the photo itself.
                if any(iou((r.left(), r.top(), r.right(), r.bottom()), face.box) > 0.3 for r in hog_before):
                    results["found"].append(match is not None and iou(match.box, face.box) > 0.3 and in_hog)
                if match is not None and iou(match.box, face.box) > 0.3:
                    (yaw0, pitch0), (yaw1, pitch1) = pose(face), pose(match)
                    (mouth0, eyes0), (mouth1, eyes1) = openness(face), openness(match)
                    results["yaw"].append(abs(yaw1 - yaw0))
                    results["pitch"].append(abs(pitch1 - pitch0))
                    results["mouth"].append(abs(mouth1 - mouth0))
                    results["eyes"].append(abs(eyes1 - eyes0))
                    results["skin"].append(abs(skin_step(result, match) - skin_step(photo, face)))
                results["sharp"].append(sharpness(result, face) / max(sharpness(photo, face), 1e-6))
    for vectors in by_avatar.values():  # the same person to every judge
        results["persona"] += [all(judge.distance(x, y) < judge.threshold for judge, x, y in zip(judges, a, b))
                               for a, b in itertools.combinations(vectors, 2)]
    return results


def levers() -> dict:
    """mesh@2.1 with one lever undone at a time (each back to mesh@1.2's way), and the stronger setting."""
    from facekit.engines.swapping.mesh import SKIN_OUTLINE_FEATHER, IdentityMeshSwapper

    variants = {
        "no shape": IdentityMeshSwapper(shape=0.0),
        "shape 1.0": IdentityMeshSwapper(shape=1.0),
        "Poisson": IdentityMeshSwapper(poisson=True),
        "6% feather": IdentityMeshSwapper(outline_feather=SKIN_OUTLINE_FEATHER),
        "target eye shape": IdentityMeshSwapper(eye_shape="target"),
        "source eyes": IdentityMeshSwapper(keep_eyes=False),
        "no shading": IdentityMeshSwapper(shading=False),
        "hair painted": IdentityMeshSwapper(skip_hair=False),
        "strong": IdentityMeshSwapper.strong(),
    }
    for label, swapper in variants.items():
        if label != "strong":
            swapper.name = f"2.1 {label}"
    return variants


def video_row(swapper, judges, analyser, source, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        clip = build_clip(Path(folder) / "clip.mp4", seconds)
        check = VideoIdentityCheck(judges)
        started = time.perf_counter()
        report = VideoSwap(source, swapper, analyser, check=check).run(clip, Path(folder) / "out.mp4")
        elapsed = time.perf_counter() - started
    return {"fps": report.frames / elapsed, "person": report.identity.faces[0], "judged": report.identity.judged_frames,
            "check_ms": report.identity.ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--avatars", type=int, default=8)
    parser.add_argument("--generator", default="auto", help="the avatars' generator (auto: the studio's offline one)")
    parser.add_argument("--swappers", default="mesh-1.2,mesh")
    parser.add_argument("--video-seconds", type=float, default=6.0)
    parser.add_argument("--speed-only", action="store_true", help="only the timings and the video row")
    parser.add_argument("--levers", action="store_true",
                        help="also mesh@2.0 with each of its levers undone, and its stronger setting")
    arguments = parser.parse_args()
    cv2.setNumThreads(1)
    os.sched_setaffinity(0, {sorted(ORIGINAL_CORES)[0]})
    import dlib

    analyser = OfflineAnalyser(num_threads=1)
    judges = load_judges("auto")
    models = Path(os.environ.get("SAFEFACE_MODELS_DIR", ROOT / "var" / "models"))
    names = arguments.swappers.split(",")
    if (models / "insightface" / "inswapper_128.onnx").is_file():
        names.append("inswapper")
    # mesh@1.2 is no setting (it leaves most people recognisable); it stays here for comparison.
    swappers = {name: MeshSwapper() if name == "mesh-1.2" else load_swapper(name, models) for name in names}
    if arguments.levers:
        swappers.update(levers())
    made = avatars(arguments.generator, analyser, arguments.avatars)
    sources = [((seed, image), prepare_source(analyser, image)) for seed, image in made]
    pictures = photos()
    faces = sum(len(analyser.detect(photo)) for photo in pictures.values())
    named = ", ".join(f"{judge.name} (threshold {judge.threshold:g})" for judge in judges)
    print(f"{len(made)} avatars of {arguments.generator} (seeds {', '.join(str(seed) for seed, _ in made)}) x {faces} faces in "
          f"{len(pictures)} photos; judges {named}; 1 core\n")

    if arguments.speed_only:
        speed(arguments, analyser, judges, swappers, names, made, sources)
        return
    for judge in judges:
        calibration(judge, analyser)
        vectors = [judge.embed(image, source.face) for (_, image), source in sources]
        distinct = [judge.distance(a, b) >= judge.threshold for a, b in itertools.combinations(vectors, 2)]
        print(f"Avatars distinct to {judge.name} (pairwise at or above its threshold): {share(distinct)} "
              f"of {len(distinct)} pairs\n")

    dlib_detector = dlib.get_frontal_face_detector()
    rows = {name: swapper_rows(name, swapper, judges, analyser, dlib_detector, sources, pictures)
            for name, swapper in swappers.items()}
    if "mesh" in swappers:  # what the worker does: faces the judge still knows get the stronger swap
        worker = load_swapper("mesh", models)
        worker.name = f"{worker.name} (worker)"
        swappers["worker"] = worker
        rows["worker"] = swapper_rows("worker", worker, judges, analyser, dlib_detector, sources, pictures,
                                      stronger=load_swapper("mesh", models, strong=True))
    columns = [judge.name for judge in judges] + ["both"]
    print("De-identified (no longer matched to the photo's face) and as their avatar, per judge:")
    print("| swapper            | " + " | ".join(f"de-id. {c.split('@')[0]}" for c in columns) + " | judges agree | "
          + " | ".join(f"as avatar {c.split('@')[0]}" for c in columns) + " |")
    print("|---" * (2 * len(columns) + 2) + "|")
    for name, r in rows.items():
        print(f"| {swappers[name].name:<18} | " + " | ".join(share(r["deid"].get(c, [])) for c in columns)
              + f" | {share(r['deid'].get('agree', []))} | " + " | ".join(share(r["avatar"].get(c, [])) for c in columns) + " |")
    print()
    print("| swapper            | persona consistent (every judge) | still a face (both detectors) | |Δyaw| | |Δpitch| "
          "| |Δmouth| | |Δeyes| | sharpness ratio | skin step change ΔE | swap ms/face |")
    print("|--------------------|---------------|---------------------|-------|---------"
          "|----------|---------|-----------------|---------------------|--------------|")
    for name, r in rows.items():
        print(f"| {swappers[name].name:<18} | {share(r['persona']):>13} "
              f"| {share(r['found']):>19} | {np.mean(r['yaw']):4.1f}° | {np.mean(r['pitch']):6.1f}° | {np.mean(r['mouth']):8.3f} "
              f"| {np.mean(r['eyes']):7.3f} | {np.median(r['sharp']):15.2f} "
              f"| {np.nanmedian(r['skin']):19.1f} | {np.median(r['ms']):12.0f} |")
    print(f"({len(rows[names[0]]['deid']['both'])} judged faces per swapper; |Δmouth| in face heights, |Δeyes| in lid gap / "
          "eye width; still a face: found again by the offline analyser and dlib's HOG detector, of the faces both find in "
          "the photo)\n")

    speed(arguments, analyser, judges, swappers, names, made, sources)


def speed(arguments, analyser, judges, swappers, names, made, sources) -> None:
    """The check's own cost and a one-face 720p photo with its check on one core; the video row."""
    all_cores = set(ORIGINAL_CORES)
    photo = one_face_photo()
    (face,) = analyser.detect(photo)
    source = sources[0][1]
    for judge in judges:
        for _ in range(2):
            judge.embed(photo, face)
        started = time.perf_counter()
        for _ in range(10):
            judge.embed(photo, face)
        print(f"| {judge.name}: ms per face embedded (one core) | {100 * (time.perf_counter() - started):.0f} |")
    for name, swapper in list(swappers.items())[:len(names)]:
        swapper.swap(source, photo, [face])
        started = time.perf_counter()
        for _ in range(5):
            faces = analyser.detect(photo)
            result = swapper.swap(source, photo, faces)
            check_photo(judges, photo, result, faces, [source])
        print(f"| {swapper.name:<13} 1280x720 one-face photo: detect + swap + check, ms | {200 * (time.perf_counter() - started):.0f} |")
    print()

    os.sched_setaffinity(0, all_cores)
    cv2.setNumThreads(len(all_cores))
    print(f"Video: bench_video.py's 1280x720 clip, {arguments.video_seconds:g} s at 30 fps, avatar {made[0][0]}, "
          f"{len(all_cores)} cores")
    print("| swapper       | judge | frames/s with check | judged moments | worst moment (distance, time) "
          "| moments de-identified | identity jitter | to avatar (median) | check ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, swapper in list(swappers.items())[:len(names)]:
        row = video_row(swapper, judges, analyser, source, arguments.video_seconds)
        person = row["person"]
        for reading in person.readings:
            print(f"| {swapper.name:<13} | {reading.judge.split('@')[0]} | {row['fps']:.1f} | {row['judged']} | "
                  f"{reading.to_original if reading.judged else float('nan'):.2f} at {reading.worst_seconds or 0:.1f} s "
                  f"| {100 * (1 - reading.matching / max(person.moments, 1)):.0f} % | {reading.jitter or 0:.2f} "
                  f"| {reading.to_avatar or float('nan'):.2f} | {row['check_ms']:.0f} |")
        print(f"| {swapper.name:<13} | both | | | | {100 * (1 - person.matching_share):.0f} % | | | |")


if __name__ == "__main__":
    main()
