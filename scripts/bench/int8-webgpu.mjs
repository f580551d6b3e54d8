#!/usr/bin/env node
// What the webgpu provider does with the int8 (QDQ) variant: images/s of fp32 and int8 on webgpu and on
// the CPU, and whether webgpu's answers match the CPU's (same inputs). On a machine without a GPU, run it
// on SwiftShader (Vulkan on the CPU: correct, slow):
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp node scripts/bench/int8-webgpu.mjs
// Options: --model PATH (fp32; the variant is <name>.int8.onnx beside it) --batch 16 --seconds 10
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const ort = require('onnxruntime-node');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const FP32 = path.resolve(opt('model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')));
const INT8 = FP32.replace(/\.onnx$/i, '') + '.int8.onnx';
const BATCH = Number(opt('batch', '16'));
const SECONDS = Number(opt('seconds', '10'));

function input(batch, seed) {
  let s = seed;
  const data = Float32Array.from({ length: batch * 3 * 32 * 32 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 4 - 2;
  });
  return new ort.Tensor('float32', data, [batch, 3, 32, 32]);
}

async function measure(model, provider) {
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(model, { executionProviders: [provider], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const createMs = performance.now() - t0;
  const name = s.inputNames[0];
  const m = s.inputNames.indexOf('step_mask'); // contract v2: all ones = read every step
  const L = m >= 0 ? Number(s.inputMetadata[m].shape[1]) : 0;
  const extra = m >= 0 ? { step_mask: new ort.Tensor('float32', new Float32Array(BATCH * L).fill(1), [BATCH, L]) } : {};
  const probe = (await s.run({ [name]: input(BATCH, 7), ...extra }, ['logits'])).logits.data;
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < SECONDS * 1000 || n === 0) {
    await s.run({ [name]: input(BATCH, 1), ...extra }, ['logits']);
    n += BATCH;
  }
  const ips = n / ((performance.now() - t) / 1000);
  await s.release();
  return { ips, createMs, probe };
}

function compare(a, b, k = 10) {
  let agree = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length / k; i++) {
    const row = (x) => Array.from(x.slice(i * k, i * k + k));
    const ra = row(a);
    const rb = row(b);
    if (ra.indexOf(Math.max(...ra)) === rb.indexOf(Math.max(...rb))) agree++;
    for (let j = 0; j < k; j++) maxAbs = Math.max(maxAbs, Math.abs(ra[j] - rb[j]));
  }
  return { agree: agree / (a.length / k), maxAbs };
}

const rows = [];
const cpu = {};
for (const [label, model] of [['fp32', FP32], ['int8', INT8]]) {
  cpu[label] = await measure(model, 'cpu');
  rows.push({ label, provider: 'cpu', ...cpu[label] });
  try {
    const g = await measure(model, 'webgpu');
    rows.push({ label, provider: 'webgpu', ...g, vsCpu: compare(g.probe, cpu[label].probe) });
  } catch (err) {
    rows.push({ label, provider: 'webgpu', error: err.message.split('\n')[0] });
  }
}
console.log(`batch ${BATCH}, ${SECONDS} s per measurement; VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'}`);
console.log('| model | provider | img/s | session create ms | top-1 agreement with the CPU (same model) | max abs Δ logits |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.error) console.log(`| ${r.label} | ${r.provider} | failed: ${r.error} | | | |`);
  else console.log(`| ${r.label} | ${r.provider} | ${r.ips.toFixed(1)} | ${r.createMs.toFixed(0)} | ${r.vsCpu ? `${(100 * r.vsCpu.agree).toFixed(0)}% of ${BATCH}` : '—'} | ${r.vsCpu ? r.vsCpu.maxAbs.toFixed(4) : '—'} |`);
}
