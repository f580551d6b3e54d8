#!/usr/bin/env node
// Model-only throughput of each execution provider at several batch sizes, warm, median of runs.
//   node scripts/bench-providers.mjs [--model M] [--providers cpu,webgpu] [--batches 1,64,256] [--runs 5] [--json]
// CPU uses all cores (intraOpNumThreads 0). Prints a markdown table (or JSON).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ort = createRequire(join(root, 'package.json'))('onnxruntime-node');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const model = option('model', join(root, 'media/models/rcnn-cifar10.onnx'));
const providers = option('providers', 'cpu,webgpu').split(',');
const batches = option('batches', '1,64,256').split(',').map(Number);
const runs = Number(option('runs', '5'));

async function measure(provider) {
  const s = await ort.InferenceSession.create(model, { executionProviders: [provider], intraOpNumThreads: 0, logSeverityLevel: 3 });
  const shape = s.inputMetadata[0].shape.slice(1).map(Number);
  const row = {};
  for (const b of batches) {
    const x = new ort.Tensor('float32', new Float32Array(b * shape.reduce((a, c) => a * c, 1)).fill(0.1), [b, ...shape]);
    const feeds = { [s.inputNames[0]]: x };
    const mask = s.inputNames.indexOf('step_mask'); // contract v2: all ones = read every step
    if (mask >= 0) feeds.step_mask = new ort.Tensor('float32', new Float32Array(b * Number(s.inputMetadata[mask].shape[1])).fill(1), [b, Number(s.inputMetadata[mask].shape[1])]);
    await s.run(feeds, ['logits']);
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await s.run(feeds, ['logits']);
      t.push(performance.now() - t0);
    }
    const ms = t.sort((p, q) => p - q)[Math.floor(t.length / 2)];
    row[b] = { ms, imgPerSec: (b * 1000) / ms };
  }
  await s.release();
  return row;
}

const results = {};
for (const p of providers) {
  try {
    results[p] = await measure(p);
  } catch (err) {
    results[p] = { error: String(err.message ?? err).split('\n')[0] };
  }
}
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(results) + '\n');
else {
  process.stdout.write(`| provider | ${batches.map((b) => `batch ${b}: ms / img/s`).join(' | ')} |\n|---|${batches.map(() => '---|').join('')}\n`);
  for (const [p, r] of Object.entries(results)) {
    const cells = r.error ? batches.map(() => `error: ${r.error.slice(0, 60)}`) : batches.map((b) => `${r[b].ms.toFixed(1)} / ${r[b].imgPerSec.toFixed(0)}`);
    process.stdout.write(`| ${p} | ${cells.join(' | ')} |\n`);
  }
}
