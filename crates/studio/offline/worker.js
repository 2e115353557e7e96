// The worker that runs vivify's WebAssembly for the offline page. It is
// built from bundle.js (the wasm-bindgen glue above this file defines
// `wasm_bindgen`), so it needs no URL of its own and runs from file:// too.
// Files arrive as File objects (references, not copies) and are read in
// slices with FileReaderSync; nothing here opens a network connection.
"use strict";

const registered = new Map();
let nextHandle = 1;
let lastPanic = null;

self.vivifyFiles = {
  // Called by the module: fill `buf` from byte `offset` of file `handle`.
  read_into(handle, offset, buf) {
    const blob = registered.get(handle);
    if (!blob || offset + buf.length > blob.size) return false;
    const bytes = new FileReaderSync().readAsArrayBuffer(blob.slice(offset, offset + buf.length));
    if (bytes.byteLength !== buf.length) return false;
    buf.set(new Uint8Array(bytes));
    return true;
  },
  panicked(message) {
    lastPanic = message;
  },
};

let wasmBytes = null;
let ready = null;

function start() {
  lastPanic = null;
  ready = wasm_bindgen({ module_or_path: wasmBytes });
  return ready;
}

// A call's downloads as Blobs: bytes made in wasm, or a slice of an input.
function downloads(made, inputs) {
  const files = [];
  for (let i = 0; i < made.count(); i++) {
    const type = made.mime(i);
    const bytes = made.bytes(i);
    let blob;
    if (bytes) {
      blob = new Blob([bytes], { type });
    } else {
      const [input, offset, len] = made.range(i);
      blob = inputs[input].slice(offset, offset + len, type);
    }
    files.push({ name: made.name(i), type, blob });
  }
  const out = { files, report: JSON.parse(made.report()), fetched: made.fetched() };
  made.free();
  return out;
}

function run(op, inputs, handles, args) {
  const w = wasm_bindgen;
  const [a, b] = handles;
  const [fa, fb] = inputs;
  switch (op) {
    case "inspect":
      return JSON.parse(w.inspect(a, fa.size, fa.name));
    case "cutPlan":
      return JSON.parse(w.cut_plan(a, fa.size, fa.name));
    case "liveToMotion":
      return downloads(w.live_to_motion(a, fa.size, fa.name, b, fb.size, fb.name, !!args.samsung), inputs);
    case "motionToLive":
      return downloads(w.motion_to_live(a, fa.size, fa.name), inputs);
    case "extract":
      return downloads(w.extract(a, fa.size, fa.name), inputs);
    case "videoToLive": {
      const key = args.keyJpeg ? new Uint8Array(args.keyJpeg) : new Uint8Array(0);
      const made = w.video_to_live(a, fa.size, fa.name, args.start, args.end, args.still,
        !!args.live, !!args.motion, !!args.samsung, !!args.mute, key);
      return downloads(made, inputs);
    }
    default:
      throw new Error(`unknown request ${op}`);
  }
}

self.onmessage = async (ev) => {
  const { id, op, inputs = [], args = {} } = ev.data;
  if (op === "init") {
    wasmBytes = ev.data.wasm;
    try {
      await start();
      self.postMessage({ id, ok: true });
    } catch (e) {
      self.postMessage({ id, ok: false, error: `the WebAssembly module did not start: ${e}` });
    }
    return;
  }
  await ready;
  const handles = inputs.map((f) => {
    const h = nextHandle++;
    registered.set(h, f);
    return h;
  });
  const t0 = performance.now();
  try {
    const result = run(op, inputs, handles, args);
    self.postMessage({ id, ok: true, result, ms: performance.now() - t0 });
  } catch (e) {
    let error = String((e && e.message) || e);
    if (lastPanic) {
      // A bug of ours, not the file's: say so, and start a fresh module.
      error = `internal error (please report it): ${lastPanic}`;
      await start();
    }
    self.postMessage({ id, ok: false, error });
  } finally {
    handles.forEach((h) => registered.delete(h));
  }
};
