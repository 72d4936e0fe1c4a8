"""Live's desktop companion: your webcam, swapped, into an OS virtual camera that any video call
app can choose (v4l2loopback on Linux, loaded with `exclusive_caps=1`; OBS Virtual Camera on macOS
and Windows).

    .venv/bin/python -m safeface.live --camera 0 --avatar 12

It runs on this machine's SafeFace install (its database and models, like `make run`), with the
same engines as the live worker: the tracker, the stronger swap, the identity judges beside the
frames. It fails closed as Live does: the virtual camera only ever gets what LiveSwap hands back
(swapped, held, or blurred; never the camera's frame). It needs the `virtualcam` extra
(`pip install -e ".[virtualcam]"`: pyvirtualcam, GPL-2.0).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections import Counter

import cv2

logger = logging.getLogger("safeface.live")


def run(capture, camera, live, *, size: tuple[int, int], frames: int | None = None) -> Counter:
    """Read `capture` (an OpenCV VideoCapture), swap, send to `camera` (a pyvirtualcam Camera)
    until the capture ends, `frames` were sent or Ctrl-C; returns the count of each state."""
    states: Counter = Counter()
    started = time.monotonic()
    try:
        while frames is None or sum(states.values()) < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            if rgb.shape[1::-1] != size:
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            shown = live(rgb, time.monotonic() - started)
            camera.send(shown.image)
            states[str(shown.state)] += 1
            camera.sleep_until_next_frame()
    except KeyboardInterrupt:
        pass
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m safeface.live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--camera", default="0", help="the webcam's index (0, 1, ...) or a video file to play as one")
    parser.add_argument("--avatar", type=int, required=True, help="the id of a finished avatar (My avatars shows it)")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--fps", type=float, default=25)
    parser.add_argument("--device", default=None, help="the virtual camera device (/dev/video<n>); default: the first free one")
    parser.add_argument("--backend", default=None, help="pyvirtualcam's backend (v4l2loopback, obs, unitycapture); default: any")
    parser.add_argument("--frames", type=int, default=None, help="stop after this many frames (default: until Ctrl-C)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    try:
        import pyvirtualcam
    except ImportError:
        parser.exit(2, "The companion needs pyvirtualcam (GPL-2.0): pip install -e \".[virtualcam]\"\n")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeface.settings")
    import django

    django.setup()
    from avatars.models import Avatar, DamagedAvatar
    from facekit.core.jobs import JobStatus
    from facekit.engines.live import LiveSwap
    from facekit.engines.swapping import NoFaceError, prepare_source
    from safeface import inference
    from swaps import files

    avatar = Avatar.objects.filter(pk=args.avatar, status=JobStatus.DONE).exclude(image="").first()
    if avatar is None:
        parser.exit(2, f"No finished avatar {args.avatar} here: pick one from My avatars.\n")
    try:
        source = prepare_source(inference.analyser(), files.decode_rgb(avatar.checked_image()))
    except (DamagedAvatar, NoFaceError) as error:
        parser.exit(2, f"Avatar {avatar.pk} can't be used: {error}\n")
    # As the live worker (live/worker.py): the stronger swap first, a face still matched blurred.
    live = LiveSwap(source, inference.swapper(strong=True), inference.analyser(), fps=args.fps, judges=inference.judges())

    capture = cv2.VideoCapture(int(args.camera) if args.camera.isdigit() else args.camera)
    if not capture.isOpened():
        parser.exit(2, f"Camera {args.camera} could not be opened.\n")
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, args.width)
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, args.height)
    try:
        with pyvirtualcam.Camera(args.width, args.height, args.fps, fmt=pyvirtualcam.PixelFormat.RGB,
                                 device=args.device, backend=args.backend) as camera:
            logger.info("Sending avatar %s to %s (%s); Ctrl-C stops", avatar.pk, camera.device, camera.backend)
            states = run(capture, camera, live, size=(args.width, args.height), frames=args.frames)
    except RuntimeError as error:  # pyvirtualcam found no virtual camera
        parser.exit(2, f"No virtual camera: {error}\nOn Linux: modprobe v4l2loopback exclusive_caps=1. "
                       "Elsewhere: install OBS Studio and start its Virtual Camera once.\n")
    finally:
        capture.release()
        live.close()
    logger.info("Frames sent, by state: %s", dict(states))
    return 0


if __name__ == "__main__":
    sys.exit(main())
