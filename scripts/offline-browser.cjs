#!/usr/bin/env node
// The offline page in a real browser (issue 17): Playwright drives Debian's
// Chromium through /offline as served by `vivify serve`, then through the
// same files opened from disk (file://), and judges every download with
// ffprobe and ExifTool. Every request the browser makes is recorded: none
// may carry a body, and none may go anywhere but the page's own files.
// Conversion times in the page are printed beside the CLI's on the same
// files (`--times FILE` also writes them as JSON, for the README).
//
//   node scripts/offline-browser.cjs --bin target/debug/vivify [--times t.json] [--screenshots docs/images]
"use strict";

const path = require("path");
const fs = require("fs");
const os = require("os");
const { execFileSync } = require("child_process");
const { chromium, CHROMIUM, EXIFTOOL, tally, check, axe, ffprobeOk, exif, watchConsole, serve } = require("./browser-judges.cjs");

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const BIN = path.resolve(opt("--bin", path.join(ROOT, "target/debug/vivify")));
const TIMES = opt("--times", null);
const SHOTS = opt("--screenshots", null);
const SAMPLE = (n) => path.join(ROOT, "tests/fixtures/samples", n);
const PAIR = [SAMPLE("apple_iphone15promax_ios26.1_apple.HEIC"), SAMPLE("apple_iphone15promax_ios26.1_apple.MOV")];
const H264 = path.join(ROOT, "tests/fixtures/h264_aac.mp4");

function startStudio(data) {
  return serve(BIN, ["--data", data, "--workers", "1"], { ...process.env, VIVIFY_CONFIG_DIR: path.join(data, "config") });
}

async function shot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `offline-${name}.jpg`), fullPage: true, type: "jpeg", quality: 80 });
}

// Picks files, waits for every card, runs the task button `button` (text)
// and saves the new downloads into `dir`. Returns {files, ms}.
async function runTask(page, dir, files, button, what) {
  const before = await page.$$eval("#result-list > li", (l) => l.length);
  await page.setInputFiles("#files", files);
  await page.waitForFunction((n) => [...document.querySelectorAll("#cards .headline")].length === n &&
    [...document.querySelectorAll("#cards .headline")].every((h) => !/reading…$/.test(h.textContent)), files.length, { timeout: 60000 });
  const btn = page.getByRole("button", { name: button });
  await btn.waitFor({ timeout: 60000 });
  await btn.click();
  const done = await page.waitForFunction((n) => document.querySelectorAll("#result-list > li").length > n ||
    document.querySelector(".task .error"), before, { timeout: 300000 }).then(() => true, () => false);
  const error = await page.$eval(".task .error", (e) => e.textContent).catch(() => null);
  check(done && !error, `${what}${error ? ": " + error : ""}`);
  if (!done || error) return { files: {}, ms: NaN, wasmMs: NaN, moment: null };
  const item = await page.$("#result-list > li");
  // The moment a video task was cut to, for the CLI to cut the same.
  const moment = await page.evaluate(() => {
    const t = document.querySelector(".task select");
    if (!t) return null;
    const [end, still] = [...document.querySelectorAll(".task input[type=number]")].map((i) => i.value);
    return { start: t.value, end, still };
  });
  const ms = Number(await item.getAttribute("data-ms"));
  const fetched = Number(await item.getAttribute("data-fetched"));
  const wasmMs = Number(await item.getAttribute("data-wasm-ms"));
  const saved = {};
  for (const a of await item.$$("a[download]")) {
    const [dl] = await Promise.all([page.waitForEvent("download"), a.click()]);
    const file = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(file);
    saved[path.basename(file)] = file;
  }
  console.log(`       ${what}: ${Object.keys(saved).join(", ")} in ${ms} ms`);
  return { files: saved, ms, wasmMs, moment, fetched };
}

const find = (files, re) => Object.entries(files).find(([n]) => re.test(n))?.[1];

function judgePair(files, what, cid) {
  const still = find(files, /\.(JPG|HEIC)$/), mov = find(files, /\.MOV$/);
  check(still && mov, `${what}: a still and a MOV`);
  if (!still || !mov) return null;
  check(ffprobeOk(mov), `${what}: ffprobe decodes the MOV`);
  const a = exif(still, "ContentIdentifier"), b = exif(mov, "ContentIdentifier");
  check(a && a === b, `${what}: ExifTool reads one content identifier in both halves (${a})`);
  if (cid) check(a === cid, `${what}: the pairing survives the round trip (${cid})`);
  const sit = String(execFileSync(EXIFTOOL, ["-s3", "-ee", "-StillImageTime", mov], { stdio: ["ignore", "pipe", "ignore"] })).trim();
  check(sit === "-1", `${what}: ExifTool reads the MOV's still-image-time sample (${sit})`);
  return a;
}

function judgeMotion(file, what, dir) {
  check(file && exif(file, "MotionPhoto") === "1", `${what}: ExifTool reads the Motion Photo flag`);
  if (!file) return;
  // ExifTool pulls the embedded video out; ffprobe must decode it.
  const video = path.join(dir, `${path.basename(file)}.embedded.mp4`);
  fs.writeFileSync(video, execFileSync(EXIFTOOL, ["-b", "-MotionPhotoVideo", file], { maxBuffer: 1 << 28 }));
  check(fs.statSync(video).size > 1000 && ffprobeOk(video), `${what}: the video ExifTool extracts decodes in ffprobe`);
}

// The CLI's flags for the moment a page task was cut to.
const cut = (m) => (m ? ["--start", m.start, "--end", m.end, "--still", m.still] : []);

// The same work through the CLI, timed, for the comparison.
function cli(argv) {
  const t0 = process.hrtime.bigint();
  execFileSync(BIN, argv, { stdio: ["ignore", "ignore", "pipe"] });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vivify-offline-browser-"));
  const data = path.join(tmp, "data");
  const { child, url } = await startStudio(data);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const times = {};
  try {
    console.log(`offline page at ${url}/offline, ${await browser.version()}`);
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    // Every request, from the page, its worker and its service worker.
    const requests = [];
    context.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: (r.postDataBuffer() || Buffer.alloc(0)).length }));
    const page = await context.newPage();
    const problems = [];
    watchConsole(page, problems);
    await page.goto(`${url}/offline`);
    await page.waitForSelector("#status.offline-ready", { timeout: 60000 });
    check(/saved for offline use/.test(await page.textContent("#status")), "the page says it is saved for offline use");
    await axe(page, "the offline page");

    // The network off: the page still loads (from its service worker) and works.
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector("#status.offline-ready", { timeout: 60000 });
    check(true, "with the network off, the page loads again from its service worker");

    const d1 = path.join(tmp, "motion");
    fs.mkdirSync(d1);
    const toMotion = await runTask(page, d1, PAIR, "Make a Motion Photo", "a real iPhone Live pair → Motion Photo, offline");
    const mp = find(toMotion.files, /\.MP\.heic$/);
    judgeMotion(mp, "the Motion Photo", d1);
    await shot(page, "pair");
    await axe(page, "a conversion's downloads");
    times.live_to_motion = toMotion;

    const cid = exif(PAIR[0], "ContentIdentifier");
    const d2 = path.join(tmp, "back");
    fs.mkdirSync(d2);
    if (mp) {
      const back = await runTask(page, d2, [mp], "Make a Live Photo pair", "and back: Motion Photo → Live pair");
      judgePair(back.files, "the pair made back", cid);
      times.motion_to_live = back;
      const d3 = path.join(tmp, "apart");
      fs.mkdirSync(d3);
      const apart = await runTask(page, d3, [mp], "Take apart (photo + MP4)", "the Motion Photo taken apart");
      const mp4 = find(apart.files, /\.mp4$/);
      check(mp4 && ffprobeOk(mp4), "its MP4 decodes in ffprobe");
    }

    // A video (H.264: the key photo decoded by the browser).
    const d4 = path.join(tmp, "video");
    fs.mkdirSync(d4);
    const made = await runTask(page, d4, [H264], "Make it", "an H.264 video → Live pair + Motion Photo");
    judgePair(made.files, "the video's Live pair");
    judgeMotion(find(made.files, /\.MP\.jpg$/), "the video's Motion Photo", d4);
    await axe(page, "a video's moment chooser");
    await shot(page, "video");
    // A clip longer than a Live Photo is refused in words, before any work.
    await page.fill(".task input[type=number] >> nth=0", "9");
    await page.getByRole("button", { name: "Make it" }).click();
    const refusal = await page.waitForSelector(".task .error", { timeout: 10000 }).then((e) => e.textContent(), () => "");
    check(/1 to 3 s/.test(refusal), `a 9 s clip is refused in words: "${refusal}"`);
    const note = await page.textContent("#result-list > li");
    check(/decoded by this browser/.test(note), "the key photo of an H.264 video was decoded by the browser");
    times.video_to_live_h264 = made;

    // A turned phone video: the browser draws the key photo upright, so the
    // still is portrait and says so without an Orientation turn.
    const d7 = path.join(tmp, "turned");
    fs.mkdirSync(d7);
    const turned = await runTask(page, d7, [path.join(ROOT, "tests/fixtures/rotated90.mov")], "Make it", "a video shot turned (rotation 90°) → Live pair");
    const tj = find(turned.files, /\.JPG$/);
    if (tj) {
      const [w, h] = ["ImageWidth", "ImageHeight"].map((t) => Number(exif(tj, t)));
      const o = exif(tj, "Orientation");
      check(h > w && /normal/i.test(o), `its still is upright: ${w}x${h}, orientation "${o}"`);
    }

    // A long video is read in slices: only the moment's samples and the
    // tables, not the file.
    const long = path.join(tmp, "long.mp4");
    execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i",
      "sine=frequency=440:sample_rate=48000", "-t", "40", "-c:v", "libx264", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", long]);
    const d8 = path.join(tmp, "long");
    fs.mkdirSync(d8);
    const longRun = await runTask(page, d8, [long], "Make it", "a 40 s video → Live pair + Motion Photo");
    check(longRun.fetched > 0 && longRun.fetched < fs.statSync(long).size * 0.25,
      `only part of the 40 s video was read: ${(longRun.fetched / 1e6).toFixed(2)} of ${(fs.statSync(long).size / 1e6).toFixed(2)} MB`);
    judgePair(longRun.files, "the long video's Live pair");

    // A real iPhone movie (HEVC, which this Chromium does not decode): the
    // key photo is decoded by vivify's own decoder in the page.
    const d5 = path.join(tmp, "hevc");
    fs.mkdirSync(d5);
    const hevc = await runTask(page, d5, [PAIR[1]], "Make it", "an iPhone HEVC movie → Live pair + Motion Photo");
    judgePair(hevc.files, "the iPhone movie's Live pair");
    check(/decoded by vivify/.test(await page.textContent("#result-list > li")), "the HEVC key photo was decoded in the page");
    times.video_to_live_hevc = hevc;
    // Files dropped on the page are taken like picked ones.
    const dropped = fs.readFileSync(SAMPLE("samsung_s23ultra_motionphoto.heic")).toString("base64");
    const dt = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const t = new DataTransfer();
      t.items.add(new File([bytes], "s23.heic", { type: "image/heic" }));
      return t;
    }, dropped);
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
    const dropHead = await page.waitForFunction(() => {
      const h = document.querySelector("#cards .headline");
      return h && !/reading…$/.test(h.textContent) && h.textContent;
    }, null, { timeout: 30000 }).then((h) => h.jsonValue(), () => "");
    check(/s23\.heic: Motion Photo/.test(dropHead), `a dropped Samsung Motion Photo is named in words: "${dropHead}"`);

    check(problems.length === 0, `no script errors or policy violations${problems.length ? ": " + problems.join(" / ") : ""}`);
    await context.setOffline(false);

    // Nothing left the page: no request carried a body, none went elsewhere.
    const withBody = requests.filter((r) => r.body > 0 || !["GET", "HEAD"].includes(r.method));
    check(withBody.length === 0, `no request carried a body (${requests.length} requests)${withBody.length ? ": " + JSON.stringify(withBody) : ""}`);
    const elsewhere = requests.filter((r) => r.url !== `${url}/offline` && !r.url.startsWith(`${url}/offline/`) && !r.url.startsWith("blob:") && !r.url.startsWith("data:"));
    check(elsewhere.length === 0, `every request was for the page's own files${elsewhere.length ? ": " + elsewhere.map((r) => r.url).join(", ") : ""}`);
    const uploads = path.join(data, "uploads");
    check(!fs.existsSync(uploads) || fs.readdirSync(uploads).length === 0, "the studio received no upload");

    // The same files opened from disk, no server at all.
    const copy = path.join(tmp, "usb-stick");
    fs.cpSync(path.join(ROOT, "crates/studio/offline"), copy, { recursive: true });
    const local = await (await browser.newContext({ acceptDownloads: true })).newPage();
    const localProblems = [];
    watchConsole(local, localProblems);
    await local.goto(`file://${copy}/index.html`);
    await local.waitForSelector("#status.offline-ready", { timeout: 60000 });
    check(/running from files/i.test(await local.textContent("#status")), "opened from disk, the page says it runs from files");
    const d6 = path.join(tmp, "file");
    fs.mkdirSync(d6);
    const fromDisk = await runTask(local, d6, PAIR, "Make a Motion Photo", "from file://: Live pair → Motion Photo");
    judgeMotion(find(fromDisk.files, /\.MP\.heic$/), "the Motion Photo made from file://", d6);
    check(localProblems.length === 0, `no script errors from file://${localProblems.length ? ": " + localProblems.join(" / ") : ""}`);

    // The CLI on the same inputs, for the comparison.
    const c = path.join(tmp, "cli");
    fs.mkdirSync(c);
    const cliTimes = {
      live_to_motion: cli(["convert", "--to", "motion", "--no-sign", "-o", c, ...PAIR]),
      motion_to_live: mp ? cli(["convert", "--to", "live", "--no-sign", "-o", path.join(c, "back"), mp]) : NaN,
      video_to_live_h264: cli(["live", "--no-sign", ...cut(made.moment), "-o", path.join(c, "h264"), H264]),
      video_to_live_hevc: cli(["live", "--no-sign", ...cut(hevc.moment), "-o", path.join(c, "hevc"), PAIR[1]]),
    };
    console.log(`\n  conversion times (ms), this machine; page: click to downloads in ${await browser.version()} (of which in vivify's module); CLI: ${BIN}, whole process:`);
    console.log("  what                      page   (module)   CLI");
    const page_ms = {}, wasm_ms = {};
    for (const k of Object.keys(cliTimes)) {
      const t = times[k] || { ms: NaN, wasmMs: NaN };
      page_ms[k] = t.ms;
      wasm_ms[k] = t.wasmMs;
      console.log(`  ${k.padEnd(24)}  ${String(Math.round(t.ms)).padStart(5)}   ${String(Math.round(t.wasmMs)).padStart(6)}   ${String(Math.round(cliTimes[k])).padStart(5)}`);
    }
    if (TIMES) fs.writeFileSync(TIMES, JSON.stringify({ page_ms, wasm_ms, cli_ms: cliTimes, chromium: await browser.version() }, null, 2));
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(tally.failures ? `${tally.failures} check(s) failed` : "every offline-page check passed");
  process.exit(tally.failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
