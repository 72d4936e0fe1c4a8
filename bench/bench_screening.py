"""What screening uploads for sexual content costs, and whether it refuses the project's own pictures.

    .venv/bin/python bench/bench_screening.py [--runs 5]

NudeNet's detector (`320n.onnx` from its wheel) on one thread, as a worker runs it: ms per
720p frame; ms per upload of the soak benchmark's size (insightface's group photo at 640 px)
and for a 10 s 720p clip at 25 fps sampled once a second (decoding included); and the scores
of insightface's bundled photos, the sample clip's frames and 20 DCGAN avatars (none may be
refused: the default threshold is 0.5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from samples.clips import PHOTOS, T1, clip_frames, write_clip  # noqa: E402
from facekit.engines.analysis import OfflineAnalyser, read_image  # noqa: E402
from facekit.engines.screening import Screening, load_screener  # noqa: E402
from facekit.engines.video import sampled_frames  # noqa: E402

THRESHOLD = 0.5


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import cv2

    screener = load_screener("auto")
    screening = Screening(screener, THRESHOLD, 0.1)
    frame = clip_frames(1280, 720, 1)[0]
    group = read_image(T1)
    soak_photo = cv2.resize(group, (640, round(640 * group.shape[0] / group.shape[1])), interpolation=cv2.INTER_AREA)
    clip = write_clip(Path(tempfile.mkdtemp()) / "clip.mp4", clip_frames(1280, 720, 250), fps=25)

    print(f"{screener.name}, one thread, median of {args.runs} runs")
    print("| what | ms |")
    print("|---|---|")
    print(f"| one 1280x720 frame | {median_ms(lambda: screener.score(frame), args.runs):.0f} |")
    print(f"| a soak-sized photo upload ({soak_photo.shape[1]}x{soak_photo.shape[0]}) | "
          f"{median_ms(lambda: screening.photo(soak_photo), args.runs):.0f} |")
    print(f"| a 10 s 720p clip, one frame a second (decoding included) | "
          f"{median_ms(lambda: screening.frames(sampled_frames(clip, 1.0)), max(1, args.runs // 2)):.0f} |")

    from facekit.engines.generation.dcgan import DcganGenerator

    generator = DcganGenerator(OfflineAnalyser())
    pictures = {path.name: read_image(path) for path in sorted(PHOTOS.glob("*.*"))}
    pictures.update({f"clip frame {i}": f for i, f in enumerate(clip_frames(1280, 720, 250)[::25])})
    pictures.update({f"DCGAN avatar {seed}": generator.generate({}, [seed], 512)[0] for seed in range(1, 21)})
    scores = {name: screener.score(picture) for name, picture in pictures.items()}
    refused = [name for name, score in scores.items() if score >= THRESHOLD]
    print(f"\nFalse positives: {len(refused)} of {len(scores)} of the project's own pictures refused "
          f"(highest score {max(scores.values()):.3f}){': ' + ', '.join(refused) if refused else ''}")


if __name__ == "__main__":
    main()
