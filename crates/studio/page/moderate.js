// The moderators' page: sign in, the queue, a case with its item, reports,
// checks and history, decisions with reasons, appeals, the audit log.
"use strict";

const $ = (id) => document.getElementById(id);
const CATEGORIES = ["sexual", "sexual_minors", "nonconsensual_intimate", "violence_graphic", "self_harm", "hate",
  "harassment", "illegal_goods_weapons", "spam", "privacy", "other"];
let current = null;   // the case on screen

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { "X-Vivify-Request": "1", "Content-Type": "application/json", ...(options.headers || {}) } });
  const body = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error((body && body.message) || `${r.status}`), { status: r.status, body });
  return body;
}

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

async function signedIn(name) {
  $("who").textContent = `Signed in as ${name}`;
  $("login").hidden = true;
  $("desk").hidden = false;
  $("audit").hidden = false;
  await refresh();
}

async function refresh() {
  const cases = await api("/api/moderation/cases");
  const body = $("queue").querySelector("tbody");
  body.replaceChildren(...cases.map((c) => {
    const tr = document.createElement("tr");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = `Case ${c.id}`;
    open.addEventListener("click", () => show(c.id));
    const first = document.createElement("td");
    first.appendChild(open);
    tr.appendChild(first);
    for (const v of [c.state, c.priority, c.hidden ? "hidden" : "visible", c.assigned_to || "", c.appeal]) {
      const td = document.createElement("td");
      td.textContent = String(v);
      tr.appendChild(td);
    }
    return tr;
  }));
  const events = await api("/api/moderation/audit?limit=50");
  $("audit-events").replaceChildren(...events.map((e) => item(`${e.at} case ${e.case_id}: ${e.kind} by ${e.actor}`)));
}

function showCase(c) {
  current = c;
  $("case").hidden = false;
  $("case-title").textContent = `Case ${c.id}: item ${c.item.id} (${c.item.kind})`;
  $("case-state").textContent = `State: ${c.state}; item ${c.item.status}; priority ${c.priority}` +
    (c.assigned_to ? `; with ${c.assigned_to}` : "") + (c.appeal !== "none" ? `; appeal ${c.appeal}` : "");
  const media = $("case-media");
  media.replaceChildren();
  const share = (c.shares || [])[0];
  if (share) {
    const isVideo = /\.(mp4|mov)$/i.test(share.file);
    const el = document.createElement(isVideo ? "video" : "img");
    el.src = share.review_media;
    if (isVideo) { el.controls = true; el.muted = true; el.setAttribute("aria-label", "The reported clip"); } else { el.alt = "The reported picture"; }
    media.appendChild(el);
  }
  $("case-reports").replaceChildren(...c.reports.map((r) => item(`${r.created_at} ${r.reporter}: ${r.reason}${r.details ? ` — ${r.details}` : ""}`)));
  $("case-facts").textContent = JSON.stringify(c.item.facts, null, 2);
  $("case-events").replaceChildren(...c.events.map((e) => item(`${e.at} ${e.kind} by ${e.actor}`)));
  $("decide-form").hidden = c.state !== "reviewing";
  $("appeal-form").hidden = c.appeal !== "open";
  $("case-status").textContent = "";
}

async function show(id) {
  try { showCase(await api(`/api/moderation/cases/${id}`)); } catch (e) { $("case-status").textContent = e.message; }
}

document.addEventListener("DOMContentLoaded", async () => {
  const cat = $("category");
  for (const c of CATEGORIES) {
    const o = document.createElement("option");
    o.value = c;
    o.textContent = c.replace(/_/g, " ");
    cat.appendChild(o);
  }
  const me = await api("/api/me").catch(() => ({ moderator: null }));
  if (me.moderator) await signedIn(me.moderator); else $("login").hidden = false;
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const me = await api("/api/login", { method: "POST", body: JSON.stringify({ name: $("name").value, password: $("password").value }) });
      $("password").value = "";
      await signedIn(me.moderator);
    } catch (e) {
      $("login-status").textContent = e.message;
    }
  });
  $("logout").addEventListener("click", async () => { await api("/api/logout", { method: "POST" }); location.reload(); });
  $("refresh").addEventListener("click", refresh);
  $("next").addEventListener("click", async () => {
    const c = await api("/api/moderation/next", { method: "POST" });
    if (c) showCase(c); else $("case-status").textContent = "The queue is empty.";
    await refresh();
  });
  $("decide-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const action = document.querySelector("input[name=action]:checked").value;
    try {
      const c = await api(`/api/moderation/cases/${current.id}/decide`, {
        method: "POST",
        body: JSON.stringify({ action, category: action === "remove" ? $("category").value : null, facts: $("facts").value }),
      });
      showCase(c);
      $("case-status").textContent = `Decided: ${c.state}.`;
      await refresh();
    } catch (e) {
      $("case-status").textContent = e.message;
    }
  });
  $("appeal-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const outcome = document.querySelector("input[name=outcome]:checked").value;
    try {
      const c = await api(`/api/moderation/cases/${current.id}/appeal`, { method: "POST", body: JSON.stringify({ outcome, facts: $("appeal-facts").value }) });
      showCase(c);
      await refresh();
    } catch (e) {
      $("case-status").textContent = e.message;
    }
  });
});
