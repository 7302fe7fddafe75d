// The checkpoint page: three ways in (wedge scanner, camera, picture), one verdict screen.
// Everything is verified by the local app (verifier + zxing-cpp); this page only shows it.
"use strict";

const WEDGE_GAP_MS = 1000;   // keys further apart than this start a new scan
const FRAME_INTERVAL_MS = 120;  // at most ~8 camera frames per second
const FRAME_MAX_SIDE = 1280;  // frames are downscaled to this before they are sent
const CLEAR_AFTER_MS = 30000;  // a verdict (and the name on it) leaves the screen by itself

const $ = (id) => document.getElementById(id);
const page = {
  texts: null, lang: "vi", settings: null, last: null, stream: null, clearTimer: null,
  audio: null,
};
// Scan-to-painted times (ms), read by bench/bench_checkpoint.py.
window.checkpointTimings = [];

function t(key) { return page.texts[page.lang].ui[key] || key; }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function api(path, body, contentType) {
  const options = { method: body === undefined ? "GET" : "POST", headers: {} };
  if (body !== undefined) {
    options.headers["X-Checkpoint"] = "1";
    options.headers["Content-Type"] = contentType || "application/json";
    options.body = contentType ? body : JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.detail || String(response.status));
  return data;
}

// -- words -------------------------------------------------------------------------------------

function renderTexts() {
  document.documentElement.lang = page.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-placeholder]")) {
    el.placeholder = t(el.dataset.tPlaceholder);
  }
  for (const el of document.querySelectorAll("[data-mode]")) {
    el.textContent = page.texts[page.lang].modes[el.dataset.mode];
  }
  $("lang").textContent = t("language");
  $("camera").textContent = t(page.stream ? "camera_stop" : "camera_start");
}

// -- state: trust band, counters, settings -------------------------------------------------------

function applyState(state) {
  const relabel = !page.settings || page.lang !== state.settings.language;
  page.settings = state.settings;
  page.lang = state.settings.language;
  if (relabel) {
    renderTexts();
    if (page.last) renderVerdict(page.last);
  }
  const trust = state.trust;
  $("trust").dataset.level = trust.level;
  $("trust").textContent = trust.text[page.lang];
  $("trust-detail").textContent = trust.text[page.lang];
  $("trust-load").textContent = trust.last_load ? trust.last_load.text[page.lang] : "";
  $("trust-refresh").hidden = !state.trust_url;
  $("grace-label").textContent = t("grace_allowed").replace("{hours}", trust.grace_hours);
  const c = state.counters;
  const line = `${t("shift")}: ${c.scans} ${t("scans")} · ${c.valid} ${t("valid")} · ` +
    `${c.invalid} ${t("invalid")}`;
  $("counters").textContent = line;
  $("counters-detail").textContent = line + (Object.keys(c.by_category).length
    ? " (" + Object.entries(c.by_category).map(([k, n]) => `${k} ${n}`).join(", ") + ")" : "");
  $("mode-name").textContent = page.texts[page.lang].modes[state.settings.mode];
  $("mute").textContent = t(state.settings.muted ? "unmute" : "mute");
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.checked = radio.value === state.settings.mode;
  }
  $("accept_recovery").checked = state.settings.accept_recovery;
  $("grace_allowed").checked = state.settings.grace_allowed;
}

async function refreshState() { applyState(await api("/api/state")); }

async function changeSettings(changes) {
  try { applyState(await api("/api/settings", changes)); } catch (e) { notice(e.message); }
}

// -- the verdict screen ------------------------------------------------------------------------

function renderVerdict(result) {
  const lang = page.lang;
  const section = $("verdict");
  section.dataset.outcome = result.outcome;
  $("v-mark").textContent = { valid: "✔", rules: "⚠", invalid: "✘" }[result.outcome];
  $("v-title").textContent = result.title[lang];
  $("v-reason").textContent = result.reason[lang];
  $("v-holder").hidden = !result.holder;
  $("v-compare").hidden = !result.holder;
  const holder = result.holder || { name: "", name_t: "", dob: "" };  // never a previous name
  $("v-name").textContent = holder.name;
  $("v-name-t").textContent = holder.name_t;
  $("v-dob").textContent = holder.dob;
  $("v-certificate").hidden = !result.certificate;
  $("v-certificate").textContent = result.certificate ? result.certificate[lang] : "";
  const code = result.rule ? `${result.category} · ${result.rule}` : result.category === "VALID"
    ? "" : `${result.category} · ${result.code}`;
  $("v-code").textContent = [code, result.detail, result.repeat ? `(${t("repeat")})` : ""]
    .filter(Boolean).join(" — ");
  section.hidden = false;
}

function showVerdict(result, t0) {
  page.last = result;
  renderVerdict(result);
  if (!result.repeat) beep(result.outcome);
  clearTimeout(page.clearTimer);
  page.clearTimer = setTimeout(clearVerdict, CLEAR_AFTER_MS);
  // After the DOM update: the next frame, then a task after its paint.
  requestAnimationFrame(() => setTimeout(() => {
    window.checkpointTimings.push(performance.now() - t0);
  }, 0));
}

function clearVerdict() {
  page.last = null;
  $("verdict").hidden = true;
  for (const id of ["v-name", "v-name-t", "v-dob", "v-certificate"]) $(id).textContent = "";
}

function notice(text) {
  $("notice").textContent = text;
  setTimeout(() => { if ($("notice").textContent === text) $("notice").textContent = ""; }, 6000);
}

function beep(outcome) {
  if (!page.settings || page.settings.muted) return;
  try {
    page.audio = page.audio || new AudioContext();
    const tones = {
      valid: [[880, 0, 0.15]],
      rules: [[660, 0, 0.12], [660, 0.2, 0.12]],
      invalid: [[220, 0, 0.45]],
    }[outcome];
    const start = page.audio.currentTime;
    for (const [frequency, at, duration] of tones) {
      const osc = page.audio.createOscillator();
      const gain = page.audio.createGain();
      osc.frequency.value = frequency;
      osc.type = outcome === "invalid" ? "square" : "sine";
      gain.gain.value = 0.2;
      osc.connect(gain).connect(page.audio.destination);
      osc.start(start + at);
      osc.stop(start + at + duration);
    }
  } catch (e) { /* no audio device: the colours still speak */ }
}

// -- ways in -----------------------------------------------------------------------------------

async function scanText(text, t0) {
  try {
    const result = await api("/api/scan/text", { text });
    applyState(result.state);
    showVerdict(result, t0);
  } catch (e) { notice(`${t("error")}: ${e.message}`); }
}

async function scanImage(blob, t0, fromCamera) {
  const result = await api("/api/scan/image", blob, blob.type || "application/octet-stream");
  applyState(result.state);
  if (!result.found) {
    if (!fromCamera) notice(result.reason[page.lang]);
  } else if (!(fromCamera && result.repeat)) {
    // A code held in view is shown once: its repeats neither bring back a dismissed verdict
    // nor cover what the scanner read meanwhile.
    showVerdict(result, t0);
  }
}

// A keyboard-wedge scanner types the code and Enter, wherever the focus is.
let wedge = "";
let lastKey = 0;
document.addEventListener("keydown", (event) => {
  if (event.target.matches && event.target.matches("input[type=text], textarea")) return;
  const now = performance.now();
  if (now - lastKey > WEDGE_GAP_MS) wedge = "";
  lastKey = now;
  if (event.key === "Enter") {
    if (wedge) {
      event.preventDefault();
      const text = wedge;
      wedge = "";
      scanText(text, now);
    }
    return;
  }
  if (event.key === "Escape") { clearVerdict(); return; }
  if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    wedge += event.key;
    event.preventDefault();
  }
});

$("manual").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("manual-text").value;
  $("manual-text").value = "";
  $("manual-text").blur();
  if (text.trim()) scanText(text, performance.now());
});

$("image").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  try { await scanImage(file, performance.now(), false); } catch (e) { notice(e.message); }
});

async function startCamera() {
  try {
    page.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (e) {
    notice(`${t("camera_error")}: ${e.name}`);
    return;
  }
  const video = $("video");
  video.srcObject = page.stream;
  video.hidden = false;
  await video.play();
  renderTexts();
  cameraLoop(video);
}

function stopCamera() {
  for (const track of page.stream.getTracks()) track.stop();
  page.stream = null;
  $("video").hidden = true;
  renderTexts();
}

// Continuous scanning: the next frame goes when the previous answer has arrived.
async function cameraLoop(video) {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d");
  while (page.stream) {
    if (video.readyState < 2 || !video.videoWidth) { await sleep(50); continue; }
    const scale = Math.min(1, FRAME_MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    const t0 = performance.now();
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    try { await scanImage(frame, t0, true); } catch (e) { await sleep(500); }
    const wait = FRAME_INTERVAL_MS - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
  }
}

// -- controls ----------------------------------------------------------------------------------

function blurAfter(handler) {
  return (event) => { event.currentTarget.blur(); handler(event); };
}

$("camera").addEventListener("click", blurAfter(() => (page.stream ? stopCamera() : startCamera())));
$("next").addEventListener("click", blurAfter(clearVerdict));
$("lang").addEventListener("click", blurAfter(() => {
  changeSettings({ language: page.lang === "vi" ? "en" : "vi" });
}));
$("mute").addEventListener("click", blurAfter(() => changeSettings({ muted: !page.settings.muted })));
$("settings-open").addEventListener("click", blurAfter(() => $("settings").showModal()));
for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => changeSettings({ mode: radio.value }));
}
$("accept_recovery").addEventListener("change", (e) => changeSettings({ accept_recovery: e.target.checked }));
$("grace_allowed").addEventListener("change", (e) => changeSettings({ grace_allowed: e.target.checked }));
$("reset").addEventListener("click", async () => applyState(await api("/api/counters/reset", {})));
$("trust-refresh").addEventListener("click", async () => {
  try { applyState((await api("/api/trust/refresh", {})).state); } catch (e) { notice(e.message); }
});
$("trust-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  try {
    applyState((await api("/api/trust/upload", file, "application/octet-stream")).state);
  } catch (e) { notice(e.message); }
});

async function start() {
  page.texts = await api("/api/texts");
  await refreshState();
  document.body.dataset.ready = "1";
  setInterval(() => refreshState().catch(() => {}), 30000);
}
start();
