#!/usr/bin/env python3
"""Embeds each line of standard input with Hugging Face's Flax BERT (the
PyPI wheels transformers, flax and jax) and the text pack's files, the
way sentence-transformers does for all-MiniLM-L6-v2 (mean of the last
layer's token vectors, unit length), for the golden comparison of vivify's
own runner (crates/vivify/tests/model_packs.rs). Prints one JSON list a line.

Usage: minilm_reference.py PACK_DIR < lines   (PACK_DIR holds model.safetensors,
tokenizer.json and config.json)
"""
import json
import sys

import numpy as np
from tokenizers import Tokenizer
from transformers import FlaxBertModel


def main():
    pack = sys.argv[1]
    model = FlaxBertModel.from_pretrained(pack)
    tok = Tokenizer.from_file(pack + "/tokenizer.json")
    tok.no_padding()
    for line in sys.stdin.read().split("\n"):
        if not line:
            continue
        ids = tok.encode(line).ids
        out = model(np.array([ids]), attention_mask=np.ones((1, len(ids)), dtype=np.int32)).last_hidden_state
        e = np.asarray(out[0]).mean(axis=0)
        print(json.dumps((e / np.linalg.norm(e)).tolist()))


if __name__ == "__main__":
    main()
