"""Outside judge for our NudeNet runner: the same model run by ONNX Runtime
(Microsoft's engine, not tract) with the published pre-processing done in
Pillow/NumPy. Prints, per picture, the best anchor score of every class as
JSON: {"file": [18 scores in the model's label order]}.

usage: python nudenet_check.py MODEL.onnx PICTURE...
"""
import json
import sys

import numpy as np
import onnxruntime
from PIL import Image


def scores(session, path):
    im = Image.open(path)
    im = im.convert("RGB")
    w, h = im.size
    side = max(w, h)
    # Fit into a black square (padding right and bottom), then 320x320.
    square = Image.new("RGB", (side, side))
    square.paste(im, (0, 0))
    square = square.resize((320, 320), Image.BILINEAR)
    x = np.asarray(square, dtype=np.float32).transpose(2, 0, 1)[None] / 255.0
    out = session.run(None, {session.get_inputs()[0].name: x})[0][0]
    return [float(v) for v in out[4:].max(axis=1)]


def main():
    session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
    print(json.dumps({p: scores(session, p) for p in sys.argv[2:]}))


if __name__ == "__main__":
    main()
