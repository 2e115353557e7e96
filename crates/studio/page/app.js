// vivify studio page. Plain JavaScript, no libraries: every action is a call
// of the API documented at /api/openapi.json.
"use strict";

const $ = (id) => document.getElementById(id);
const HEADERS = { "X-Vivify-Request": "1" };
// Shown until the photo's own ideas arrive (and if they cannot be had).
const IDEAS = ["gentle zoom in", "clouds drift left", "snow falls", "loop"].map((prompt) => ({ prompt, why: "" }));

let upload = null;   // the Upload the API answered with
let job = null;      // the running job's id
let events = null;   // its EventSource
let previewUrl = null;
let moment = null;   // the video's preview: duration, automatic choice, frames
let jobKind = null;  // what the running job makes ("alive" or "live")
let shown = null;    // the finished job on screen

// Shows one step of the page (the picker stays above the first two).
function show(section) {
  for (const id of ["compose", "video", "work", "result", "failure", "tools"]) $(id).hidden = id !== section;
  $("pick").hidden = !(section === null || section === "compose" || section === "video");
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
  // Which check refused, under which rule (the words above say why).
  $("failure-rule").textContent = refusal ? `Refused at the ${refusal.stage} check, rule ${refusal.rule}.` : "";
  $("failure-ref").textContent = (refusal && refusal.reference) || b.reference || "none";
  show("failure");
}

async function choose(file) {
  if (!file) return;
  const isVideo = /^video\//.test(file.type) || /\.(mov|mp4)$/i.test(file.name || "");
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  if (!isVideo) {
    $("preview").src = previewUrl;   // the photo appears at once
    show("compose");
    $("go").disabled = true;
  }
  $("upload-status").textContent = `Uploading ${file.name}…`;
  try {
    upload = await api(`/api/uploads?name=${encodeURIComponent(file.name || "upload")}`, {
      method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" },
    });
    const what = upload.kind === "video" ? `${upload.duration_s.toFixed(1)} s video` : "photo";
    $("upload-status").textContent = `${upload.name}: ${upload.width}×${upload.height} ${what}`;
    if (upload.kind === "video") {
      startMoment();
    } else {
      show("compose");
      $("preview").src = previewUrl;
      $("go").disabled = false;
      chips(IDEAS);
      delete $("chips").dataset.from;
      ideasFor(upload);
    }
  } catch (e) {
    $("upload-status").textContent = "";
    fail(e);
  }
}

// Suggestion chips; a chip's title says what in the photo it comes from.
function chips(ideas) {
  $("chips").replaceChildren(...ideas.map((idea) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "chip";
    b.textContent = idea.prompt;
    if (idea.why) b.title = idea.why;
    b.addEventListener("click", () => {
      const p = $("prompt");
      p.value = p.value.trim() ? `${p.value.trim()}, ${idea.prompt}` : idea.prompt;
      p.focus();
    });
    return b;
  }));
}

// The photo's own ideas, from what its scene holds.
async function ideasFor(u) {
  try {
    const r = await api(`/api/uploads/${u.id}/ideas`);
    if (upload && upload.id === u.id && r.ideas.length) {
      chips(r.ideas);
      $("chips").dataset.from = "scene";
    }
  } catch (_) {
    // The fixed ideas stay.
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
    jobKind = "alive";
    follow(j.id);
  } catch (e) {
    fail(e);
  }
}

// Follows a job's events. Without handlers it is the page's main job: the
// progress step shows, then the result or the failure.
function follow(id, on) {
  const own = !on;
  on = on || { progress: showProgress, done: finished };
  const source = new EventSource(`/api/jobs/${id}/events`);
  if (own) {
    job = id;
    show("work");
    $("phase").textContent = "Waiting for a worker…";
    $("bar").removeAttribute("value");
    if (events) events.close();
    events = source;
  }
  let ended = false;
  source.addEventListener("progress", (m) => on.progress(JSON.parse(m.data)));
  source.addEventListener("state", (m) => {
    const j = JSON.parse(m.data);
    if (j.state === "queued") return;
    ended = true;
    source.close();
    on.done(j);
  });
  source.onerror = () => {
    // The stream broke before the end: ask for the job once.
    if (ended) return;
    source.close();
    api(`/api/jobs/${id}`).then((j) => (j.state === "queued" || j.state === "running") ? follow(id, own ? null : on) : on.done(j), fail);
  };
}

function showProgress(p) {
  $("phase").textContent = p.phase.charAt(0).toUpperCase() + p.phase.slice(1) + "…";
  if (p.total > 0) {
    $("bar").max = p.total;
    $("bar").value = p.done;
  } else {
    $("bar").removeAttribute("value");
  }
}

function finished(j) {
  if (j.state === "done") return showResult(j);
  if (j.state === "cancelled") {
    show(upload && upload.kind === "video" ? "video" : "compose");
    $("upload-status").textContent = "Cancelled.";
    return;
  }
  const e = new Error((j.error && j.error.message) || "the job failed");
  e.body = { message: j.error && j.error.message, refusal: j.error && j.error.refusal, kind: j.error && j.error.kind };
  fail(e);
}

function fileUrl(j, f, query) {
  return `/api/jobs/${j.id}/files/${encodeURIComponent(f.name)}${query ? "?" + query : ""}`;
}

const ROLE_WORDS = {
  video: "Video (MP4)",
  live_still: "Live Photo: key photo",
  live_video: "Live Photo: movie (MOV)",
  live_pair_zip: "Live Photo: key photo + movie in one zip",
  pvt: "Live Photo as a .pvt package (zip)",
  motion_photo: "Motion Photo (one file)",
  explain_contact: "Contact sheet (PNG)",
  explain_masks: "Masks and depth (PNG)",
};

function showResult(j) {
  shown = j;
  const byRole = Object.fromEntries(j.files.map((f) => [f.role, f]));
  $("share-box").hidden = jobKind !== "alive" || !byRole.video;
  $("share-status").replaceChildren();
  $("share").disabled = false;
  const still = byRole.live_still || byRole.motion_photo;
  const video = byRole.video || byRole.preview || byRole.live_video;
  $("live-still").src = still ? fileUrl(j, still) : "";
  $("live-video").src = video ? fileUrl(j, video, "play=1") : "";
  $("live-video").muted = false;
  $("live-unplayable").hidden = true;
  // Footage from a camera stays footage: the AI label is for what vivify made up.
  $("ai-label").hidden = jobKind !== "alive";
  $("result-title").textContent = jobKind === "alive" ? "Your living moment" : "Your Live Photo";
  const list = $("downloads");
  list.replaceChildren();
  for (const f of j.files.filter((f) => f.role !== "thumbnail" && f.role !== "preview")) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = fileUrl(j, f, "download=1");
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
  $("masks").src = byRole.explain_masks ? fileUrl(j, byRole.explain_masks) : "";
  $("masks").hidden = !byRole.explain_masks;
  show("result");
}

// Share: the share check, then a page of its own.
async function share() {
  const video = shown && shown.files.find((f) => f.role === "video");
  if (!video) return;
  $("share").disabled = true;
  $("share-status").textContent = "Checking…";
  try {
    const r = await api(`/api/jobs/${shown.id}/share`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ file: video.name, caption: $("caption").value.trim() || null }),
    });
    const a = document.createElement("a");
    a.href = r.url;
    a.id = "share-link";
    a.textContent = `${location.origin}${r.url}`;
    $("share-status").replaceChildren(document.createTextNode("Shared: "), a);
  } catch (e) {
    const b = e.body || {};
    const refusal = b.refusal;
    $("share-status").textContent = refusal
      ? `Not shared: ${refusal.message} ${refusal.next || ""} (the ${refusal.stage} check, rule ${refusal.rule}; reference ${refusal.reference})`
      : `Not shared: ${b.message || e.message}`;
    $("share").disabled = false;
  }
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
  chips(IDEAS);
  dropAndPaste();
  liveViewer();
  $("alive-form").addEventListener("submit", start);
  $("live-form").addEventListener("submit", makeLive);
  $("share").addEventListener("click", share);
  $("open-tools").addEventListener("click", () => {
    toolUploads = [];
    $("inspected").replaceChildren();
    $("convert-actions").hidden = true;
    $("converted").hidden = true;
    show("tools");
  });
  $("close-tools").addEventListener("click", () => show(null));
  $("tools-files").addEventListener("change", (e) => addToolFiles([...e.target.files]));
  const td = $("tools-drop");
  td.addEventListener("dragover", (e) => { e.preventDefault(); td.classList.add("over"); });
  td.addEventListener("dragleave", () => td.classList.remove("over"));
  td.addEventListener("drop", (e) => { e.preventDefault(); td.classList.remove("over"); addToolFiles([...e.dataTransfer.files]); });
  $("to-motion").addEventListener("click", () => convert("motion"));
  $("to-live").addEventListener("click", () => convert("live"));
  for (const w of ["start", "end", "still"]) $(`v-${w}`).addEventListener("input", () => sliderMoved(w));
  $("auto").addEventListener("click", () => moment && setMoment(moment.start, moment.end, moment.still));
  $("cancel").addEventListener("click", () => {
    if (job) api(`/api/jobs/${job}/cancel`, { method: "POST" }).catch(fail);
  });
  $("again").addEventListener("click", () => { upload = null; $("file").value = ""; $("upload-status").textContent = ""; show(null); });
  $("retry").addEventListener("click", () => show(upload ? (upload.kind === "video" ? "video" : "compose") : null));
});
