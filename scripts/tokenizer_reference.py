#!/usr/bin/env python3
"""Tokenizes each line of standard input with Hugging Face's `tokenizers`
(the PyPI wheel), for the golden comparison of vivify's WordPiece reader
(crates/vivify/tests/model_packs.rs). Prints one JSON list of ids a line.

Usage: tokenizer_reference.py TOKENIZER.json < lines
"""
import json
import sys

from tokenizers import Tokenizer


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    # The file pads every sentence to its truncation length; vivify keeps
    # sentences at their own length (padding only feeds a batch).
    tok.no_padding()
    for line in sys.stdin.read().split("\n"):
        if line:
            print(json.dumps(tok.encode(line).ids))


if __name__ == "__main__":
    main()
