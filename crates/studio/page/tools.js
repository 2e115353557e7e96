// vivify studio page: convert and inspect. Loaded after app.js, whose helpers
// ($, api, follow, fail, show) and state it uses.
"use strict";

// ---- Convert and inspect ----

let toolUploads = [];   // uploads in the convert panel

async function addToolFiles(files) {
  $("converted").hidden = true;
  for (const file of files) {
    $("tools-status").textContent = `Uploading ${file.name}…`;
    try {
      const u = await api(`/api/uploads?name=${encodeURIComponent(file.name || "file")}`, {
        method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" },
      });
      toolUploads.push(u);
      const info = await api(`/api/uploads/${u.id}/inspect`);
      const li = document.createElement("li");
      li.className = "card";
      const h = document.createElement("h3");
      h.textContent = `${info.name}: ${info.headline}`;
      const details = document.createElement("ul");
      for (const d of info.details) {
        const item = document.createElement("li");
        item.textContent = d;
        details.appendChild(item);
      }
      const cred = document.createElement("p");
      cred.textContent = `Content Credentials: ${info.credentials}`;
      li.append(h, details, cred);
      if (u.role === "motion_photo" && u.format === "jpeg") li.appendChild(motionViewer(u));
      $("inspected").appendChild(li);
    } catch (e) {
      const li = document.createElement("li");
      li.className = "card problem";
      li.textContent = `${file.name}: ${(e.body && e.body.message) || e.message}`;
      $("inspected").appendChild(li);
    }
  }
  $("tools-status").textContent = "";
  const roles = toolUploads.map((u) => u.role);
  const pairs = roles.includes("live_still") && roles.includes("live_movie");
  $("to-motion").hidden = !pairs;
  $("to-live").hidden = !roles.includes("motion_photo");
  $("convert-actions").hidden = !(pairs || roles.includes("motion_photo"));
}

async function convert(to) {
  const spec = { kind: "convert", to, samsung: $("c-samsung").checked, uploads: toolUploads.map((u) => u.id) };
  $("tools-status").textContent = to === "motion" ? "Making Motion Photos…" : "Making Live Photos…";
  try {
    const j = await api("/api/jobs", { method: "POST", body: JSON.stringify(spec), headers: { "Content-Type": "application/json" } });
    follow(j.id, {
      progress: (p) => { $("tools-status").textContent = p.phase.charAt(0).toUpperCase() + p.phase.slice(1) + "…"; },
      done: (j) => {
        if (j.state !== "done") return finished(j);
        $("tools-status").textContent = `${j.files.length} file(s) made.`;
        const list = $("converted-files");
        list.replaceChildren(...j.files.map((f) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = fileUrl(j, f, "download=1");
          a.setAttribute("download", "");
          a.textContent = `${f.name} (${ROLE_WORDS[f.role] || f.role})`;
          li.appendChild(a);
          return li;
        }));
        $("converted-skipped").replaceChildren(...j.result.skipped.map((k) => {
          const li = document.createElement("li");
          li.textContent = `Not converted: ${k.file}: ${k.reason}`;
          return li;
        }));
        $("converted").hidden = false;
      },
    });
  } catch (e) {
    fail(e);
  }
}
