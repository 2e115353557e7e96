// A share page: the item if it is still visible, its label and what its
// Content Credentials say, and the report form (no account needed).
"use strict";

const $ = (id) => document.getElementById(id);
const id = location.pathname.split("/").pop();

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { "X-Vivify-Request": "1", "Content-Type": "application/json", ...(options.headers || {}) } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.message || `${r.status}`), { body, status: r.status, retryAfter: r.headers.get("Retry-After") });
  return body;
}

async function load() {
  let s;
  try {
    s = await api(`/api/shares/${id}`);
  } catch (e) {
    $("status").textContent = e.status === 404 ? "Nothing is shared at this address." : e.message;
    return;
  }
  $("item").hidden = false;
  $("caption").textContent = s.caption || "";
  $("credentials").textContent = `Content Credentials: ${s.credentials}${s.signer ? ` Signed by ${s.signer}.` : ""}`;
  $("ai").hidden = !s.ai_generated;
  const media = $("media");
  media.replaceChildren();
  if (s.status === "visible" && s.media_url) {
    $("status").textContent = "";
    const el = document.createElement(s.content_type.startsWith("video/") ? "video" : "img");
    el.src = s.media_url;
    if (el.tagName === "VIDEO") {
      el.controls = true;
      el.playsInline = true;
      el.setAttribute("aria-label", s.caption || "The shared clip");
    } else {
      el.alt = s.caption || "The shared picture";
    }
    media.appendChild(el);
    $("report-box").hidden = false;
  } else {
    $("status").textContent = s.status === "hidden"
      ? "This item is hidden while a person reviews a report about it."
      : "This item was removed because it breaks the rules.";
    $("report-box").hidden = true;
    $("appeal-box").hidden = s.status !== "removed";
  }
  const reason = $("reason");
  if (!reason.options.length) {
    for (const r of s.reasons) {
      const o = document.createElement("option");
      o.value = r.code;
      o.textContent = r.words;
      reason.appendChild(o);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  load();
  $("report-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("send-report").disabled = true;
    try {
      const r = await api(`/api/shares/${id}/reports`, {
        method: "POST",
        body: JSON.stringify({ reason: $("reason").value, details: $("details").value, reporter: $("reporter").value }),
      });
      $("receipt").textContent = `${r.message} Reference: ${r.reference}.`;
      $("report-form").hidden = true;
      if (r.hidden) load();
    } catch (e) {
      $("receipt").textContent = e.status === 429 ? `Too many reports from here; try again in ${e.retryAfter || "a few"} seconds.` : e.message;
      $("send-report").disabled = false;
    }
  });
  $("appeal-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api(`/api/shares/${id}/appeal`, { method: "POST", body: JSON.stringify({ reason: $("appeal-reason").value }) });
      $("appeal-receipt").textContent = "Your appeal was received; a person will decide it.";
      $("appeal-form").hidden = true;
    } catch (e) {
      $("appeal-receipt").textContent = e.status === 401 ? "Only the person who shared this can appeal (from their studio)." : e.message;
    }
  });
});
