// vivify studio page. Plain JavaScript, no libraries: every action is a call
// of the API documented at /api/openapi.json.
"use strict";

const $ = (id) => document.getElementById(id);
const HEADERS = { "X-Vivify-Request": "1" };
const IDEAS = ["clouds drift", "the sky turns golden", "water ripples", "gentle zoom in",
  "snow falls", "blink and smile", "cozy winter evening", "loop"];

let upload = null;   // the Upload the API answered with
let job = null;      // the running job's id
let events = null;   // its EventSource
let previewUrl = null;

function show(section) {
  for (const id of ["compose", "work", "result", "failure"]) {
    $(id).hidden = id !== section && !(section === "compose-only" && id === "compose");
  }
  $("pick").hidden = section === "work" || section === "result";
}

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { ...HEADERS, ...(options.headers || {}) } });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = { message: text }; }
  if (!r.ok) {
    const e = new Error((body && body.message) || `${r.status} ${r.statusText}`);
    e.body = body || {};
    e.status = r.status;
    e.retryAfter = r.headers.get("Retry-After");
    throw e;
  }
  return body;
}

function fail(e) {
  const b = e.body || {};
  const refusal = b.refusal || (b.error && b.error.refusal);
  $("failure-text").textContent = refusal ? refusal.message : (b.message || e.message || String(e));
  let next = "";
  if (refusal) {
    next = `${refusal.data || ""} ${refusal.next || ""}`.trim();
  } else if (e.status === 429) {
    next = `The studio is busy. Try again in ${e.retryAfter || "a few"} seconds.`;
  } else if (b.kind === "too_large" || b.kind === "unsupported_media" || b.kind === "bad_input") {
    next = "Choose another file.";
  }
  $("failure-next").textContent = next;
  $("failure-ref").textContent = (refusal && refusal.reference) || b.reference || "none";
  show("failure");
}

async function choose(file) {
  if (!file) return;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  $("preview").src = previewUrl;   // the photo appears at once
  show("compose-only");
  $("go").disabled = true;
  $("upload-status").textContent = `Uploading ${file.name}…`;
  try {
    upload = await api(`/api/uploads?name=${encodeURIComponent(file.name || "photo")}`, {
      method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" },
    });
    if (upload.kind !== "photo") {
      throw Object.assign(new Error(`${upload.name} is a ${upload.kind}; choose a photo.`), { body: {} });
    }
    $("upload-status").textContent = `${upload.name}: ${upload.width}×${upload.height}`;
    $("go").disabled = false;
  } catch (e) {
    $("upload-status").textContent = "";
    fail(e);
  }
}

function chips() {
  const box = $("chips");
  for (const idea of IDEAS) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "chip";
    b.textContent = idea;
    b.addEventListener("click", () => {
      const p = $("prompt");
      p.value = p.value.trim() ? `${p.value.trim()}, ${idea}` : idea;
      p.focus();
    });
    box.appendChild(b);
  }
}

async function start(ev) {
  ev.preventDefault();
  if (!upload) return;
  const spec = {
    kind: "alive",
    upload: upload.id,
    prompt: $("prompt").value.trim() || null,
    duration: Number($("duration").value) || 3,
    size: $("size").value,
    seed: Math.max(0, Math.floor(Number($("seed").value) || 0)),
    looped: $("looped").checked,
    mute: $("mute").checked,
  };
  try {
    const j = await api("/api/jobs", {
      method: "POST", body: JSON.stringify(spec), headers: { "Content-Type": "application/json" },
    });
    follow(j.id);
  } catch (e) {
    fail(e);
  }
}

function follow(id) {
  job = id;
  show("work");
  $("phase").textContent = "Waiting for a worker…";
  $("bar").removeAttribute("value");
  if (events) events.close();
  events = new EventSource(`/api/jobs/${id}/events`);
  events.addEventListener("progress", (m) => {
    const p = JSON.parse(m.data);
    $("phase").textContent = p.phase.charAt(0).toUpperCase() + p.phase.slice(1) + "…";
    if (p.total > 0) {
      $("bar").max = p.total;
      $("bar").value = p.done;
    } else {
      $("bar").removeAttribute("value");
    }
  });
  events.addEventListener("state", (m) => {
    const j = JSON.parse(m.data);
    if (j.state === "queued") return;
    events.close();
    events = null;
    finished(j);
  });
  events.onerror = () => {
    // The stream ended or broke: ask for the job once.
    if (!events) return;
    events.close();
    events = null;
    api(`/api/jobs/${id}`).then((j) => (j.state === "queued" || j.state === "running") ? follow(id) : finished(j), fail);
  };
}

function finished(j) {
  if (j.state === "done") return showResult(j);
  if (j.state === "cancelled") { show("compose-only"); $("upload-status").textContent = "Cancelled."; return; }
  const e = new Error((j.error && j.error.message) || "the job failed");
  e.body = { message: j.error && j.error.message, refusal: j.error && j.error.refusal, kind: j.error && j.error.kind };
  fail(e);
}

function fileUrl(j, f, download) {
  return `/api/jobs/${j.id}/files/${encodeURIComponent(f.name)}${download ? "?download=1" : ""}`;
}

const ROLE_WORDS = {
  video: "Video (MP4)",
  live_still: "Live Photo: key photo",
  live_video: "Live Photo: movie (MOV)",
  motion_photo: "Motion Photo (one file)",
  explain_contact: "Contact sheet (PNG)",
  explain_masks: "Masks and depth (PNG)",
};

function showResult(j) {
  const byRole = Object.fromEntries(j.files.map((f) => [f.role, f]));
  const still = byRole.live_still || byRole.motion_photo;
  const video = byRole.video;
  $("live-still").src = still ? fileUrl(j, still) : "";
  $("live-video").src = video ? fileUrl(j, video) : "";
  $("live-video").muted = false;
  const list = $("downloads");
  list.replaceChildren();
  for (const f of j.files) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = fileUrl(j, f, true);
    a.textContent = ROLE_WORDS[f.role] || f.name;
    a.setAttribute("download", "");
    const size = document.createElement("span");
    size.className = "size";
    size.textContent = ` ${(f.bytes / 1e6).toFixed(1)} MB`;
    li.append(a, size);
    list.appendChild(li);
  }
  const notes = $("notes");
  notes.replaceChildren();
  for (const n of ((j.result && j.result.plan && j.result.plan.notes) || [])) {
    const li = document.createElement("li");
    li.textContent = n;
    notes.appendChild(li);
  }
  $("contact").src = byRole.explain_contact ? fileUrl(j, byRole.explain_contact) : "";
  $("contact").hidden = !byRole.explain_contact;
  show("result");
}

// The Live Photo viewer: the still until pressed and held (touch, pen,
// keyboard) or hovered (mouse); then the motion from its start with sound;
// the still again on release.
function liveViewer() {
  const box = $("live");
  const video = $("live-video");
  const play = () => {
    if (!video.src) return;
    box.classList.add("playing");
    video.currentTime = 0;
    video.play().catch(() => { video.muted = true; video.play().catch(() => {}); });
  };
  const stop = () => {
    box.classList.remove("playing");
    video.pause();
  };
  box.addEventListener("pointerdown", (e) => { if (e.pointerType !== "mouse" || e.button === 0) { e.preventDefault(); play(); } });
  box.addEventListener("pointerenter", (e) => { if (e.pointerType === "mouse") play(); });
  for (const t of ["pointerup", "pointercancel"]) box.addEventListener(t, (e) => { if (e.pointerType !== "mouse") stop(); });
  box.addEventListener("pointerleave", stop);
  box.addEventListener("contextmenu", (e) => e.preventDefault());
  box.addEventListener("keydown", (e) => { if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); play(); } });
  box.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") stop(); });
  video.addEventListener("ended", stop);
}

function dropAndPaste() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    choose(e.dataTransfer.files[0]);
  });
  document.addEventListener("paste", (e) => {
    const f = [...(e.clipboardData ? e.clipboardData.files : [])][0];
    if (f) choose(f);
  });
  $("file").addEventListener("change", (e) => choose(e.target.files[0]));
}

document.addEventListener("DOMContentLoaded", () => {
  chips();
  dropAndPaste();
  liveViewer();
  $("alive-form").addEventListener("submit", start);
  $("cancel").addEventListener("click", () => {
    if (job) api(`/api/jobs/${job}/cancel`, { method: "POST" }).catch(fail);
  });
  $("again").addEventListener("click", () => { upload = null; $("file").value = ""; show(null); $("pick").hidden = false; });
  $("retry").addEventListener("click", () => { show(upload ? "compose-only" : null); $("pick").hidden = false; });
});
