// What the browser tests share: the pass/fail tally, the outside judges
// (ffprobe, ExifTool, axe-core) and the console watch. Used by
// scripts/studio-browser.cjs and scripts/offline-browser.cjs.
"use strict";

const path = require("path");
const fs = require("fs");
const os = require("os");
const { execFileSync, spawn } = require("child_process");

const MODULES = process.env.VIVIFY_NODE_MODULES || path.join(os.homedir(), ".cache/vivify-tools/node_modules");
const CHROMIUM = process.env.VIVIFY_CHROMIUM || "/usr/bin/chromium";
const EXIFTOOL = process.env.EXIFTOOL || "exiftool";
const { chromium } = require(path.join(MODULES, "playwright-core"));
const AXE = fs.readFileSync(require.resolve(path.join(MODULES, "axe-core/axe.min.js")), "utf8");

const tally = { failures: 0 };
function check(ok, what) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) tally.failures++;
}

async function axe(page, what) {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  const bad = r.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe on ${what}: no serious or critical violations${bad.length ? " " + JSON.stringify(bad) : ""}`);
  for (const v of r.filter((v) => !bad.includes(v))) console.log(`       (axe ${v.impact}: ${v.id}, ${v.help})`);
}

function ffprobeOk(file) {
  try {
    const out = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", file]);
    return String(out).includes("video");
  } catch (_) {
    return false;
  }
}

function exif(file, tag) {
  return String(execFileSync(EXIFTOOL, ["-s3", "-a", `-${tag}`, file])).trim();
}

// A page whose own scripts broke a rule of the content security policy, or
// threw, fails the run.
function watchConsole(page, problems) {
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
}

// Starts `BIN serve` on a free loopback port; resolves once it says where.
function serve(bin, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", ...args], { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/vivify studio: (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1].replace(/\/$/, ""), log: () => err });
    });
    child.on("exit", (code) => reject(new Error(`vivify serve exited ${code}: ${err}`)));
  });
}

module.exports = { chromium, CHROMIUM, EXIFTOOL, tally, check, axe, ffprobeOk, exif, watchConsole, serve };
