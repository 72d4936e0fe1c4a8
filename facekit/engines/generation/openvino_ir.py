"""OpenVINO IR models (an .xml graph, IR version 10, and its .bin weights) as ONNX graphs.

Some generators are published only as OpenVINO IR (MobileStyleGAN's mapping and synthesis
networks in the `random-face` wheel). Laid into an in-memory ONNX graph, they run on
onnxruntime, on the CPU and, with onnxruntime-gpu, on CUDA, without installing OpenVINO.

Each IR layer becomes one or a few ONNX nodes (opset 17); Const layers become float32 or integer
initializers (f16 weights widened). OpenVINO's conventions that differ from ONNX's are
translated where they occur: grouped convolution weights carry the group as a separate leading
axis, MatMul transposes by attribute, PReLU's 1-D slope applies along the channel axis,
Gather, VariadicSplit and ReduceMean take as inputs what ONNX wants as attributes, and
integer operands of one type may need to be int64 for ONNX. Dimension 0 of the inputs and
outputs is declared as a free "batch" dimension; the graph works for any batch when, as in
MobileStyleGAN, its shapes are computed from ShapeOf rather than written as constants.
An op type not handled here raises ValueError naming the layer. On MobileStyleGAN, onnxruntime's
images agree with OpenVINO's (f32) to about 3e-4 at most, 2e-6 on average, on the [-1, 1] scale.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# f16 weights are widened: onnxruntime's CPU kernels for these ops are float32 ones.
_CONST_TYPES = {"f32": np.float32, "f16": np.float16, "f64": np.float64, "i64": np.int64,
                "i32": np.int32, "i8": np.int8, "u8": np.uint8, "boolean": np.bool_}
_PORT_TYPES = {"FP32": TensorProto.FLOAT, "FP16": TensorProto.FLOAT, "I64": TensorProto.INT64,
               "I32": TensorProto.INT32, "U8": TensorProto.UINT8, "BOOL": TensorProto.BOOL}
_ELEMENTWISE = {"Add": "Add", "Multiply": "Mul", "Power": "Pow"}
_SAME_AUTO_PAD = {"same_upper": "SAME_UPPER", "same_lower": "SAME_LOWER"}


def _dims(port) -> list[int]:
    return [int(dim.text) for dim in port.findall("dim")]


def _ints(text: str) -> list[int]:
    return [int(value) for value in text.split(",")]


class _Converter:
    def __init__(self, root, weights: bytes):
        self.layers = {layer.get("id"): layer for layer in root.find("layers")}
        self.sources = {(edge.get("to-layer"), edge.get("to-port")): (edge.get("from-layer"), edge.get("from-port"))
                        for edge in root.find("edges")}
        self.weights = weights
        self.consts: dict[tuple[str, str], np.ndarray] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self.counter, self.layer = 0, ""

    def order(self) -> list[str]:
        """Layer ids, producers first: ONNX wants its nodes sorted, IR files need not be."""
        waiting = {lid: 0 for lid in self.layers}
        consumers = {lid: [] for lid in self.layers}
        for (to, _), (source, _) in self.sources.items():
            waiting[to] += 1
            consumers[source].append(to)
        ready, order = [lid for lid, count in waiting.items() if not count], []
        while ready:
            order.append(ready.pop())
            for consumer in consumers[order[-1]]:
                waiting[consumer] -= 1
                if not waiting[consumer]:
                    ready.append(consumer)
        return order

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}_{self.counter}"

    def constant(self, array: np.ndarray, hint: str = "const") -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def value(self, key: tuple[str, str]) -> str:
        """The ONNX tensor of an output port; a Const's initializer is made on first use."""
        if key not in self.names:
            if key not in self.consts:
                raise ValueError(f"OpenVINO IR: port {key} is used before its layer was converted")
            self.names[key] = self.constant(self.consts[key], self.layers[key[0]].get("name"))
        return self.names[key]

    def int64(self, key: tuple[str, str]) -> str:
        """Shapes, axes and repeats: ONNX takes only int64 where OpenVINO also takes int32."""
        if key in self.consts:
            return self.constant(self.consts[key].astype(np.int64), "int64")
        port = self.layers[key[0]].find(f"output/port[@id='{key[1]}']")
        if port.get("precision") == "I64":
            return self.value(key)
        return self.node("Cast", [self.value(key)], to=TensorProto.INT64)

    def node(self, op: str, inputs: list[str], outputs: list[str] | None = None, **attributes) -> str:
        outputs = outputs or [self.fresh(op.lower())]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh(f"{self.layer}/{op}"), **attributes))
        return outputs[0]

    def merge_groups(self, key: tuple[str, str], dims: list[int]) -> str:
        """OpenVINO's grouped weights [G, a, b, kH, kW] as ONNX's [G * a, b, kH, kW]."""
        if key in self.consts:
            return self.constant(self.consts[key].reshape(-1, *dims[2:]), "weights")
        return self.node("Reshape", [self.value(key), self.constant(np.array([-1, *dims[2:]], np.int64))])

    def convert(self, lid: str) -> None:
        layer = self.layers[lid]
        kind, name = layer.get("type"), layer.get("name")
        self.layer = name  # names the layer's nodes, for onnxruntime's error messages
        data = layer.find("data").attrib if layer.find("data") is not None else {}
        in_ports = sorted(layer.find("input") if layer.find("input") is not None else [], key=lambda p: int(p.get("id")))
        sources = [self.sources[(lid, port.get("id"))] for port in in_ports]
        in_dims = [_dims(port) for port in in_ports]
        out_ports = list(layer.find("output")) if layer.find("output") is not None else []
        if kind == "Const":  # no node: an initializer once something uses it
            if data["element_type"] not in _CONST_TYPES:
                raise ValueError(f"OpenVINO IR: Const layer {name!r}: element type {data['element_type']}")
            dtype = np.dtype(_CONST_TYPES[data["element_type"]])
            shape = _ints(data["shape"]) if data.get("shape") else []
            array = np.frombuffer(self.weights, dtype, int(data["size"]) // dtype.itemsize, int(data["offset"]))
            self.consts[(lid, out_ports[0].get("id"))] = array.reshape(shape).astype(
                np.float32 if dtype == np.float16 else dtype)
            return
        if kind == "Parameter":
            self.names[(lid, out_ports[0].get("id"))] = name
            shape = ["batch", *_ints(data["shape"])[1:]]
            self.inputs.append(helper.make_tensor_value_info(name, _PORT_TYPES[out_ports[0].get("precision")], shape))
            return
        outs = [self.names.setdefault((lid, port.get("id")), f"{name}:{port.get('id')}") for port in out_ports]
        x = [self.value(key) for key in sources[:1]]
        const = [self.consts.get(key) for key in sources]

        if kind == "Result":
            source = self.layers[sources[0][0]].find(f"output/port[@id='{sources[0][1]}']")
            output = (source.get("names") or name).split(",")[0].strip()
            self.node("Identity", x, [output])
            shape = ["batch", *in_dims[0][1:]] if in_dims[0] else []
            self.outputs.append(helper.make_tensor_value_info(output, _PORT_TYPES[source.get("precision")], shape))
        elif kind in _ELEMENTWISE:
            if data.get("auto_broadcast", "numpy") not in ("numpy", "none"):
                raise ValueError(f"OpenVINO IR: {kind} layer {name!r}: auto_broadcast {data['auto_broadcast']}")
            self.node(_ELEMENTWISE[kind], x + [self.value(sources[1])], outs)
        elif kind == "MatMul":
            operands = []
            for key, dims, flag in zip(sources, in_dims, ("transpose_a", "transpose_b")):
                if data.get(flag) != "true" or len(dims) < 2:  # OpenVINO ignores it on vectors
                    operands.append(self.value(key))
                    continue
                perm = [*range(len(dims) - 2), len(dims) - 1, len(dims) - 2]
                operands.append(self.constant(self.consts[key].transpose(perm), "transposed") if key in self.consts
                                else self.node("Transpose", [self.value(key)], perm=perm))
            self.node("MatMul", operands, outs)
        elif kind == "Gather":
            if int(data.get("batch_dims", 0)) != 0 or const[2] is None:
                raise ValueError(f"OpenVINO IR: Gather layer {name!r}: needs batch_dims 0 and a constant axis")
            self.node("Gather", x + [self.value(sources[1])], outs, axis=int(const[2]))
        elif kind == "Concat":
            self.node("Concat", [self.value(key) for key in sources], outs, axis=int(data["axis"]))
        elif kind == "Reshape":
            # special_zero: a 0 in the shape copies the input's dimension, as ONNX's default does.
            self.node("Reshape", x + [self.int64(sources[1])], outs, allowzero=int(data["special_zero"] != "true"))
        elif kind == "ShapeOf":
            if data.get("output_type", "i64") == "i64":
                self.node("Shape", x, outs)
            else:
                self.node("Cast", [self.node("Shape", x)], outs, to=TensorProto.INT32)
        elif kind in ("Squeeze", "Unsqueeze"):
            self.node(kind, x + [self.int64(key) for key in sources[1:]], outs)
        elif kind == "ReduceMean":
            if const[1] is None:
                raise ValueError(f"OpenVINO IR: ReduceMean layer {name!r}: axes must be constant")
            self.node("ReduceMean", x, outs, axes=np.atleast_1d(const[1]).tolist(),
                      keepdims=int(data.get("keep_dims") == "true"))
        elif kind == "PReLU":
            # A 1-D slope of C values applies along axis 1 in OpenVINO, along the last axis in ONNX.
            rank, trailing = len(in_dims[0]), list(range(1, len(in_dims[0]) - 1))
            if not (len(in_dims[1]) == 1 and in_dims[1][0] > 1 and rank > 2):
                slope = self.value(sources[1])
            elif const[1] is not None:
                slope = self.constant(const[1].reshape(-1, *[1] * len(trailing)), "slope")
            else:
                slope = self.node("Unsqueeze", [self.value(sources[1]), self.constant(np.array(trailing, np.int64))])
            self.node("PRelu", x + [slope], outs)
        elif kind in ("Convolution", "GroupConvolution", "GroupConvolutionBackpropData"):
            if len(sources) > 2:
                raise ValueError(f"OpenVINO IR: {kind} layer {name!r}: the output_shape input is not supported")
            attributes = {"strides": _ints(data["strides"]), "dilations": _ints(data["dilations"])}
            auto_pad = data.get("auto_pad", "explicit")
            if auto_pad in _SAME_AUTO_PAD:
                attributes["auto_pad"] = _SAME_AUTO_PAD[auto_pad]
            else:  # explicit, notset or valid (which OpenVINO reads as zero padding)
                pads = [0] * 2 * len(attributes["strides"]) if auto_pad == "valid" else \
                    _ints(data["pads_begin"]) + _ints(data["pads_end"])
                attributes["pads"] = pads
            if kind == "Convolution":
                self.node("Conv", x + [self.value(sources[1])], outs, **attributes)
            elif kind == "GroupConvolution":
                weights = self.merge_groups(sources[1], in_dims[1])
                self.node("Conv", x + [weights], outs, group=in_dims[1][0], **attributes)
            else:
                if "output_padding" in data:
                    attributes["output_padding"] = _ints(data["output_padding"])
                weights = self.merge_groups(sources[1], in_dims[1])
                self.node("ConvTranspose", x + [weights], outs, group=in_dims[1][0], **attributes)
        elif kind == "VariadicSplit":
            if const[1] is None or const[2] is None:
                raise ValueError(f"OpenVINO IR: VariadicSplit layer {name!r}: axis and lengths must be constant")
            axis, lengths = int(const[1]) % len(in_dims[0]), const[2].astype(np.int64)
            # -1: whatever the other parts leave of the axis, known from the IR's port shapes.
            lengths[lengths == -1] = in_dims[0][axis] - lengths[lengths != -1].sum()
            self.node("Split", x + [self.constant(lengths, "lengths")], outs, axis=axis)
        elif kind == "Tile":
            if const[1] is not None:  # OpenVINO pads short repeats with leading ones; ONNX does not
                repeats = np.concatenate([np.ones(len(in_dims[0]) - const[1].size, np.int64), const[1].ravel()])
                self.node("Tile", x + [self.constant(repeats.astype(np.int64), "repeats")], outs)
            else:
                self.node("Tile", x + [self.int64(sources[1])], outs)
        elif kind == "Broadcast":
            if data.get("mode", "numpy") not in ("numpy", "bidirectional"):
                raise ValueError(f"OpenVINO IR: Broadcast layer {name!r}: mode {data['mode']} is not supported")
            # Expand broadcasts both ways; for a valid numpy-mode Broadcast that gives the target shape.
            self.node("Expand", x + [self.int64(sources[1])], outs)
        else:
            raise ValueError(f"OpenVINO IR: unsupported op type {kind!r} (layer {name!r}, id {lid})")


def onnx_from_ir(xml_path: str | Path, bin_path: str | Path | None = None) -> onnx.ModelProto:
    """An ONNX model (opset 17, dynamic batch) of the OpenVINO IR at `xml_path`; the weights come from
    `bin_path`, by default the .bin file beside it. Inputs and outputs keep their IR names."""
    xml_path = Path(xml_path)
    root = ElementTree.parse(xml_path).getroot()
    if root.get("version") != "10":
        raise ValueError(f"OpenVINO IR: {xml_path}: IR version {root.get('version')}, expected 10")
    converter = _Converter(root, Path(bin_path or xml_path.with_suffix(".bin")).read_bytes())
    order = converter.order()
    if len(order) != len(converter.layers):
        raise ValueError(f"OpenVINO IR: {xml_path}: the graph has a cycle")
    for lid in order:
        converter.convert(lid)
    graph = helper.make_graph(converter.nodes, root.get("name") or xml_path.stem, converter.inputs,
                              converter.outputs, converter.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="safeface.openvino_ir")
    model.ir_version = 8  # opset 17's; read by older onnxruntime(-gpu) builds too
    onnx.checker.check_model(model)
    return model
