#!/usr/bin/env python3
"""Reference PDQ hash (the `pdqhash` package, a binding of Meta's C++
implementation) of raw RGB pictures, for vivify's tests.

usage: pdq_check.py WIDTH HEIGHT FILE.rgb ...   (one picture per file)
Prints one line per file: 64 hex digits (bit 255 first) and the quality.
"""
import sys

import numpy
import pdqhash


def main(argv):
    w, h = int(argv[0]), int(argv[1])
    for path in argv[2:]:
        data = numpy.fromfile(path, dtype=numpy.uint8).reshape((h, w, 3))
        bits, quality = pdqhash.compute(data)
        # The binding lists the most significant bit (255) first.
        value = 0
        for k, b in enumerate(bits):
            if b:
                value |= 1 << (255 - k)
        print("%064x %d" % (value, quality))


if __name__ == "__main__":
    main(sys.argv[1:])
