#!/usr/bin/env python3
"""Runs a TFLite model with Google's own interpreter (the PyPI wheel
ai-edge-litert), for the golden comparisons of vivify's TFLite runner
(crates/models/tests/tflite_reference.rs).

Usage: litert_reference.py MODEL INPUT OUTPUT...
INPUT holds the model's one input as little-endian float32 in its NHWC
order; each OUTPUT receives one of the model's outputs the same way, in
the model's output order.
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main():
    model, source, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    it = Interpreter(model_path=model)
    it.allocate_tensors()
    (inp,) = it.get_input_details()
    data = np.fromfile(source, dtype="<f4").reshape(inp["shape"])
    it.set_tensor(inp["index"], data)
    it.invoke()
    outs = it.get_output_details()
    if len(outs) != len(targets):
        sys.exit(f"{model} has {len(outs)} outputs, {len(targets)} files given")
    for detail, target in zip(outs, targets):
        it.get_tensor(detail["index"]).astype("<f4").tofile(target)


if __name__ == "__main__":
    main()
