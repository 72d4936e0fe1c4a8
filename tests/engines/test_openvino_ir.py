"""OpenVINO IR laid into ONNX graphs: a small IR written here runs the same on both runtimes,
and an op the converter does not know is refused by name."""

from __future__ import annotations

import numpy as np
import onnxruntime
import openvino
import pytest

from facekit.engines.generation.openvino_ir import onnx_from_ir

WEIGHTS = np.arange(8, dtype=np.float32).reshape(2, 4) / 10  # a MatMul's weights, read transposed


def ir(tmp_path, middle_type: str = "MatMul"):
    """Parameter x (1x4) -> MatMul(x, W^T) -> PReLU(slope 0.25) -> Result, as IR v10 files."""
    slope = np.array([0.25], np.float32)
    (tmp_path / "net.bin").write_bytes(WEIGHTS.tobytes() + slope.tobytes())
    (tmp_path / "net.xml").write_text(f"""<?xml version="1.0"?>
<net name="tiny" version="10">
 <layers>
  <layer id="0" name="x" type="Parameter" version="opset1"><data shape="1,4" element_type="f32"/>
   <output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>4</dim></port></output></layer>
  <layer id="1" name="w" type="Const" version="opset1"><data element_type="f32" shape="2,4" offset="0" size="32"/>
   <output><port id="0" precision="FP32"><dim>2</dim><dim>4</dim></port></output></layer>
  <layer id="2" name="mm" type="{middle_type}" version="opset1"><data transpose_a="false" transpose_b="true"/>
   <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port><port id="1" precision="FP32"><dim>2</dim><dim>4</dim></port></input>
   <output><port id="2" precision="FP32"><dim>1</dim><dim>2</dim></port></output></layer>
  <layer id="3" name="slope" type="Const" version="opset1"><data element_type="f32" shape="1" offset="32" size="4"/>
   <output><port id="0" precision="FP32"><dim>1</dim></port></output></layer>
  <layer id="4" name="act" type="PReLU" version="opset1">
   <input><port id="0" precision="FP32"><dim>1</dim><dim>2</dim></port><port id="1" precision="FP32"><dim>1</dim></port></input>
   <output><port id="2" precision="FP32" names="y"><dim>1</dim><dim>2</dim></port></output></layer>
  <layer id="5" name="y/sink" type="Result" version="opset1">
   <input><port id="0" precision="FP32"><dim>1</dim><dim>2</dim></port></input></layer>
 </layers>
 <edges>
  <edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
  <edge from-layer="1" from-port="0" to-layer="2" to-port="1"/>
  <edge from-layer="2" from-port="2" to-layer="4" to-port="0"/>
  <edge from-layer="3" from-port="0" to-layer="4" to-port="1"/>
  <edge from-layer="4" from-port="2" to-layer="5" to-port="0"/>
 </edges>
</net>""")
    return tmp_path / "net.xml"


def test_a_converted_graph_computes_what_openvino_computes(tmp_path):
    path = ir(tmp_path)
    x = np.array([[1.0, -2.0, 3.0, -4.0], [0.5, 0.5, 0.5, 0.5]], np.float32)
    session = onnxruntime.InferenceSession(onnx_from_ir(path).SerializeToString(), providers=["CPUExecutionProvider"])
    core = openvino.Core()
    # f32 as the generator's runtime asks: on a CPU with bf16 units OpenVINO's default is bf16.
    compiled = core.compile_model(core.read_model(str(path)), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})

    from_onnx = session.run(None, {"x": x})[0]  # two rows: the batch dimension is free
    expected = x @ WEIGHTS.T
    assert np.allclose(from_onnx, np.where(expected > 0, expected, 0.25 * expected), atol=1e-6)
    assert np.allclose(from_onnx[:1], compiled(x[:1])[0], atol=1e-6)


def test_an_op_it_does_not_know_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="unsupported op type 'Einsum' \\(layer 'mm'"):
        onnx_from_ir(ir(tmp_path, middle_type="Einsum"))
