#!/usr/bin/env node
// The studio in a real browser (issue 16): Playwright (playwright-core from
// npm) drives Debian's Chromium through the page as a person would, and
// axe-core checks every state of the page for accessibility problems.
//
//   node scripts/studio-browser.cjs --bin target/debug/vivify [--screenshots docs/images]
//
// Needs: chromium (apt), playwright-core and axe-core (npm, in
// $VIVIFY_NODE_MODULES, default ~/.cache/vivify-tools/node_modules),
// ffprobe and ExifTool ($EXIFTOOL) to judge the downloads.
"use strict";

const path = require("path");
const fs = require("fs");
const os = require("os");
const { execFileSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const BIN = path.resolve(opt("--bin", path.join(ROOT, "target/debug/vivify")));
const SHOTS = opt("--screenshots", null);
const PHOTO = path.join(ROOT, "tests/fixtures/photos/temple.jpg");

const { chromium, CHROMIUM, tally, check, axe, ffprobeOk, exif, watchConsole, serve } = require("./browser-judges.cjs");

const MODERATOR = ["mia", "a long and correct password"];

function startStudio(data) {
  const env = { ...process.env, VIVIFY_CONFIG_DIR: path.join(data, "config") };
  execFileSync(BIN, ["serve", "--data", data, "--add-moderator", MODERATOR[0]], { input: MODERATOR[1] + "\n", env });
  const extra = [];
  // Sharing needs the image classifier to have checked the clip; without
  // the safety pack here, a policy that lets the flow be tested anyway.
  if (!process.env.VIVIFY_NSFW_MODEL || !fs.existsSync(process.env.VIVIFY_NSFW_MODEL)) {
    const policy = path.join(data, "lax-policy.toml");
    fs.writeFileSync(policy, fs.readFileSync(path.join(ROOT, "crates/safety/src/default-policy.toml"), "utf8")
      .replace("allow_without_classifier = false", "allow_without_classifier = true"));
    extra.push("--policy", policy);
    console.log("  (no safety pack: sharing allowed without the image classifier)");
  }
  return serve(BIN, ["--data", data, "--workers", "1", ...extra], env);
}

async function shot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  const save = (n) => page.screenshot({ path: path.join(SHOTS, `studio-${n}.jpg`), fullPage: true, type: "jpeg", quality: 80 });
  await save(name);
  // The same page at a phone's width, for the pages the phone run does not visit.
  if (name.endsWith("-desktop") && !["pick-desktop", "result-desktop"].includes(name)) {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await save(name.replace(/-desktop$/, "-phone"));
    await page.setViewportSize(size);
  }
}

// Back to the picker, from a result or a failure.
async function restart(page) {
  await page.click((await page.isVisible("#again")) ? "#again" : "#retry");
}

async function bringToLife(page, prompt, photo = PHOTO) {
  await page.setInputFiles("#file", photo);
  await page.waitForSelector("#compose:not([hidden])");
  check(await page.$eval("#preview", (i) => i.src.startsWith("blob:")), "the photo shows at once (from the file, before the upload ends)");
  await page.waitForSelector("#go:not([disabled])");
  // The chips become the photo's own ideas.
  await page.waitForFunction(() => document.getElementById("chips").dataset.from === "scene", null, { timeout: 30000 }).catch(() => null);
  const chips = await page.$$eval("#chips .chip", (l) => l.map((b) => `${b.textContent} (${b.title})`));
  check(chips.length > 0 && (await page.$eval("#chips", (c) => c.dataset.from === "scene")), `ideas from the photo: ${chips.join(", ")}`);
  if (prompt) await page.fill("#prompt", prompt);
  // Record every phase the progress line shows.
  await page.evaluate(() => {
    window.__phases = [];
    new MutationObserver(() => window.__phases.push(document.getElementById("phase").textContent))
      .observe(document.getElementById("phase"), { childList: true, characterData: true, subtree: true });
  });
  await page.click("#go");
  await page.waitForSelector("#result:not([hidden]), #failure:not([hidden])", { timeout: 300000 });
  return page.evaluate(() => window.__phases);
}

async function liveViewer(page) {
  // The result can appear under the mouse (where the button was): move it
  // off, as hovering plays.
  await page.mouse.move(1, 1);
  await page.waitForFunction(() => document.getElementById("live-still").naturalWidth > 0);
  check(await page.$eval("#live .badge", (b) => b.textContent === "LIVE"), "the viewer has a LIVE badge");
  const rest = await page.$eval("#live-video", (v) => ({ paused: v.paused, playing: document.getElementById("live").classList.contains("playing") }));
  check(rest.paused && !rest.playing, `the still shows until the viewer is held (${JSON.stringify(rest)})`);
  // Mouse: hover plays, leaving brings the still back.
  await page.hover("#live");
  await page.waitForFunction(() => document.getElementById("live-video").currentTime > 0.4, null, { timeout: 20000 });
  check(await page.$eval("#live", (l) => l.classList.contains("playing")), "hovering plays the motion (currentTime advances)");
  await page.mouse.move(1, 1);
  check(await page.$eval("#live-video", (v) => v.paused && !document.getElementById("live").classList.contains("playing")),
    "leaving brings the still back");
  // Touch: press and hold, release.
  await page.$eval("#live", (l) => l.dispatchEvent(new PointerEvent("pointerdown", { pointerType: "touch", bubbles: true })));
  const t0 = await page.$eval("#live-video", (v) => v.currentTime);
  await page.waitForFunction((t) => document.getElementById("live-video").currentTime > t + 0.3, t0, { timeout: 20000 });
  check(true, "press and hold plays the motion (currentTime advances)");
  await page.$eval("#live", (l) => l.dispatchEvent(new PointerEvent("pointerup", { pointerType: "touch", bubbles: true })));
  check(await page.$eval("#live-video", (v) => v.paused && !document.getElementById("live").classList.contains("playing")),
    "release brings the still back");
}

async function downloads(page, dir, prefix, expected) {
  const links = await page.$$("#downloads a");
  check(links.length >= expected, `${links.length} downloads offered`);
  const saved = {};
  for (const a of links) {
    const [dl] = await Promise.all([page.waitForEvent("download"), a.click()]);
    const name = dl.suggestedFilename();
    const file = path.join(dir, name);
    await dl.saveAs(file);
    saved[name] = file;
  }
  const names = Object.keys(saved);
  check(names.every((n) => n.startsWith(prefix)), `download names come from the upload: ${names.join(", ")}`);
  const find = (re) => names.find((n) => re.test(n));
  const mp4 = find(/\.mp4$/), mov = find(/\.MOV$/), still = find(/\.(alive|live)\.(JPG|jpg)$/), motion = find(/\.MP\.jpg$/);
  if (prefix.endsWith(".alive")) check(mp4 && ffprobeOk(saved[mp4]), `ffprobe decodes the MP4 (${mp4})`);
  check(find(/\.pair\.zip$/) && fs.statSync(saved[find(/\.pair\.zip$/)]).size > 1000, "the Live pair comes as one zip too");
  check(mov && ffprobeOk(saved[mov]), `ffprobe decodes the Live Photo's MOV (${mov})`);
  if (still && mov) {
    const a = exif(saved[still], "ContentIdentifier"), b = exif(saved[mov], "ContentIdentifier");
    check(a && a === b, `ExifTool reads one content identifier in the pair (${a})`);
  } else {
    check(false, "the Live pair was offered");
  }
  check(motion && exif(saved[motion], "MotionPhoto") === "1", `ExifTool reads the Motion Photo flag (${motion})`);
}

// A clip from ffmpeg's test source (H.264 + AAC, 5 s), so the browser can
// play the Live Photo's movie.
function makeClip(dir) {
  const clip = path.join(dir, "clip.mp4");
  execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i",
    "sine=frequency=440:sample_rate=48000", "-t", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", clip]);
  return clip;
}

async function videoToLive(page, dir, url) {
  await restart(page);
  await page.setInputFiles("#file", makeClip(dir));
  await page.waitForSelector("#video:not([hidden])");
  await page.waitForSelector("#make-live:not([disabled])", { timeout: 120000 });
  check(await page.$$eval("#strip-frames img", (l) => l.length) === 12, "the filmstrip shows 12 frames");
  await page.waitForFunction(() => [...document.querySelectorAll("#strip-frames img")].every((i) => i.naturalWidth > 0));
  check(await page.$$eval("#reasons li", (l) => l.length) > 0, "the automatic moment is explained");
  const auto = await page.evaluate(() => ["v-start", "v-end", "v-still"].map((id) => Number(document.getElementById(id).value)));
  check(auto[0] < auto[1] && auto[0] <= auto[2] && auto[2] <= auto[1], `the automatic moment is pre-selected: ${auto.join(", ")}`);
  await shot(page, "video-desktop");
  await axe(page, "the moment chooser");
  // The range handles keep the moment 1–3 s long.
  await page.fill("#v-end", "5");
  await page.fill("#v-start", "0.5");
  let [a, b] = await page.evaluate(() => ["v-start", "v-end"].map((id) => Number(document.getElementById(id).value)));
  check(b - a <= 3.001 && b - a >= 0.999, `the moment stays 1–3 s long: ${a}–${b}`);
  await page.fill("#v-end", "2.5");
  await page.fill("#v-start", "1");
  [a, b] = await page.evaluate(() => ["v-start", "v-end"].map((id) => Number(document.getElementById(id).value)));
  check(a === 1 && b === 2.5, `the moment is 1–2.5 s: ${a}–${b}`);
  // The key photo moved away from the automatic choice.
  const still = Math.abs(auto[2] - 2.2) > 0.2 ? 2.2 : 1.3;
  await page.fill("#v-still", String(still));
  check(await page.textContent("#v-still-out") === `${still.toFixed(2)} s`, `the key photo shows its time (${still})`);
  await page.check("#o-pvt");
  await page.click("#make-live");
  await page.waitForSelector("#result:not([hidden]), #failure:not([hidden])", { timeout: 300000 });
  check(await page.isVisible("#result"), "the Live Photo came back");
  check(!(await page.isVisible("#ai-label")), "camera footage carries no AI-generated label");
  const jobs = await (await fetch(`${url}/api/jobs?limit=1`)).json();
  const r = jobs[0].result;
  check(Math.abs(r.still_s - still) < 0.04 && Math.abs(r.start_s - 1) < 0.04,
    `the Live Photo uses the moved key photo: still ${r.still_s} s (asked ${still}), start ${r.start_s} s`);
  await liveViewer(page);
  await shot(page, "video-result-desktop");
  await downloads(page, dir, "clip.live", 5);
  check(await page.$$eval("#downloads a", (l) => l.some((a) => /pvt/.test(a.textContent))), "the .pvt package is offered");
}

// A real iPhone movie (HEVC, which this Chromium cannot decode) becomes a
// Live Photo that still plays in the viewer, through its H.264 preview.
async function iphoneToLive(page) {
  await restart(page);
  await page.setInputFiles("#file", path.join(ROOT, "tests/fixtures/samples/apple_iphone15promax_ios26.1_apple.MOV"));
  await page.waitForSelector("#make-live:not([disabled])", { timeout: 120000 });
  await page.click("#make-live");
  await page.waitForSelector("#result:not([hidden]), #failure:not([hidden])", { timeout: 300000 });
  check(await page.isVisible("#result"), "an iPhone movie became a Live Photo");
  check((await page.$eval("#live-video", (v) => v.getAttribute("src"))).includes("preview.mp4"), "its viewer plays the H.264 preview");
  await liveViewer(page);
  check(!(await page.$$eval("#downloads a", (l) => l.some((a) => /preview/.test(a.getAttribute("href"))))), "the preview is not offered as a download");
}

// A real iPhone Live pair (from the samples) becomes a Motion Photo.
async function convertPair(page, dir) {
  const sample = (n) => path.join(ROOT, "tests/fixtures/samples", n);
  await page.click("#again");
  await page.click("#open-tools");
  await page.setInputFiles("#tools-files", [sample("apple_iphone15promax_ios26.1_apple.HEIC"), sample("apple_iphone15promax_ios26.1_apple.MOV")]);
  await page.waitForFunction(() => document.querySelectorAll("#inspected .card").length === 2, null, { timeout: 60000 });
  const heads = await page.$$eval("#inspected .card h3", (l) => l.map((h) => h.textContent));
  check(heads.some((h) => /Live Photo still/.test(h)) && heads.some((h) => /Live Photo movie/.test(h)),
    `the pair is named in words: ${heads.join(" / ")}`);
  await shot(page, "convert-desktop");
  await axe(page, "convert and inspect");
  await page.click("#to-motion");
  await page.waitForSelector("#converted:not([hidden]), #failure:not([hidden])", { timeout: 120000 }).catch(() => null);
  if (!(await page.isVisible("#converted"))) {
    check(false, `the pair was converted: status "${await page.textContent("#tools-status")}", failure "${await page.textContent("#failure-text")}"`);
    return;
  }
  const link = await page.$("#converted-files a");
  const [dl] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = path.join(dir, dl.suggestedFilename());
  await dl.saveAs(file);
  check(/\.MP\.heic$/.test(file), `the Motion Photo is named after the still: ${path.basename(file)}`);
  check(exif(file, "MotionPhoto") === "1", "ExifTool reads the converted Motion Photo's flag");
  // A JPEG Motion Photo (the living moment's, downloaded above) plays in
  // the same viewer.
  const mp = path.join(dir, "temple.alive.MP.jpg");
  await page.setInputFiles("#tools-files", mp);
  await page.waitForSelector("#inspected .card .live");
  await page.hover("#inspected .card .live");
  const played = await page.waitForFunction(() => document.querySelector("#inspected .card .live video").currentTime > 0.3, null, { timeout: 20000 })
    .then(() => true, () => false);
  check(played, "a Motion Photo plays in the viewer (currentTime advances)");
  await page.mouse.move(1, 1);
  check(await page.$eval("#inspected .card .live video", (v) => v.paused), "and stops on leaving");
}

// Share the clip, report it from its page, remove it as a moderator, and
// see it gone.
async function shareReportModerate(browser, page, url) {
  await page.fill("#caption", "A temple, brought to life");
  await page.click("#share");
  await page.waitForSelector("#share-link", { timeout: 60000 }).catch(() => null);
  const link = await page.$("#share-link");
  check(!!link, `the clip was shared: ${await page.textContent("#share-status")}`);
  if (!link) return;
  const shareUrl = await link.getAttribute("href");
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const sp = await visitor.newPage();
  const problems = [];
  watchConsole(sp, problems);
  await sp.goto(url + shareUrl);
  await sp.waitForSelector("#report-box:not([hidden])");
  check(await sp.isVisible("#media video"), "the share page shows the clip");
  check(await sp.isVisible("#ai"), "the share page shows the AI-generated label");
  check(/Content Credentials: /.test(await sp.textContent("#credentials")), `the credentials are described: ${await sp.textContent("#credentials")}`);
  await shot(sp, "share-desktop");
  await axe(sp, "the share page");
  await sp.selectOption("#reason", "harassment");
  await sp.fill("#details", "It mocks a person in the crowd.");
  await sp.click("#send-report");
  await sp.waitForFunction(() => /Reference/.test(document.getElementById("receipt").textContent));
  check(true, `the report was received: ${await sp.textContent("#receipt")}`);

  // A moderator in a browser of their own.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const mp = await desk.newPage();
  watchConsole(mp, problems);
  await mp.goto(url + "/moderate");
  await mp.waitForSelector("#login:not([hidden])");
  await axe(mp, "the moderators' sign-in");
  await mp.fill("#name", MODERATOR[0]);
  await mp.fill("#password", MODERATOR[1]);
  await mp.click("#login-form button");
  await mp.waitForSelector("#desk:not([hidden])");
  await mp.waitForFunction(() => document.querySelectorAll("#queue tbody tr").length > 0, null, { timeout: 10000 }).catch(() => null);
  const rows = await mp.$$eval("#queue tbody tr", (r) => r.map((x) => x.textContent));
  check(rows.length >= 1, `the report is in the queue: ${rows.join(" | ")}`);
  await mp.click("#next");
  await mp.waitForSelector("#case:not([hidden])");
  check((await mp.textContent("#case-reports")).includes("harassment"), "the case shows the report");
  check(await mp.isVisible("#case-media video"), "the case shows the clip");
  await mp.selectOption("#category", "harassment");
  await mp.fill("#facts", "The clip was reported for mocking a person; the moderator agrees.");
  await shot(mp, "moderate-desktop");
  await axe(mp, "a case");
  await mp.click("#decide-form button[type=submit]");
  await mp.waitForFunction(() => /actioned/.test(document.getElementById("case-status").textContent));
  check(true, "the moderator removed it");
  await mp.waitForFunction(() => /decided/.test(document.getElementById("audit-events").textContent), null, { timeout: 10000 }).catch(() => null);
  check((await mp.textContent("#audit-events")).includes("decided"), "the audit log shows the decision");

  await sp.reload();
  await sp.waitForFunction(() => /removed/.test(document.getElementById("status").textContent));
  check(!(await sp.$("#media video")), "the share page no longer shows the clip");
  check((await fetch(url + shareUrl.replace("/s/", "/api/shares/") + "/media")).status === 410, "its file answers 410 Gone");
  // The removal blocklisted the photo: making it again is refused.
  await restart(page);
  await bringToLife(page, "");
  check(/blocklist/.test(await page.textContent("#failure-text")), `the removed photo cannot come back: ${await page.textContent("#failure-text")}`);
  check(problems.length === 0, `no console problems on the share and moderation pages${problems.length ? ": " + problems.join(" / ") : ""}`);
  await visitor.close();
  await desk.close();
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vivify-studio-browser-"));
  const { child, url, log } = await startStudio(path.join(tmp, "data"));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"] });
  let finished = false;
  try {
    console.log(`studio at ${url}, ${await browser.version()}`);
    // Desktop.
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await desktop.newPage();
    const problems = [];
    watchConsole(page, problems);
    await page.goto(url + "/");
    await shot(page, "pick-desktop");
    await axe(page, "the start page");
    const phases = await bringToLife(page, "clouds drift, gentle zoom in");
    check(await page.isVisible("#result"), "the clip came back");
    check(phases.some((p) => /render/i.test(p)), `progress was shown live: ${[...new Set(phases)].join(" | ")}`);
    await liveViewer(page);
    await page.click("#explain summary");
    check(await page.$$eval("#notes li", (l) => l.length) > 0, "the plan's notes are one click away");
    await shot(page, "result-desktop");
    await axe(page, "the result");
    await downloads(page, tmp, "temple.alive", 8);
    await shareReportModerate(browser, page, url);
    // A refusal reads as words, not a status code.
    await restart(page);
    await bringToLife(page, "turn this into porn");
    check(await page.isVisible("#failure"), "a refused prompt shows the failure panel");
    const text = await page.textContent("#failure");
    check(/refused|not allowed|can't|cannot/i.test(text) && !/\b4\d\d\b/.test(await page.textContent("#failure-text")),
      `the refusal is explained: ${(await page.textContent("#failure-text")).slice(0, 100)}`);
    check((await page.textContent("#failure-ref")).trim().length > 4, "the refusal carries a reference");
    check(/prompt check, rule \S+/.test(await page.textContent("#failure-rule")), `the refusal names its stage and rule: ${await page.textContent("#failure-rule")}`);
    await shot(page, "refused-desktop");
    await axe(page, "a refusal");
    check(problems.length === 0, `no script errors or policy violations in the console${problems.length ? ": " + problems.join(" / ") : ""}`);

    await videoToLive(page, tmp, url);
    await iphoneToLive(page);
    await convertPair(page, tmp);
    check(problems.length === 0, `still no console problems after the video${problems.length ? ": " + problems.join(" / ") : ""}`);

    // A phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const mobile = await phone.newPage();
    await mobile.goto(url + "/");
    await shot(mobile, "pick-phone");
    // Another photo: the moderator's removal above blocklisted this one's
    // hashes (which the refusal a few lines up would show).
    await bringToLife(mobile, "", path.join(ROOT, "tests/fixtures/photos/astronaut.jpg"));
    check(await mobile.isVisible("#result"), `the clip came back on a phone${(await mobile.isVisible("#failure")) ? ": " + (await mobile.textContent("#failure-text")) : ""}`);
    const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `nothing wider than the phone (${width} px)`);
    await mobile.waitForFunction(() => document.getElementById("live-still").naturalWidth > 0);
    await shot(mobile, "result-phone");
    await axe(mobile, "the result on a phone");
    finished = true;
  } finally {
    // What the server said, when something went wrong.
    if (tally.failures || !finished) console.log(`-- vivify serve's log --\n${log().slice(-4000)}`);
    await browser.close();
    child.kill("SIGTERM");
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(tally.failures ? `${tally.failures} check(s) failed` : "every browser check passed");
  process.exit(tally.failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
