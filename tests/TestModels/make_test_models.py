#!/usr/bin/env python3
"""Builds the small ONNX models used by the tests into this folder.

All models target opset 13 and IR version 7 so that any recent ONNX Runtime
loads them. The output is deterministic: rerunning the script rewrites
byte-identical files.

Usage: python3 make_test_models.py
"""
import os

import onnx
from onnx import TensorProto, helper

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]
IR_VERSION = 7
PRODUCER = "InferenceService tests"

# Every ONNX tensor element type the server has to map (complex types are
# left out: ONNX Runtime has no kernels for them).
ELEMENT_TYPES = {
    "float": TensorProto.FLOAT,
    "double": TensorProto.DOUBLE,
    "float16": TensorProto.FLOAT16,
    "bfloat16": TensorProto.BFLOAT16,
    "int8": TensorProto.INT8,
    "int16": TensorProto.INT16,
    "int32": TensorProto.INT32,
    "int64": TensorProto.INT64,
    "uint8": TensorProto.UINT8,
    "uint16": TensorProto.UINT16,
    "uint32": TensorProto.UINT32,
    "uint64": TensorProto.UINT64,
    "bool": TensorProto.BOOL,
    "string": TensorProto.STRING,
}


def make_model(graph, doc_string="", domain="", model_version=1, metadata=None):
    model = helper.make_model(
        graph,
        opset_imports=OPSET,
        producer_name=PRODUCER,
        doc_string=doc_string,
        domain=domain,
        model_version=model_version,
    )
    # make_model stamps the IR version of the installed onnx package; pin it.
    model.ir_version = IR_VERSION
    if metadata:
        helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def save(model, name):
    data = model.SerializeToString(deterministic=True)
    write_bytes(name, data)
    return data


def write_bytes(name, data):
    with open(os.path.join(OUT_DIR, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def identity_model(type_name, elem_type):
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        f"identity_{type_name}",
        [helper.make_tensor_value_info("x", elem_type, ["batch", 3])],
        [helper.make_tensor_value_info("y", elem_type, ["batch", 3])],
    )
    return make_model(
        graph,
        doc_string=f"Returns its {type_name} input unchanged.",
        metadata={"purpose": "identity"},
    )


def two_inputs_two_outputs_model():
    shape = ["batch", 4]
    graph = helper.make_graph(
        [
            helper.make_node("Add", ["a", "b"], ["sum"]),
            helper.make_node("Mul", ["a", "b"], ["product"]),
        ],
        "two_inputs_two_outputs",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, shape),
        ],
        [
            helper.make_tensor_value_info("sum", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("product", TensorProto.FLOAT, shape),
        ],
        doc_string="graph description",
    )
    return make_model(
        graph,
        doc_string="adds and multiplies",
        domain="ai.inferenceservice.test",
        model_version=7,
        metadata={"author": "tests", "license": "MIT"},
    )


def fixed_shape_model():
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["y"])],
        "fixed_shape",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        initializer=[one],
    )
    return make_model(graph, doc_string="Adds 1 to a fixed-shape [2, 3] input.")


def slow_model(steps=400):
    # The cost comes from compute, not from weights, so the file stays tiny:
    # every step multiplies by the input itself. With n=512 each MatMul is
    # about 0.27 GFLOP (2 * 512^3), so 400 steps are about 107 GFLOP, i.e.
    # seconds of CPU time. Tanh keeps the values in [-1, 1].
    nodes = []
    prev = "x"
    for i in range(steps):
        mm, out = f"mm_{i}", ("y" if i == steps - 1 else f"t_{i + 1}")
        nodes.append(helper.make_node("MatMul", [prev, "x"], [mm]))
        nodes.append(helper.make_node("Tanh", [mm], [out]))
        prev = out
    graph = helper.make_graph(
        nodes,
        "slow",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "n"])],
    )
    return make_model(
        graph, doc_string=f"{steps} chained Tanh(MatMul(t, x)) steps; slow on purpose."
    )


def spin_model():
    # A Loop whose trip count is the largest of the request's `steps`: a Run as long as the test asks, and with a
    # huge count one that only ends when it is terminated (a cancelled request, a deadline), so tests that need a
    # request in flight hold one there however fast the machine is. The state is x itself, so the Loop feeds the
    # output and is not pruned; zeros (the default warm-up) run no step.
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Tanh", ["x_in"], ["x_out"]),
        ],
        "spin_step",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("x_in", TensorProto.FLOAT, ["batch", 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("x_out", TensorProto.FLOAT, ["batch", 4]),
        ],
    )
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMax", ["steps"], ["trip_count"], keepdims=0),
            helper.make_node("Loop", ["trip_count", "", "x"], ["y"], body=body),
        ],
        "spin",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
            helper.make_tensor_value_info("steps", TensorProto.INT64, ["batch", 1]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    return make_model(graph, doc_string="y = Tanh applied max(steps) times to x, one Loop iteration a step.")


def cast_model():
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        "cast_int32_to_float",
        [helper.make_tensor_value_info("x", TensorProto.INT32, ["batch", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
    )
    return make_model(graph, doc_string="Casts int32 to float.")


def gather_model():
    # Gather rejects an index outside the table with an invalid-argument error: how the tests make one request
    # of a batch fail inside the Run while the others are fine.
    table = helper.make_tensor(
        "table", TensorProto.FLOAT, [4, 2], [float(v) for v in range(8)]
    )
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "index"], ["y"], axis=0)],
        "gather_rows",
        [helper.make_tensor_value_info("index", TensorProto.INT64, ["batch", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1, 2])],
        initializer=[table],
    )
    return make_model(graph, doc_string="Row `index` of a 4x2 table counting up from 0.")


def main():
    for type_name, elem_type in ELEMENT_TYPES.items():
        save(identity_model(type_name, elem_type), f"identity_{type_name}.onnx")
    two_io = save(two_inputs_two_outputs_model(), "two_inputs_two_outputs.onnx")
    save(fixed_shape_model(), "fixed_shape.onnx")
    save(slow_model(), "slow.onnx")
    save(spin_model(), "spin.onnx")
    save(cast_model(), "cast_int32_to_float.onnx")
    save(gather_model(), "gather_rows.onnx")

    # A truncated file with garbage appended: loading it must fail.
    corrupt = two_io[: len(two_io) * 4 // 10] + b"\xff" * 64
    write_bytes("corrupt.onnx", corrupt)
    try:
        onnx.load_from_string(corrupt)
    except Exception:
        pass
    else:
        raise SystemExit("corrupt.onnx unexpectedly parses")


if __name__ == "__main__":
    main()
