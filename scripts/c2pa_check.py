#!/usr/bin/env python3
"""Independent check of Content Credentials with the c2pa-python package
(the Content Authenticity Initiative's Python binding; its own build of the
C2PA reference reader). Used by vivify's tests as an outside judge.

usage: c2pa_check.py [--trust ROOT.pem] FILE...
Prints one JSON object per file: state (Invalid/Valid/Trusted or null when
the file has no manifest), the digital source types of the active
manifest's actions, and the failure codes.
"""
import json
import sys

import c2pa


def main(argv):
    trust = None
    if len(argv) > 1 and argv[0] == "--trust":
        trust = open(argv[1]).read()
        argv = argv[2:]
    for path in argv:
        out = {"file": path, "state": None, "source_types": [], "failures": [], "error": None}
        try:
            if trust:
                ctx = c2pa.Context.from_dict({"trust": {"user_anchors": trust}})
                reader = c2pa.Reader(path, context=ctx)
            else:
                reader = c2pa.Reader(path)
            out["state"] = str(reader.get_validation_state())
            store = json.loads(reader.json())
            active = store.get("manifests", {}).get(store.get("active_manifest"), {})
            for assertion in active.get("assertions", []):
                if assertion.get("label", "").startswith("c2pa.actions"):
                    for action in assertion.get("data", {}).get("actions", []):
                        if action.get("digitalSourceType"):
                            out["source_types"].append(action["digitalSourceType"])
            results = reader.get_validation_results() or {}
            failures = results.get("activeManifest", {}).get("failure", [])
            out["failures"] = [f.get("code") for f in failures]
        except Exception as e:  # no manifest, or unreadable
            out["error"] = str(e)
        print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
