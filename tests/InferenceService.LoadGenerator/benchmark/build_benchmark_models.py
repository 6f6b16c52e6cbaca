#!/usr/bin/env python3
"""Writes the model repository the batching benchmark serves.

Two graphs with random weights (fixed seed): what they predict does not matter,
only what they cost to run.
    mlp: input [batch, 64] FP32 -> Gemm 256 -> Relu -> Gemm 256 -> Relu -> Gemm 10
         (cheap per row: per-request overhead dominates, which batching removes)
    cnn: input [batch, 3, 64, 64] FP32 -> Conv 3x3 3->32 stride 2 -> Relu
         -> Conv 3x3 32->64 stride 2 -> Relu -> Conv 3x3 64->64 -> Relu
         -> GlobalAveragePool -> Flatten -> Gemm 10
         (about 15 M multiply-adds per row: compute dominates, batching must not hurt)

    cnn224: the same CNN (the same weights) with an image-sized input [batch, 3, 224, 224] FP32 (about 190 M
         multiply-adds per row, 588 KiB of FP32 per request): the binary tensor data benchmark's model, where
         decoding JSON numbers would cost as much as the Run

Each graph is served under several names that differ only in config.json:
    mlp_batched, cnn_batched   dynamic batching on
    mlp_unbatched, cnn_unbatched   dynamic batching off (one request, one run); the MLP on one intra-op thread
    mlp_overload               dynamic batching with a queue of 16, to measure load shedding
    cnn224_unbatched           the 224x224 CNN, dynamic batching off
    mlp_delay                  dynamic batching with only a queue delay (2 ms) and no preferred sizes: a
                               batcher that waits out the delay loses to no batching; ours must not (one
                               intra-op thread, as mlp_unbatched it is compared with)

Layout written next to this script: models/<name>/config.json, models/<name>/1/model.onnx.
Opset 13 and IR version 7, as the rest of the repository, so ONNX Runtime 1.13 and later load them.
Identical model files are stored once by git. Reruns write byte-identical files.

Usage: /usr/bin/python3 build_benchmark_models.py   (needs the onnx and numpy packages)
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
SEED = 20240601
OPSET = 13
IR_VERSION = 7
PRODUCER = "InferenceService batching benchmark"
MAX_BATCH_SIZE = 64

# Small delays keep a lone request's latency low; the preferred sizes let a full batch go at once.
DYNAMIC_BATCHING = {
    "preferred_batch_size": [16, 32],
    "max_queue_delay_microseconds": 1000,
}
# Only an upper bound on the wait: no preferred size ever sends a batch early, so only the scheduler's own decision does.
DELAY_ONLY_BATCHING = {"max_queue_delay_microseconds": 2000}
# A short queue: at 4x the sustainable rate most requests must be refused at once (503), not queued for seconds.
OVERLOAD_BATCHING = {
    **DYNAMIC_BATCHING,
    "default_queue_policy": {"max_queue_size": 16, "timeout_action": "REJECT"},
}
# The MLP on one intra-op thread. With spinning off (the service's default), handing part of a Run's largest Gemm to
# a second thread costs a wake-up that takes longer than that part: a one-row Run took about 9 us on one thread and
# 19 us on two; Runs of 64 rows ran as fast on one thread as on two in process, and a job of them took about a seventh
# less CPU a row (the second thread's wake-ups cost the job's own threads their cores).
ONE_THREAD = {"intra_op_num_threads": {"string_value": "1"}}


def weights(rng, shape, fan_in):
    # He-style scaling keeps activations in a sane range through the Relu layers.
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def finish(graph, doc_string):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        doc_string=doc_string,
        model_version=1,
    )
    # make_model stamps the IR version of the installed onnx package; pin it.
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def build_mlp(rng):
    sizes = [64, 256, 256, 10]
    initializers, nodes, prev = [], [], "input"
    for i in range(len(sizes) - 1):
        initializers += [
            numpy_helper.from_array(weights(rng, (sizes[i], sizes[i + 1]), sizes[i]), f"W{i}"),
            numpy_helper.from_array(np.zeros(sizes[i + 1], np.float32), f"B{i}"),
        ]
        last = i == len(sizes) - 2
        out = "logits" if last else f"z{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"W{i}", f"B{i}"], [out]))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"h{i}"]))
            out = f"h{i}"
        prev = out
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=initializers,
    )
    return finish(graph, "Benchmark MLP 64-256-256-10 with random weights: cheap per row.")


def build_cnn(rng):
    layers = [(3, 32, 2), (32, 64, 2), (64, 64, 1)]  # (in channels, out channels, stride)
    initializers, nodes, prev = [], [], "input"
    for i, (c_in, c_out, stride) in enumerate(layers):
        initializers += [
            numpy_helper.from_array(weights(rng, (c_out, c_in, 3, 3), c_in * 9), f"K{i}"),
            numpy_helper.from_array(np.zeros(c_out, np.float32), f"KB{i}"),
        ]
        nodes += [
            helper.make_node("Conv", [prev, f"K{i}", f"KB{i}"], [f"c{i}"],
                             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[stride, stride]),
            helper.make_node("Relu", [f"c{i}"], [f"r{i}"]),
        ]
        prev = f"r{i}"
    initializers += [
        numpy_helper.from_array(weights(rng, (64, 10), 64), "W"),
        numpy_helper.from_array(np.zeros(10, np.float32), "B"),
    ]
    nodes += [
        helper.make_node("GlobalAveragePool", [prev], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "W", "B"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 64, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=initializers,
    )
    return finish(graph, "Benchmark CNN, three 3x3 convolutions (3-32-64-64) with random weights: compute-heavy.")


def with_input_side(model, side):
    """The model with its input's spatial dimensions set to side x side (the convolutions and the pool take any)."""
    resized = onnx.ModelProto()
    resized.CopyFrom(model)
    dims = resized.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = side
    dims[3].dim_value = side
    resized.doc_string = f"Benchmark CNN with a 3x{side}x{side} input, three 3x3 convolutions (3-32-64-64) with random weights."
    onnx.checker.check_model(resized, full_check=True)
    return resized


def write(path, data):
    path = os.path.join(OUT_DIR, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"  {os.path.relpath(path, OUT_DIR)}: {len(data)} bytes")


def write_model(name, model_bytes, dynamic_batching, parameters=None):
    config = {
        "name": name,
        "platform": "onnxruntime_onnx",
        "max_batch_size": MAX_BATCH_SIZE,
        "instance_group": [{"count": 1, "kind": "KIND_CPU"}],
    }
    if dynamic_batching is not None:
        config["dynamic_batching"] = dynamic_batching
    if parameters is not None:
        config["parameters"] = parameters
    write(f"{name}/config.json", (json.dumps(config, indent=2) + "\n").encode())
    write(f"{name}/1/model.onnx", model_bytes)


def main():
    rng = np.random.default_rng(SEED)
    mlp = build_mlp(rng).SerializeToString(deterministic=True)
    cnn_model = build_cnn(rng)
    cnn = cnn_model.SerializeToString(deterministic=True)
    cnn224 = with_input_side(cnn_model, 224).SerializeToString(deterministic=True)
    write_model("mlp_batched", mlp, DYNAMIC_BATCHING, ONE_THREAD)
    write_model("mlp_unbatched", mlp, None, ONE_THREAD)
    write_model("mlp_overload", mlp, OVERLOAD_BATCHING)
    write_model("mlp_delay", mlp, DELAY_ONLY_BATCHING, ONE_THREAD)
    write_model("cnn_batched", cnn, DYNAMIC_BATCHING)
    write_model("cnn_unbatched", cnn, None)
    write_model("cnn224_unbatched", cnn224, None)


if __name__ == "__main__":
    main()
