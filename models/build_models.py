#!/usr/bin/env python3
"""Trains the sample classifiers and writes them as a model repository.

Layout written next to this script:
    <name>/config.json           model configuration (Triton's JSON form)
    <name>/labels.txt            one class name per line, in class-index order
    <name>/<version>/model.onnx  the model (opset 13, IR version 7)

The training data ships with scikit-learn, so nothing is downloaded. The ONNX
graphs are written by hand from the learned arrays:
    standardize (Sub mean, Div std) -> [MatMul, Add, Relu]* -> Softmax -> ArgMax
Each graph is checked against scikit-learn's predict_proba with a small numpy
evaluator. Seeds are fixed and nothing time-dependent is written, so reruns
give byte-identical files.

Usage: python3 build_models.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 0
PRODUCER = "InferenceService models"


def split(dataset):
    return train_test_split(
        dataset.data, dataset.target, test_size=0.2, stratify=dataset.target,
        random_state=SEED,
    )


def dense_layers(classifier):
    """(weights, bias, relu_after) per layer; the last layer feeds Softmax."""
    if isinstance(classifier, LogisticRegression):
        # Multinomial logistic regression: predict_proba = softmax(x W^T + b).
        return [(classifier.coef_.T, classifier.intercept_, False)]
    assert classifier.activation == "relu" and classifier.out_activation_ == "softmax"
    n = len(classifier.coefs_)
    return [
        (w, b, i < n - 1)
        for i, (w, b) in enumerate(zip(classifier.coefs_, classifier.intercepts_))
    ]


def to_onnx(pipeline, name, n_features, n_classes, doc_string, metadata):
    scaler, classifier = pipeline.steps[0][1], pipeline.steps[1][1]
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    initializers = [
        numpy_helper.from_array(f32(scaler.mean_), "mean"),
        numpy_helper.from_array(f32(scaler.scale_), "std"),
    ]
    nodes = [
        helper.make_node("Sub", ["input", "mean"], ["centered"]),
        helper.make_node("Div", ["centered", "std"], ["h0"]),
    ]
    prev = "h0"
    for i, (w, b, relu) in enumerate(dense_layers(classifier)):
        initializers += [
            numpy_helper.from_array(f32(w), f"W{i}"),
            numpy_helper.from_array(f32(b), f"B{i}"),
        ]
        nodes += [
            helper.make_node("MatMul", [prev, f"W{i}"], [f"mm{i}"]),
            helper.make_node("Add", [f"mm{i}", f"B{i}"], [f"z{i}"]),
        ]
        prev = f"z{i}"
        if relu:
            nodes.append(helper.make_node("Relu", [prev], [f"h{i + 1}"]))
            prev = f"h{i + 1}"
    nodes += [
        helper.make_node("Softmax", [prev], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", n_features])],
        [
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["batch", n_classes]),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        ],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name=PRODUCER,
        doc_string=doc_string,
        model_version=1,
    )
    # make_model stamps the IR version of the installed onnx package; pin it.
    model.ir_version = 7
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def run_graph(model, x):
    """Evaluates the few operators used above with numpy, straight from the graph."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values["input"] = x.astype(np.float32)
    for node in model.graph.node:
        a = [values[i] for i in node.input]
        attrs = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        op = node.op_type
        if op == "Sub":
            out = a[0] - a[1]
        elif op == "Div":
            out = a[0] / a[1]
        elif op == "MatMul":
            out = a[0] @ a[1]
        elif op == "Add":
            out = a[0] + a[1]
        elif op == "Relu":
            out = np.maximum(a[0], 0)
        elif op == "Softmax":
            e = np.exp(a[0] - a[0].max(axis=attrs["axis"], keepdims=True))
            out = e / e.sum(axis=attrs["axis"], keepdims=True)
        elif op == "ArgMax":
            out = a[0].argmax(axis=attrs["axis"]).astype(np.int64)
        else:
            raise ValueError(f"unsupported op {op}")
        values[node.output[0]] = out
    return values["probabilities"], values["label"]


def write(path, data):
    path = os.path.join(OUT_DIR, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"  {os.path.relpath(path, OUT_DIR)}: {len(data)} bytes")


def build_version(name, version, pipeline, data, dataset_desc, class_count):
    x_train, x_test, y_train, y_test = data
    pipeline.fit(x_train, y_train)
    accuracy = pipeline.score(x_test, y_test)
    kind = type(pipeline.steps[1][1]).__name__
    model = to_onnx(
        pipeline, name, x_train.shape[1], class_count,
        doc_string=(f"{kind} classifier for the {dataset_desc} "
                    f"(test accuracy {accuracy:.3f} on a stratified 20% split)."),
        metadata={"dataset": dataset_desc, "test_accuracy": f"{accuracy:.3f}"},
    )

    probabilities, labels = run_graph(model, x_test)
    error = np.abs(probabilities - pipeline.predict_proba(x_test)).max()
    assert error < 1e-5, f"{name} v{version}: ONNX graph differs by {error}"
    assert (labels == pipeline.predict(x_test)).all(), f"{name} v{version}: labels differ"

    print(f"{name} v{version}: {kind}, test accuracy {accuracy:.4f}, "
          f"max |p_onnx - p_sklearn| = {error:.1e}")
    write(f"{name}/{version}/model.onnx", model.SerializeToString(deterministic=True))
    return accuracy


def write_config(name, n_features, n_classes, num_versions, labels):
    config = {
        "name": name,
        "platform": "onnxruntime_onnx",
        "max_batch_size": 0,
        "version_policy": {"latest": {"num_versions": num_versions}},
        "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": [-1, n_features]}],
        "output": [
            {"name": "probabilities", "data_type": "TYPE_FP32",
             "dims": [-1, n_classes], "label_filename": "labels.txt"},
            {"name": "label", "data_type": "TYPE_INT64",
             "dims": [-1], "label_filename": "labels.txt"},
        ],
        "instance_group": [{"count": 1, "kind": "KIND_CPU"}],
        "parameters": {"intra_op_num_threads": {"string_value": "1"}},
    }
    write(f"{name}/config.json", (json.dumps(config, indent=2) + "\n").encode())
    write(f"{name}/labels.txt", "".join(f"{label}\n" for label in labels).encode())


def main():
    summary = []

    iris = load_iris()
    data = split(iris)
    desc = "Iris flowers (scikit-learn load_iris, 4 features, 3 classes)"
    # Version 1: multinomial logistic regression. Version 2: a small MLP.
    summary.append(("iris", 1, build_version(
        "iris", 1,
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED)),
        data, desc, 3)))
    summary.append(("iris", 2, build_version(
        "iris", 2,
        make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=2000, random_state=SEED)),
        data, desc, 3)))
    write_config("iris", 4, 3, 2, iris.target_names)

    digits = load_digits()
    data = split(digits)
    desc = "handwritten digits (scikit-learn load_digits, 8x8 pixels 0..16, 10 classes)"
    summary.append(("digits", 1, build_version(
        "digits", 1,
        make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(32,), max_iter=1000, random_state=SEED)),
        data, desc, 10)))
    write_config("digits", 64, 10, 1, [str(i) for i in range(10)])

    print("\nSummary (test accuracy on the stratified 20% split):")
    for name, version, accuracy in summary:
        print(f"  {name} v{version}: {accuracy:.4f}")


if __name__ == "__main__":
    main()
