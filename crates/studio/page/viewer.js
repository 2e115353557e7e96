// vivify studio page: the Live Photo viewer. Loaded after app.js, whose helpers
// ($, api, follow, fail, show) and state it uses.
"use strict";

// The Live Photo viewer: the still until pressed and held (touch, pen,
// keyboard) or hovered (mouse); then the motion from its start with sound;
// the still again on release. `box` holds the still and `video`.
function makeViewer(box, video) {
  const play = () => {
    if (!video.getAttribute("src")) return;
    box.classList.add("playing");
    video.currentTime = 0;
    video.play().catch((e) => {
      // A browser that will not play sound without a gesture gets it muted;
      // a play cut short by letting go (AbortError) stays stopped.
      if (e.name === "NotAllowedError" && box.classList.contains("playing")) {
        video.muted = true;
        video.play().catch(() => {});
      }
    });
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

function liveViewer() {
  const video = $("live-video");
  makeViewer($("live"), video);
  video.addEventListener("error", () => { if (video.getAttribute("src")) $("live-unplayable").hidden = false; });
}

// A Motion Photo (JPEG) from the convert panel, in the same viewer.
function motionViewer(u) {
  const box = document.createElement("div");
  box.className = "live small";
  box.tabIndex = 0;
  box.setAttribute("role", "button");
  box.title = "Press and hold, or hover, to play";
  const img = document.createElement("img");
  img.src = `/api/uploads/${u.id}/file`;
  img.alt = "";
  const video = document.createElement("video");
  video.src = `/api/uploads/${u.id}/motion`;
  video.playsInline = true;
  video.preload = "auto";
  video.setAttribute("aria-hidden", "true");
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = "LIVE";
  box.append(img, video, badge);
  makeViewer(box, video);
  return box;
}
