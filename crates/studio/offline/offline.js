// The offline page: files in, Live Photos and Motion Photos out, all on this
// device. The WebAssembly runs in a worker made from bundle.js; this script
// only shows what the files are, offers what can be made of them and hands
// out the results as downloads. No request of this page carries a file.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...kids) => {
  const n = Object.assign(document.createElement(tag), props);
  for (const k of kids) n.append(k);
  return n;
};
const mb = (n) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MB`;

// ---- the worker ----
let worker = null;
let seq = 0;
const pending = new Map();

function call(op, inputs = [], args = {}, transfer = []) {
  return new Promise((resolve, reject) => {
    const id = ++seq;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, inputs, args, wasm: args.wasm }, transfer);
  });
}

async function startWorker() {
  const bundle = self.vivifyBundle;
  if (!bundle) throw new Error("bundle.js is missing: build it with scripts/build-offline");
  const url = URL.createObjectURL(new Blob([bundle.worker], { type: "text/javascript" }));
  worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = (ev) => {
    const p = pending.get(ev.data.id);
    pending.delete(ev.data.id);
    if (ev.data.ok) p.resolve(ev.data);
    else p.reject(new Error(ev.data.error));
  };
  worker.onerror = (ev) => status(`The converter stopped: ${ev.message}`, "problem");
  const wasm = Uint8Array.from(atob(bundle.wasm), (c) => c.charCodeAt(0));
  await call("init", [], { wasm }, [wasm.buffer]);
}

// ---- offline status ----
function status(text, kind = "") {
  const s = $("#status");
  s.textContent = text;
  s.className = kind;
}

async function keepForOffline() {
  if (location.protocol === "file:") {
    status("Ready. Running from files on this device: there is no server to talk to, and nothing is sent anywhere.", "offline-ready");
    return;
  }
  if (!("serviceWorker" in navigator)) {
    status("Ready. This browser cannot keep the page for offline use; your files are still never uploaded.");
    return;
  }
  try {
    await navigator.serviceWorker.register("sw.js");
    await navigator.serviceWorker.ready;
    status("Ready, and saved for offline use: this page now works with the network off. Your files are never uploaded.", "offline-ready");
  } catch (e) {
    status(`Ready. Could not save the page for offline use (${e.message}); your files are still never uploaded.`);
  }
}

// ---- files in ----
let seen = [];

async function take(fileList) {
  const files = [...fileList];
  if (!files.length) return;
  seen = [];
  $("#cards").replaceChildren();
  $("#task-list").replaceChildren();
  $("#seen").hidden = false;
  for (const file of files) {
    const card = el("li", {}, el("div", { className: "headline", textContent: `${file.name}: reading…` }));
    $("#cards").append(card);
    try {
      const { result } = await call("inspect", [file]);
      seen.push({ file, info: result });
      card.replaceChildren(
        el("div", { className: "headline", textContent: `${file.name}: ${result.headline}` }),
        el("ul", { className: "details" }, ...result.details.map((d) => el("li", { textContent: d }))),
      );
    } catch (e) {
      card.replaceChildren(el("div", { className: "headline error", textContent: `${file.name}: ${e.message}` }));
    }
  }
  offerTasks();
}

const role = (s) => s.info.report.role;
const isMovie = (s) => ["mov", "mp4"].includes(s.info.report.container);

function offerTasks() {
  const list = $("#task-list");
  const stills = seen.filter((s) => role(s) === "live-still" || (!isMovie(s) && role(s) === "plain"));
  const movies = seen.filter((s) => role(s) === "live-movie");
  const used = new Set();
  // Live pairs: by content identifier, or the only still with the only movie.
  for (const m of movies) {
    const cid = m.info.report.content_id;
    let s = stills.find((x) => !used.has(x) && cid && x.info.report.content_id === cid);
    if (!s && stills.length === 1 && movies.length === 1) s = stills[0];
    if (s) {
      used.add(s).add(m);
      list.append(pairTask(s, m));
    }
  }
  for (const s of seen.filter((x) => role(x) === "motion-photo")) list.append(motionTask(s));
  for (const v of seen.filter((x) => isMovie(x) && !used.has(x))) list.append(videoTask(v));
  $("#tasks").hidden = list.children.length === 0;
  if (!list.children.length && seen.length) {
    list.append(el("p", { textContent: "Nothing to make from these: add a Live Photo pair, a Motion Photo or a video." }));
    $("#tasks").hidden = false;
  }
}

function task(title, ...body) {
  const box = el("div", { className: "task" }, el("h3", { textContent: title }), ...body);
  return box;
}

function checkbox(label, checked = false) {
  const input = el("input", { type: "checkbox", checked });
  return [el("label", {}, input, ` ${label}`), input];
}

// Runs one conversion from a task's button and shows its downloads.
async function convert(box, button, label, work) {
  box.querySelector(".error")?.remove();
  button.disabled = true;
  const was = button.textContent;
  button.textContent = "Working…";
  const t0 = performance.now();
  try {
    const { result, ms } = await work();
    await showResults(label, result, performance.now() - t0, ms);
  } catch (e) {
    box.append(el("p", { className: "error", role: "alert", textContent: e.message }));
  } finally {
    button.disabled = false;
    button.textContent = was;
  }
}

function pairTask(still, movie) {
  const [samsungLabel, samsung] = checkbox("also Samsung's trailer (for Samsung Gallery)");
  const go = el("button", { type: "button", textContent: "Make a Motion Photo" });
  const box = task(`Live Photo pair: ${still.file.name} + ${movie.file.name}`,
    el("p", { className: "why", textContent: "One file that Google Photos, Android galleries and Samsung play: the photo with the movie inside, the video copied as it is." }),
    samsungLabel, go);
  go.onclick = () => convert(box, go, `${still.file.name} + ${movie.file.name} → Motion Photo`,
    () => call("liveToMotion", [still.file, movie.file], { samsung: samsung.checked }));
  return box;
}

function motionTask(s) {
  const toLive = el("button", { type: "button", textContent: "Make a Live Photo pair" });
  const apart = el("button", { type: "button", textContent: "Take apart (photo + MP4)" });
  const box = task(`Motion Photo: ${s.file.name}`,
    el("p", { className: "why", textContent: "A Live Photo pair for Apple Photos (the photo and a .MOV sharing one content identifier), or its photo and video as plain files." }),
    toLive, " ", apart);
  toLive.onclick = () => convert(box, toLive, `${s.file.name} → Live Photo pair`, () => call("motionToLive", [s.file]));
  apart.onclick = () => convert(box, apart, `${s.file.name} taken apart`, () => call("extract", [s.file]));
  return box;
}

function videoTask(v) {
  const box = task(`Video: ${v.file.name}`);
  const why = el("p", { className: "why", textContent: "Reading its key frames…" });
  box.append(why);
  call("cutPlan", [v.file]).then(({ result: plan }) => fillVideoTask(box, why, v, plan))
    .catch((e) => box.append(el("p", { className: "error", textContent: e.message })));
  return box;
}

function numberInput(value, max, label) {
  const input = el("input", { type: "number", step: "0.01", min: "0", max: String(max), value: String(value) });
  return [el("label", {}, `${label} `, input, " s"), input];
}

function fillVideoTask(box, why, v, plan) {
  why.textContent = `${plan.codec}, ${plan.width}×${plan.height}, ${plan.duration_s.toFixed(2)} s, ${plan.key_frames_s.length} key frames${plan.audio ? `, sound (${plan.audio})` : ", no sound"}. Suggested: ${plan.reasons.join("; ")}.`;
  const preview = el("video", { controls: true, muted: true, playsInline: true, preload: "metadata" });
  const canPlay = preview.canPlayType(`video/mp4; codecs="${plan.codec_string}"`) !== "";
  if (canPlay) {
    preview.src = URL.createObjectURL(v.file);
    box.append(preview);
  } else {
    box.append(el("p", { className: "why", textContent: `This browser does not play ${plan.codec}; the key photo is decoded by vivify itself.` }));
  }
  const starts = el("select", {}, ...plan.key_frames_s.map((t) => el("option", { value: String(t), textContent: `${t.toFixed(2)} s`, selected: t === plan.start_s })));
  const [endLabel, end] = numberInput(plan.end_s, plan.duration_s, "ends at");
  const [stillLabel, still] = numberInput(plan.still_s, plan.duration_s, "key photo at");
  const [liveLabel, live] = checkbox("Live Photo pair", true);
  const [motionLabel, motion] = checkbox("Motion Photo", true);
  const [samsungLabel, samsung] = checkbox("Samsung's trailer too");
  const [muteLabel, mute] = checkbox("without sound");
  const go = el("button", { type: "button", textContent: "Make it" });
  // A new start keeps the clip as long as it can be (up to 3 s) and puts
  // the key photo in its middle.
  starts.onchange = () => {
    const s = Number(starts.value);
    const e = Math.min(s + 3, plan.duration_s);
    end.value = e.toFixed(2);
    still.value = ((s + e) / 2).toFixed(2);
  };
  box.append(
    el("p", {}, el("label", {}, "Starts on the key frame at ", starts), " ", endLabel, " ", stillLabel),
    el("p", { className: "why", textContent: "A copied clip starts on a key frame; Live Photos last 1 to 3 seconds." }),
    el("p", {}, liveLabel, motionLabel, samsungLabel, muteLabel), go);
  go.onclick = () => convert(box, go, `${v.file.name} → ${[live.checked && "Live Photo", motion.checked && "Motion Photo"].filter(Boolean).join(" + ")}`, async () => {
    const args = {
      start: Number(starts.value), end: Number(end.value), still: Number(still.value),
      live: live.checked, motion: motion.checked, samsung: samsung.checked, mute: mute.checked,
    };
    const len = args.end - args.start;
    const shortest = Math.min(1, plan.duration_s - args.start);
    if (!(len >= shortest - 0.001 && len <= 3.001)) throw new Error(`The clip is ${len.toFixed(2)} s long; a Live Photo lasts 1 to 3 s.`);
    if (!(args.still >= args.start && args.still <= args.end)) throw new Error("The key photo must lie inside the clip.");
    if (!args.live && !args.motion) throw new Error("Choose a Live Photo pair, a Motion Photo or both.");
    let decodedBy = "vivify (in this page)";
    const transfer = [];
    if (canPlay) {
      args.keyJpeg = await keyFrame(v.file, args.still);
      transfer.push(args.keyJpeg);
      decodedBy = "this browser";
    } else if (plan.codec !== "HEVC") {
      throw new Error(`This browser cannot decode ${plan.codec}, so the key photo cannot be made here.`);
    }
    const done = await call("videoToLive", [v.file], args, transfer);
    done.result.keyDecodedBy = decodedBy;
    return done;
  });
}

// The frame shown at `t`, upright, as a JPEG: the browser decodes H.264.
async function keyFrame(file, t) {
  const v = el("video", { muted: true, preload: "auto" });
  const url = URL.createObjectURL(file);
  try {
    v.src = url;
    await new Promise((ok, bad) => { v.onloadeddata = ok; v.onerror = () => bad(new Error("this browser could not decode the video")); });
    v.currentTime = t;
    await new Promise((ok) => { v.onseeked = ok; });
    const c = el("canvas", { width: v.videoWidth, height: v.videoHeight });
    c.getContext("2d").drawImage(v, 0, 0, c.width, c.height);
    const jpeg = await new Promise((ok) => c.toBlob(ok, "image/jpeg", 0.92));
    return await jpeg.arrayBuffer();
  } finally {
    URL.revokeObjectURL(url);
  }
}

// ---- results out ----
// `ms`: the whole task, the browser's own decoding included; `wasmMs`: the
// part spent in vivify's module.
async function showResults(label, result, ms, wasmMs) {
  $("#results").hidden = false;
  const item = el("li", {}, el("div", { className: "headline", textContent: label }));
  const links = el("ul");
  for (const f of result.files) {
    const a = el("a", { href: URL.createObjectURL(f.blob), download: f.name, textContent: f.name });
    const li = el("li", {}, a, el("span", { className: "meta", textContent: ` ${mb(f.blob.size)}` }));
    links.append(li);
    // Say what the new file is, in inspect's words (read here, like any file).
    call("inspect", [new File([f.blob], f.name, { type: f.type })])
      .then(({ result: r }) => li.append(el("span", { className: "meta", textContent: `: ${r.headline}` })))
      .catch(() => {});
  }
  const notes = [...(result.report.notes || []), ...(result.report.reasons || []), ...(result.report.warnings || [])];
  if (result.keyDecodedBy) notes.push(`key photo decoded by ${result.keyDecodedBy}`);
  item.append(
    links,
    el("p", { className: "meta", textContent: `Made in ${Math.round(ms)} ms on this device (${Math.round(wasmMs)} ms in vivify); ${mb(result.fetched)} read from your files.` }),
    ...notes.map((n) => el("p", { className: "meta", textContent: n })),
  );
  item.dataset.ms = String(Math.round(ms));
  item.dataset.fetched = String(result.fetched);
  item.dataset.wasmMs = String(Math.round(wasmMs));
  $("#result-list").prepend(item);
  item.scrollIntoView({ block: "nearest" });
}

// ---- wiring ----
const drop = $("#drop");
$("#files").addEventListener("change", (e) => take(e.target.files));
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); take(e.dataTransfer.files); });

startWorker()
  .then(keepForOffline)
  .catch((e) => status(`This page could not start its converter: ${e.message}`, "problem"));
