// vivify studio page: video → Live Photo (filmstrip, moment, key photo). Loaded after app.js, whose helpers
// ($, api, follow, fail, show) and state it uses.
"use strict";

// ---- Video → Live Photo: the filmstrip, the range and the key photo ----

const MIN_MOMENT = 1, MAX_MOMENT = 3;
const fmt = (t) => `${t.toFixed(2)} s`;

async function startMoment() {
  show("video");
  moment = null;
  $("make-live").disabled = true;
  $("strip-frames").replaceChildren();
  $("reasons").replaceChildren();
  $("strip-status").textContent = "Looking for the best moment…";
  try {
    const j = await api("/api/jobs", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ kind: "video_preview", upload: upload.id, frames: 12, height: 96 }),
    });
    follow(j.id, {
      progress: (p) => { $("strip-status").textContent = p.phase.charAt(0).toUpperCase() + p.phase.slice(1) + "…"; },
      done: showMoment,
    });
  } catch (e) {
    fail(e);
  }
}

function showMoment(j) {
  if (j.state !== "done") return finished(j);
  const r = j.result;
  moment = { duration: r.duration_s, start: r.start_s, end: r.end_s, still: r.still_s, reasons: r.reasons,
    frames: r.frames.map((f) => ({ time: f.time_s, url: `/api/jobs/${j.id}/files/${encodeURIComponent(f.name)}` })) };
  $("strip-frames").replaceChildren(...moment.frames.map((f) => {
    const img = document.createElement("img");
    img.src = f.url;
    img.alt = "";
    return img;
  }));
  for (const id of ["v-start", "v-end", "v-still"]) $(id).max = moment.duration.toFixed(2);
  setMoment(moment.start, moment.end, moment.still);
  $("reasons").replaceChildren(...moment.reasons.map((t) => {
    const li = document.createElement("li");
    li.textContent = t;
    return li;
  }));
  $("strip-status").textContent =
    `Chosen automatically: ${fmt(moment.start)} to ${fmt(moment.end)}, key photo at ${fmt(moment.still)}. Move the sliders to change it.`;
  $("make-live").disabled = false;
}

// Puts the three sliders at a consistent choice and draws it on the strip.
function setMoment(start, end, still) {
  const d = moment.duration;
  start = Math.max(0, Math.min(start, d));
  end = Math.max(start, Math.min(end, d));
  still = Math.max(start, Math.min(still, end));
  $("v-start").value = start.toFixed(2);
  $("v-end").value = end.toFixed(2);
  $("v-still").value = still.toFixed(2);
  $("v-start-out").textContent = fmt(start);
  $("v-end-out").textContent = fmt(end);
  $("v-still-out").textContent = fmt(still);
  $("strip-window").style.left = `${(100 * start) / d}%`;
  $("strip-window").style.width = `${(100 * (end - start)) / d}%`;
  $("strip-key").style.left = `${(100 * still) / d}%`;
  let near = moment.frames[0];
  for (const f of moment.frames) if (Math.abs(f.time - still) < Math.abs(near.time - still)) near = f;
  if (near) $("key-frame").src = near.url;
}

// A slider moved: the moment stays 1–3 s long (within the video) by moving
// its other end, and the key photo stays inside it.
function sliderMoved(which) {
  const d = moment.duration;
  let start = Number($("v-start").value), end = Number($("v-end").value);
  const still = Number($("v-still").value);
  const min = Math.min(MIN_MOMENT, d), max = Math.min(MAX_MOMENT, d);
  if (which === "start") {
    start = Math.min(start, d - min);
    end = Math.min(Math.max(end, start + min), start + max);
  } else if (which === "end") {
    end = Math.max(end, min);
    start = Math.max(Math.min(start, end - min), end - max);
  }
  setMoment(start, end, still);
}

async function makeLive(ev) {
  ev.preventDefault();
  const spec = {
    kind: "live", upload: upload.id,
    start: Number($("v-start").value), end: Number($("v-end").value), still: Number($("v-still").value),
    live: $("o-live").checked, motion: $("o-motion").checked, samsung: $("o-samsung").checked, pvt: $("o-pvt").checked,
  };
  try {
    const j = await api("/api/jobs", { method: "POST", body: JSON.stringify(spec), headers: { "Content-Type": "application/json" } });
    jobKind = "live";
    follow(j.id);
  } catch (e) {
    fail(e);
  }
}
