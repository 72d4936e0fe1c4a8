"""NudeNet's detector (`nudenet==3.4.2`: `320n.onnx` inside its wheel, 12 MB, on onnxruntime).

The wheel's metadata says MIT, but the LICENSE file in it is the AGPL-3.0 (README, "Models
and their licences"). It finds 18 kinds of body part, covered or exposed; a picture's score
is the highest confidence of an exposed sexual one.
"""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path

import numpy as np

from ..analysis.images import check_rgb_image
from ..licences import licence_for

# The exposed parts that make a picture sexual; covered parts, faces, feet, bellies and
# armpits do not.
SEXUAL = frozenset({
    "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED", "ANUS_EXPOSED", "BUTTOCKS_EXPOSED",
})


class NudeNetScreener:
    """`model_path`: another ONNX file with the detector's inputs and outputs (the tests build
    tiny ones); by default the one in the wheel. One thread, as every engine in a worker."""

    def __init__(self, model_path: Path | str | None = None, providers=None):
        import onnxruntime

        path = str(model_path or resources.files("nudenet") / "320n.onnx")
        # One thread, as a worker's engines each take one, and the providers asked for.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(path, options, providers=list(providers or ["CPUExecutionProvider"]))
        self.detector = _detector(session)
        self.name = f"nudenet-320n@{metadata.version('nudenet')}" + ("" if model_path is None else f"+{Path(model_path).stem}")
        self.licence = licence_for("screener", "nudenet", None if model_path is None else str(model_path))

    def score(self, image: np.ndarray) -> float:
        """The highest confidence of an exposed sexual part in an RGB uint8 picture (0: none)."""
        bgr = np.ascontiguousarray(check_rgb_image(image)[..., ::-1])  # NudeNet reads pictures as OpenCV does
        found = [d["score"] for d in self.detector.detect(bgr) if d["class"] in SEXUAL]
        return float(max(found, default=0.0))


def _detector(session):
    """NudeNet's detector around our own session. Its constructor would build one more, with
    every core and without the providers it is given (nudenet 3.4.2 drops them)."""
    from nudenet import NudeDetector

    detector = NudeDetector.__new__(NudeDetector)
    detector.onnx_session = session
    detector.input_width = detector.input_height = 320  # the resolution 320n.onnx was trained at
    detector.input_name = session.get_inputs()[0].name
    return detector
