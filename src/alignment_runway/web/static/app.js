// The playground: controls for every parameter, live recompute, figures, shareable links.
// Plain JavaScript, no build step; every number comes from the server's views.
"use strict";

const state = {
  version: "", store: false, params: [], preset: null, presetInputs: {},
  last: null, sensitivity: null, pending: null, timer: null, sequence: 0,
};
const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 400;

function fmt(x) {
  if (x === null || x === undefined) return "—";
  if (!isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
  return Number(x.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, body };
}

// --- the shareable link: scenario, seed, samples, model and the version that computed it ----
function encodeLink(data) {
  const text = JSON.stringify(data);
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeLink(text) {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const data = JSON.parse(new TextDecoder().decode(bytes));
    return typeof data === "object" && data !== null ? data : null;
  } catch (e) {
    return null;
  }
}

function request() {
  const settings = {};
  for (const input of document.querySelectorAll("#parameters input[data-name]")) {
    const name = input.dataset.name;
    const value = input.value.trim();
    const original = state.presetInputs[name] ?? "";
    if (value !== original && value !== "") settings[name] = value;
  }
  const body = { preset: $("preset").value, settings };
  const seed = $("seed").value.trim();
  const samples = $("samples").value.trim();
  body.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
  if (samples !== "") body.samples = /^\d+$/.test(samples) ? Number(samples) : samples;
  return body;
}

// the method: all four for a run; a race has no closed form, so only sample and qmc
function method() {
  const chosen = $("method").value;
  return $("mode").value === "race" && (chosen === "exact" || chosen === "auto") ? "sample" : chosen;
}

function fitMethod() {
  const race = $("mode").value === "race";
  for (const option of $("method").options) option.disabled = race && (option.value === "exact" || option.value === "auto");
  $("method").value = method();
}

function withMethod(body) {
  const chosen = method();
  return chosen === "sample" ? body : { ...body, method: chosen };
}

function shareLink() {
  const body = withMethod(request());
  const data = { v: state.version, mode: $("mode").value, ...body };
  return `${location.origin}${location.pathname}#s=${encodeLink(data)}`;
}

// --- controls ----------------------------------------------------------------------------
function buildControls() {
  const box = $("parameters");
  box.replaceChildren();
  const sections = {};
  for (const p of state.params) {
    const section = p.name.split(".")[0];
    if (!sections[section]) {
      const fieldset = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = section;
      fieldset.append(legend);
      box.append(fieldset);
      sections[section] = fieldset;
    }
    const div = document.createElement("div");
    div.className = "param";
    const label = document.createElement("label");
    const id = `p-${p.name}`;
    label.htmlFor = id;
    label.textContent = `${p.name} `;
    const unit = document.createElement("span");
    unit.className = "unit";
    unit.textContent = `(${[p.symbol, p.unit].filter((part) => part).join(", ")})`;
    label.append(unit);
    label.title = `${p.meaning}\nbounds ${p.bounds}${p.unit ? " " + p.unit : ""}\nsource: ${p.source}`;
    const input = document.createElement("input");
    input.id = id;
    input.type = "text";
    input.dataset.name = p.name;
    const upper = /,\s*([0-9.eE+-]+)\]$/.exec(p.bounds);
    if (upper && !p.unit) input.dataset.upper = upper[1];
    input.placeholder = p.default ?? `unset (e.g. ${p.example})`;
    input.title = label.title;
    input.addEventListener("input", () => { markChanged(input); schedule(); });
    input.addEventListener("change", () => buildSliders(input));
    const sliders = document.createElement("div");
    sliders.className = "sliders";
    sliders.id = `s-${p.name}`;
    const error = document.createElement("div");
    error.className = "error";
    error.id = `err-${p.name}`;
    div.append(label, input, sliders, error);
    sections[section].append(div);
  }
}

// --- sliders: where a value is a plain number or a simple range, one slider per number -----
const NUMBER = "([0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)";
const POINT = new RegExp(`^\\s*${NUMBER}\\s*([A-Za-z_/ ]*)$`);
const RANGE = new RegExp(`^\\s*${NUMBER}\\s+to\\s+${NUMBER}\\s*([A-Za-z_/ ]*)$`);

function simpleNumbers(text) {
  const range = RANGE.exec(text);
  if (range) return { numbers: [Number(range[1]), Number(range[2])], unit: range[3].trim() };
  const point = POINT.exec(text);
  if (point) return { numbers: [Number(point[1])], unit: point[2].trim() };
  return null;
}

function writeNumbers(input, numbers, unit) {
  const shown = numbers.map((x) => Number(x.toPrecision(3)).toString());
  input.value = (shown.length === 2 ? `${shown[0]} to ${shown[1]}` : shown[0]) + (unit ? ` ${unit}` : "");
  markChanged(input);
  schedule();
}

function buildSliders(input) {
  const box = $(`s-${input.dataset.name}`);
  box.replaceChildren();
  const parsed = simpleNumbers(input.value);
  if (!parsed || !parsed.numbers.every((x) => x > 0 && isFinite(x))) return;
  const upper = input.dataset.upper ? Number(input.dataset.upper) : Infinity;
  parsed.numbers.forEach((x, i) => {
    const slider = document.createElement("input");
    slider.type = "range";
    slider.className = "slider";
    slider.dataset.index = String(i);
    // log scale, one decade either side of the value (not past a plain number's upper bound)
    const hi = Math.log10(parsed.unit === "" ? Math.min(x * 10, upper) : x * 10);
    Object.assign(slider, { min: String(Math.log10(x) - 1), max: String(hi), step: "0.01" });
    slider.value = String(Math.log10(x));
    slider.title = parsed.numbers.length === 2 ? ["low end (p5)", "high end (p95)"][i] : "value";
    slider.setAttribute("aria-label", `${input.dataset.name} ${slider.title}`);
    slider.addEventListener("input", () => {
      const now = simpleNumbers(input.value) ?? parsed;
      const numbers = [...now.numbers];
      numbers[i] = 10 ** Number(slider.value);
      if (numbers.length === 2 && numbers[0] >= numbers[1]) return; // keep low < high
      writeNumbers(input, numbers, now.unit);
    });
    box.append(slider);
  });
}

function markChanged(input) {
  input.classList.toggle("changed", input.value.trim() !== (state.presetInputs[input.dataset.name] ?? ""));
}

async function loadPreset(name, settings) {
  const answer = await getJSON(`api/presets/${encodeURIComponent(name)}`);
  if (!answer.ok) { showError(answer.body); return false; }
  state.presetInputs = {};
  for (const row of answer.body.inputs) state.presetInputs[row.name] = row.as_written;
  $("preset-description").textContent = answer.body.description;
  for (const input of document.querySelectorAll("#parameters input[data-name]")) {
    const name = input.dataset.name;
    input.value = settings?.[name] ?? state.presetInputs[name] ?? "";
    markChanged(input);
    buildSliders(input);
  }
  const pairs = answer.body.correlations.map((c) => `${c.pair[0]} ↔ ${c.pair[1]}: ρ = ${c.rho}`);
  $("correlations").textContent = pairs.length ? `Rank correlations: ${pairs.join("; ")}` : "";
  return true;
}

// --- errors ------------------------------------------------------------------------------
function clearErrors() {
  for (const el of document.querySelectorAll(".error")) el.textContent = "";
  for (const el of document.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

function showError(error) {
  const field = error?.field ?? "";
  const target = $(`err-${field}`);
  const text = error?.message ?? String(error);
  if (target) {
    target.textContent = text;
    const control = $(`p-${field}`) || $(field);
    if (control) control.classList.add("invalid");
  } else {
    $("err-general").textContent = text;
  }
  $("headline").textContent = "The scenario cannot be computed as it is: see the message in red.";
}

// --- computing -----------------------------------------------------------------------------
function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(recompute, DEBOUNCE_MS);
}

async function recompute() {
  const mode = $("mode").value;
  const body = withMethod(request());
  const sequence = ++state.sequence;
  document.body.classList.add("busy");
  $("status").textContent = "computing…";
  const started = performance.now();
  const answer = await getJSON(`api/${mode}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (sequence !== state.sequence) return; // a newer request is on its way
  document.body.classList.remove("busy");
  clearErrors();
  history.replaceState(null, "", shareLink());
  if (!answer.ok) {
    state.last = null;
    $("status").textContent = "";
    showError(answer.body);
    return;
  }
  state.last = answer.body;
  const view = answer.body.view;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const drawn = view.method === "exact" && view.samples === 0
    ? "exact: lognormal closed forms, no samples"
    : `${view.samples.toLocaleString("en-US")} ${view.method === "qmc" ? "quasi-random " : ""}samples, seed ${view.seed}`;
  $("status").textContent = `${drawn}; computed by alignment-runway ${answer.body.version} in ${seconds} s.`;
  $("headline").textContent = answer.body.headline?.sentence ?? "";
  drawDistribution(answer.body);
  drawFan(mode === "race" ? view : null);
  drawSummary(answer.body);
  const output = mode === "race" ? "race.research" : "static.research_per_month";
  const uncertain = view.inputs.some((row) => row.distribution !== undefined);
  if (uncertain) drawTornado(body, output, sequence); else Plotly.purge($("fig-tornado"));
}

async function drawTornado(body, output, sequence) {
  const { samples, ...rest } = body;
  const answer = await getJSON("api/sensitivity", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...rest, output, method: "tornado" }),
  });
  if (sequence !== state.sequence) return;
  if (!answer.ok) { Plotly.purge($("fig-tornado")); return; }
  const view = answer.body.view.results[0];
  const rows = view.rows.slice(0, 10).reverse();
  const base = view.baseline;
  Plotly.react($("fig-tornado"), [
    { type: "bar", orientation: "h", name: "input at its p5", y: rows.map((r) => r.input),
      x: rows.map((r) => r.output_at_p5 - base), base, marker: { color: "#4c78a8" } },
    { type: "bar", orientation: "h", name: "input at its p95", y: rows.map((r) => r.input),
      x: rows.map((r) => r.output_at_p95 - base), base, marker: { color: "#f58518" } },
  ], {
    title: { text: `Tornado: ${output} as each input goes from its p5 to its p95` },
    barmode: "overlay", xaxis: { title: { text: view.unit } }, margin: { l: 260 }, height: 340,
  }, { responsive: true, displaylogo: false });
}

function drawDistribution(result) {
  const h = result.histogram;
  if (!h) { Plotly.purge($("fig-distribution")); return; }
  const mids = h.counts.map((_, i) => (h.log ? Math.sqrt(h.edges[i] * h.edges[i + 1]) : (h.edges[i] + h.edges[i + 1]) / 2));
  const widths = h.counts.map((_, i) => h.edges[i + 1] - h.edges[i]);
  const total = h.counts.reduce((a, b) => a + b, 0) + h.zero;
  const zeros = h.zero ? `; ${(100 * h.zero / total).toFixed(1)}% of samples are 0, not drawn` : "";
  Plotly.react($("fig-distribution"), [{
    type: "bar", x: mids, y: h.counts.map((c) => c / total), width: widths,
    marker: { color: "#4c78a8" }, name: "share of samples",
  }], {
    title: { text: `The headline's distribution (${result.headline.unit}${zeros})` },
    xaxis: { type: h.log ? "log" : "linear", title: { text: result.headline.unit } },
    yaxis: { title: { text: "share of samples" } }, bargap: 0, height: 320,
    shapes: [{ type: "line", x0: result.headline.p50, x1: result.headline.p50, y0: 0, y1: 1,
      yref: "paper", line: { color: "#b00020", dash: "dot" } }],
  }, { responsive: true, displaylogo: false });
}

function drawFan(view) {
  const fan = view?.research_by_month;
  if (!fan || !fan.month.length || !fan.quantiles["q0.5"]) { Plotly.purge($("fig-fan")); return; }
  const q = fan.quantiles;
  const all = Object.values(q).flat().filter((v) => v > 0);
  const log = all.length > 0 && Math.max(...all) / Math.min(...all) > 100;
  const line = (values, name, fill, color) => ({
    x: fan.month, y: values, name, type: "scatter", mode: "lines", fill,
    line: { color, width: name === "median" ? 2 : 0.5 }, fillcolor: "rgba(76,120,168,0.2)",
  });
  Plotly.react($("fig-fan"), [
    line(q["q0.05"], "5%", "none", "#9ab"), line(q["q0.95"], "95%", "tonexty", "#9ab"),
    line(q["q0.25"], "25%", "none", "#678"), line(q["q0.75"], "75%", "tonexty", "#678"),
    line(q["q0.5"], "median", "none", "#1f3b57"),
  ], {
    title: { text: `Research by month (${fan.unit}), first ${fan.trajectories.toLocaleString("en-US")} samples` },
    xaxis: { title: { text: "months after the pause" } },
    yaxis: { type: log ? "log" : "linear", title: { text: fan.unit } }, height: 340,
  }, { responsive: true, displaylogo: false });
}

function summaryRows(result) {
  const view = result.view;
  if (result.kind === "point") {
    return view.outputs.map((o) => ({ name: o.name, unit: o.unit, mean: o.value, p5: o.value, p50: o.value, p95: o.value }));
  }
  return view.summary.map((r) => ({
    name: r.name, unit: r.unit, mean: r.mean.value,
    p5: r.percentiles.p5?.value, p50: r.percentiles.p50?.value, p95: r.percentiles.p95?.value,
  }));
}

function drawSummary(result) {
  const table = $("summary");
  table.replaceChildren();
  const head = table.insertRow();
  for (const c of ["quantity", "mean", "p5", "p50", "p95", "unit"]) {
    const th = document.createElement("th"); th.textContent = c; head.append(th);
  }
  for (const r of summaryRows(result)) {
    const tr = table.insertRow();
    for (const v of [r.name, fmt(r.mean), fmt(r.p5), fmt(r.p50), fmt(r.p95), r.unit]) tr.insertCell().textContent = v;
  }
}

async function drawEssay() {
  const answer = await getJSON("api/essay");
  if (!answer.ok) return;
  const figures = answer.body.figures;
  Plotly.react($("fig-essay"), [{
    type: "bar", orientation: "h", y: figures.map((f) => f.quantity), x: figures.map((f) => f.ratio),
    marker: { color: figures.map((f) => (f.verdict === "agrees" ? "#54a24b" : "#b00020")) },
    text: figures.map((f) => `${f.stated_text} stated; ${fmt(f.computed)} ${f.unit} computed`),
    textposition: "none", hovertemplate: "%{y}: %{text}<extra></extra>",
  }], {
    title: { text: `The essay's figures: computed ÷ stated (green: within ${answer.body.tolerance * 100}%)` },
    xaxis: { type: "log", title: { text: "computed ÷ stated" } }, margin: { l: 320 },
    height: 120 + 22 * figures.length,
  }, { responsive: true, displaylogo: false });
}

// --- downloads and saving -----------------------------------------------------------------
function download(name, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

async function downloadToml() {
  const { preset, settings } = request();
  const response = await fetch("api/scenario.toml", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ preset, settings }),
  });
  if (!response.ok) { showError(await response.json()); return; }
  download("scenario.toml", "application/toml", await response.text());
}

function downloadCsv() {
  if (!state.last) return;
  const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v ?? ""));
  const lines = ["quantity,mean,p5,p50,p95,unit"];
  for (const r of summaryRows(state.last)) lines.push([r.name, r.mean, r.p5, r.p50, r.p95, r.unit].map(quote).join(","));
  download("results.csv", "text/csv", lines.join("\n") + "\n");
}

async function save() {
  const body = { ...withMethod(request()), command: $("mode").value }; // as the page shows it
  const answer = await getJSON("api/runs", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  $("share-note").textContent = answer.ok
    ? `Saved as run ${answer.body.run_id} (alignment-runway runs show ${answer.body.run_id} --store …).`
    : answer.body.message;
}

// --- start ---------------------------------------------------------------------------------
// --- compare and sweep: the same scenario, changed, with the same samples --------------------
function panelError(id, body) {
  $(id).textContent = body?.message ?? String(body);
}

function compareSettings() {
  const extra = {};
  for (const line of $("compare-settings").value.split("\n")) {
    const text = line.trim();
    if (!text) continue;
    const at = text.indexOf("=");
    if (at < 1) throw new Error(`expected NAME=VALUE on each line; received ${JSON.stringify(text)}`);
    extra[text.slice(0, at).trim()] = text.slice(at + 1).trim();
  }
  return extra;
}

async function compare() {
  $("err-compare").textContent = "";
  $("compare-table").replaceChildren();
  let extra;
  try { extra = compareSettings(); } catch (e) { panelError("err-compare", e.message); return; }
  const a = request();
  const body = {
    sides: [{ preset: a.preset, settings: a.settings },
      { preset: a.preset, settings: { ...a.settings, ...extra } }],
    seed: a.seed,
  };
  if (a.samples !== undefined) body.samples = a.samples;
  if ($("mode").value === "run") body.outputs = ["static.research_per_month"];
  if (method() === "qmc") body.method = "qmc"; // exact and auto are a run's alone: they sample
  const answer = await getJSON("api/compare", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!answer.ok) { panelError("err-compare", answer.body); return; }
  const table = $("compare-table");
  const head = table.insertRow();
  for (const c of ["output", "A (p50)", "B (p50)", "B ÷ A (p50, p5 to p95)", "P(B > A)", "P(B = A)"]) {
    const th = document.createElement("th"); th.textContent = c; head.append(th);
  }
  for (const out of answer.body.view.outputs) {
    const [sa, sb] = out.sides;
    const pair = out.against_baseline[0];
    const middle = (s) => (out.binary ? s.mean.value : s.percentiles.p50?.value);
    const ratio = pair.ratio && !out.binary
      ? `${fmt(pair.ratio.percentiles.p50.value)} (${fmt(pair.ratio.percentiles.p5.value)} to ${fmt(pair.ratio.percentiles.p95.value)})`
      : "—";
    const row = [`${out.name} (${out.unit || "plain number"})`, fmt(middle(sa)), fmt(middle(sb)), ratio,
      pair.p_greater.value.toFixed(3), pair.p_equal.value.toFixed(3)];
    const tr = table.insertRow();
    for (const v of row) tr.insertCell().textContent = v;
  }
}

async function sweep() {
  $("err-sweep").textContent = "";
  const body = { ...request(), axis: $("sweep-axis").value.trim() };
  if ($("mode").value === "run") body.outputs = ["static.research_per_month"];
  if (method() === "qmc") body.method = "qmc"; // exact and auto are a run's alone: they sample
  const answer = await getJSON("api/sweep", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!answer.ok) { panelError("err-sweep", answer.body); Plotly.purge($("fig-sweep")); return; }
  const view = answer.body.view;
  const [axis] = view.axes;
  const [name, unit, , binary] = [view.outputs[0].name, view.outputs[0].unit, null, view.outputs[0].binary];
  const pick = (c, key) => (binary ? c.outputs[name].mean.value : c.outputs[name].percentiles[key]?.value);
  const x = view.cells.map((c) => c.at[axis.name]);
  const traces = [];
  if (!binary) {
    traces.push({ x, y: view.cells.map((c) => pick(c, "p5")), name: "p5", mode: "lines", line: { width: 0.5, color: "#9ab" } });
    traces.push({ x, y: view.cells.map((c) => pick(c, "p95")), name: "p95", mode: "lines", fill: "tonexty", line: { width: 0.5, color: "#9ab" }, fillcolor: "rgba(76,120,168,0.2)" });
  }
  traces.push({ x, y: view.cells.map((c) => pick(c, "p50")), name: binary ? "probability" : "median", mode: "lines+markers", line: { color: "#1f3b57" } });
  const ys = traces.flatMap((t) => t.y).filter((v) => v > 0);
  const log = !binary && ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 100;
  Plotly.react($("fig-sweep"), traces, {
    title: { text: `${name} as ${axis.name} varies` },
    xaxis: {
      type: x.every((v) => v > 0) && Math.max(...x) / Math.min(...x) > 50 ? "log" : "linear",
      title: { text: `${axis.name} (${axis.unit})` },
    },
    yaxis: { type: log ? "log" : "linear", title: { text: binary ? "probability" : unit } },
    height: 340,
  }, { responsive: true, displaylogo: false });
}

async function tasks() {
  $("err-tasks").textContent = "";
  const { samples, ...body } = request();
  if (samples !== undefined) body.samples = Math.min(Number(samples) || 2000, 20000);
  const answer = await getJSON("api/tasks", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!answer.ok) { panelError("err-tasks", answer.body); Plotly.purge($("fig-tasks")); return; }
  const view = answer.body.view;
  const x = view.automated_share;
  const colors = ["#1f3b57", "#4c78a8", "#72b7b2", "#f58518", "#e45756"];
  const traces = [];
  view.cases.forEach((c, i) => {
    const label = c.epsilon === "scenario" ? "this scenario's ε" : `ε = ${c.epsilon}`;
    const mid = c.speedup.value ?? c.speedup.p50;
    if (c.speedup.p5 && c.epsilon === "scenario") {
      traces.push({ x, y: c.speedup.p5, mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
      traces.push({ x, y: c.speedup.p95, mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(76,120,168,0.12)", showlegend: false, hoverinfo: "skip" });
    }
    traces.push({ x, y: mid, mode: "lines", name: label, line: { color: colors[i % colors.length], width: i === 0 ? 3 : 1.5 } });
  });
  const single = view.single_tau_speedup.value ?? view.single_tau_speedup.p50;
  traces.push({ x: [0, 1], y: [single, single], mode: "lines", name: "single τ (all at the median cost)",
    line: { dash: "dot", color: "#888" } });
  Plotly.react($("fig-tasks"), traces, {
    title: { text: "Speed-up over the human field (median; band: 5–95% for this scenario's ε)" },
    xaxis: { title: { text: "automated share of tasks" }, range: [0, 1] },
    yaxis: { type: "log", title: { text: "speed-up (×)" } }, height: 380,
  }, { responsive: true, displaylogo: false });
}

async function start() {
  const [meta, presets, params] = await Promise.all([
    getJSON("api/version"), getJSON("api/presets"), getJSON("api/parameters"),
  ]);
  state.version = meta.body.version;
  state.store = meta.body.store;
  state.params = params.body;
  $("save").hidden = !state.store;
  for (const p of presets.body) {
    const option = document.createElement("option");
    option.value = p.name; option.textContent = p.name; option.title = p.description;
    $("preset").append(option);
  }
  buildControls();
  const shared = location.hash.startsWith("#s=") ? decodeLink(location.hash.slice(3)) : null;
  const preset = shared?.preset ?? meta.body.default_preset;
  $("preset").value = preset;
  $("mode").value = shared?.mode === "race" ? "race" : (preset === "race" ? "race" : "run");
  $("seed").value = String(shared?.seed ?? meta.body.default_seed);
  $("samples").value = shared?.samples !== undefined ? String(shared.samples) : "";
  $("method").value = ["sample", "qmc", "exact", "auto"].includes(shared?.method) ? shared.method : "sample";
  fitMethod();
  if (shared && shared.v !== state.version) {
    $("version-note").hidden = false;
    $("version-note").textContent = `This link was made with alignment-runway ${shared.v}; this ` +
      `server runs ${state.version}, so the numbers may differ from what the link's author saw.`;
  }
  await loadPreset(preset, shared?.settings);
  $("preset").addEventListener("change", async () => {
    $("mode").value = $("preset").value === "race" ? "race" : $("mode").value;
    await loadPreset($("preset").value, null);
    schedule();
  });
  $("mode").addEventListener("input", fitMethod);
  for (const id of ["mode", "seed", "samples", "method"]) $(id).addEventListener("input", schedule);
  $("share").addEventListener("click", async () => {
    const link = shareLink();
    try { await navigator.clipboard.writeText(link); $("share-note").textContent = "Link copied: it reopens this scenario, seed and sample count."; }
    catch (e) { $("share-note").textContent = link; }
  });
  $("download-toml").addEventListener("click", downloadToml);
  $("download-csv").addEventListener("click", downloadCsv);
  $("save").addEventListener("click", save);
  $("compare").addEventListener("click", compare);
  $("sweep").addEventListener("click", sweep);
  $("tasks").addEventListener("click", tasks);
  await recompute();
  drawEssay();
}

start();
