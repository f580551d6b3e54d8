#!/usr/bin/env node
// WebGPU against CPU on the same input, for each model given: every output compared (max |Δ|), and
// where onnxruntime placed the heavy nodes (read from its verbose session log, in a child process,
// because the native log goes straight to stderr).
//
//   node scripts/webgpu-check.mjs MODEL.onnx… [--batch 2] [--tol 1e-4] [--json]
//
// Exit 0 when every model matches within --tol and no Conv/GRU/LSTM/MatMul/Gemm node runs on CPU;
// 1 when one does not; 2 when WebGPU cannot start (no adapter). Needs a Vulkan driver: on a machine
// without a GPU, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Debian's chromium) and
// XDG_RUNTIME_DIR=/tmp give a software adapter, correct but slow.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'package.json'));
const ort = require('onnxruntime-node');

export const HEAVY_OPS = ['Conv', 'GRU', 'LSTM', 'MatMul', 'Gemm'];

/** Node placements from onnxruntime's verbose log: { providerName: [opType, …] }. */
export function parsePlacements(log) {
  const placed = {};
  let current;
  for (const line of log.split('\n')) {
    const head = line.match(/Node\(s\) placed on \[(\w+)\]/);
    if (head) {
      current = head[1];
      placed[current] ??= [];
      continue;
    }
    const node = current && line.match(/VerifyEachNodeIsAssignedToAnEp\]\s{3}(\w+) \(/);
    if (node) placed[current].push(node[1]);
    else if (current && !/VerifyEachNodeIsAssignedToAnEp/.test(line)) current = undefined;
  }
  return placed;
}

function seededInput(n, seed = 1) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2; // roughly the range of normalised pixels
  }
  return out;
}

/** The image input, and for a contract v2 model a `step_mask` that masks every fifth step or so (so masked steps
 * are compared too). */
function seededFeeds(session, batch) {
  const feeds = {};
  session.inputNames.forEach((name, k) => {
    const dims = session.inputMetadata[k].shape.map((d, i) => (i === 0 ? batch : Number(d)));
    const n = dims.reduce((a, b) => a * b, 1);
    const data = name === 'step_mask' ? Float32Array.from({ length: n }, (_, i) => ((i * 7) % 5 === 0 ? 0 : 1)) : seededInput(n);
    feeds[name] = new ort.Tensor('float32', data, dims);
  });
  return feeds;
}

async function runOn(provider, modelPath, batch, verbose = false) {
  const log = verbose ? { logSeverityLevel: 0, logVerbosityLevel: 1 } : { logSeverityLevel: 3 };
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: [provider], ...log });
  try {
    const feeds = seededFeeds(session, batch);
    await session.run(feeds); // first run compiles shaders
    const t0 = performance.now();
    const out = await session.run(feeds);
    const ms = performance.now() - t0;
    return { ms, outputs: Object.fromEntries(session.outputNames.map((k) => [k, out[k].data])) };
  } finally {
    await session.release();
  }
}

/** The WebGPU run, in a child process whose verbose log gives the placements. */
function webgpuRun(modelPath, batch) {
  const dir = mkdtempSync(join(tmpdir(), 'rl-webgpu-'));
  try {
    const out = join(dir, 'out.json');
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--webgpu-child', modelPath, String(batch), out], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      timeout: 600_000,
    });
    if (r.status !== 0) throw new Error(`webgpu session failed: ${(r.stderr || r.error?.message || '').slice(-600)}`);
    const { ms, outputs } = JSON.parse(readFileSync(out, 'utf8'));
    const decoded = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, Float32Array.from(v)]));
    return { ms, outputs: decoded, placed: parsePlacements(r.stdout + r.stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function checkModel(modelPath, { batch = 2, tol = 1e-4 } = {}) {
  const cpu = await runOn('cpu', modelPath, batch);
  const gpu = webgpuRun(modelPath, batch);
  const maxAbsDiff = {};
  for (const [k, a] of Object.entries(cpu.outputs)) {
    const b = gpu.outputs[k];
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    maxAbsDiff[k] = Number.isFinite(m) ? m : Infinity;
  }
  const placed = gpu.placed;
  const heavyOnCpu = (placed.CPUExecutionProvider ?? []).filter((op) => HEAVY_OPS.includes(op));
  const onWebGpu = (placed.WebGpuExecutionProvider ?? []).length;
  const ok = Object.values(maxAbsDiff).every((d) => d <= tol) && heavyOnCpu.length === 0 && onWebGpu > 0;
  return { model: modelPath, batch, ok, maxAbsDiff, heavyOnCpu, nodes: Object.fromEntries(Object.entries(placed).map(([k, v]) => [k, v.length])), cpuMs: cpu.ms, webgpuMs: gpu.ms };
}

async function main(argv) {
  if (argv[0] === '--webgpu-child') {
    const { ms, outputs } = await runOn('webgpu', argv[1], Number(argv[2]), true);
    const plain = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, Array.from(v)]));
    writeFileSync(argv[3], JSON.stringify({ ms, outputs: plain }));
    return 0;
  }
  const opt = { batch: 2, tol: 1e-4, json: false };
  const models = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--batch') opt.batch = Number(argv[++i]);
    else if (argv[i] === '--tol') opt.tol = Number(argv[++i]);
    else if (argv[i] === '--json') opt.json = true;
    else models.push(resolve(argv[i]));
  }
  if (!models.length) {
    process.stderr.write('usage: webgpu-check.mjs MODEL.onnx… [--batch N] [--tol X] [--json]\n');
    return 2;
  }
  const results = [];
  for (const m of models) {
    try {
      results.push(await checkModel(m, opt));
    } catch (err) {
      if (/adapter/i.test(err.message)) {
        process.stderr.write(`webgpu unavailable: ${err.message.split('\n')[0]}\n`);
        return 2;
      }
      results.push({ model: m, ok: false, error: err.message });
    }
  }
  if (opt.json) process.stdout.write(JSON.stringify(results, null, 1) + '\n');
  else {
    for (const r of results) {
      const diffs = r.maxAbsDiff ? Object.entries(r.maxAbsDiff).map(([k, d]) => `${k} ${d.toExponential(1)}`).join(', ') : r.error;
      process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.model}: ${diffs}; nodes ${JSON.stringify(r.nodes ?? {})}${r.heavyOnCpu?.length ? `; on CPU: ${r.heavyOnCpu.join(', ')}` : ''}\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}
