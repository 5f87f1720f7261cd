// The three-input benchmark model in Squiggle (@quri/squiggle-lang), run with node.
//
//   node benchmarks/squiggle/three_input.mjs --samples N [--repeats R] [--seed S]
//
// Runs the model R times in this one process with the environment's sampleCount = N (how
// Squiggle sets the number of samples: src/dists/env.ts in the package), takes the 5th, 50th
// and 95th percentiles of L with the distribution's own quantile (`inv`), and prints one JSON
// line: the percentiles, and for each repeat the seconds to run the model and to take the
// percentiles. Squiggle's `a to b` is a sample set, so a variable used twice (u, k) shares its
// samples, as in the model.
import { defaultEnvironment, run } from "@quri/squiggle-lang";

const MODEL = `
stock = 2e21 to 8e21
u = 0.3 to 0.6
tau = 10 to 1000
share = 0.25
duration = 365 * 24 * 3600
k = stock * share
c = k * duration * u
params = (c / (6 * 20)) ^ 0.5
r = k * u / (2 * params)
l = r / tau
l
`;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const samples = Number(option("samples", "100000"));
const repeats = Number(option("repeats", "1"));
const seed = option("seed", "2023");
const environment = { ...defaultEnvironment, sampleCount: samples, seed };

const runSeconds = [];
const percentileSeconds = [];
let percentiles = [];
for (let i = 0; i < repeats; i++) {
  const t0 = performance.now();
  const output = await run(MODEL, { environment });
  const t1 = performance.now();
  if (!output.result.ok) {
    process.stderr.write(`squiggle error: ${output.result.value.toString()}\n`);
    process.exit(1);
  }
  const dist = output.result.value.result.value;
  if (dist.getSamples().length !== samples) {
    process.stderr.write(`expected ${samples} samples, got ${dist.getSamples().length}\n`);
    process.exit(1);
  }
  percentiles = [0.05, 0.5, 0.95].map((p) => {
    const q = dist.inv(environment, p);
    if (!q.ok) throw new Error(String(q.value));
    return q.value;
  });
  const t2 = performance.now();
  runSeconds.push((t1 - t0) / 1000);
  percentileSeconds.push((t2 - t1) / 1000);
}

const [p5, p50, p95] = percentiles;
process.stdout.write(
  JSON.stringify({
    tool: "squiggle",
    samples,
    seed,
    node: process.versions.node,
    p5,
    p50,
    p95,
    run_seconds: runSeconds,
    percentile_seconds: percentileSeconds,
    seconds: runSeconds.map((s, i) => s + percentileSeconds[i]),
  }) + "\n"
);
