#!/usr/bin/env node
// Benchmark of batch labeling (issue 5), side by side in one run on this machine:
//   (a) 10,000 CIFAR-10 JPEGs (32×32) and (b) 1,000 photo-sized JPEGs (1024×768, made with sharp),
//   - ours: `node dist/cli.js label` (the whole run: scan, worker start, model load, labeling, write),
//   - the Python baseline (scripts/bench_label_baseline.py: Pillow + numpy + onnxruntime, batch 64),
//   - the decode-only bound (sharp decoding the same files to the model's input size, several in flight;
//     for files already at the input size also the WebAssembly libjpeg-turbo the workers use for them),
//   - the model-only bound (onnxruntime-node on pre-made tensors at the best batch size / thread split),
//   - peak RSS of all processes of each run (the process and its descendants, sampled every 50 ms),
//   - 10k vs 100k files (100k = hard links to the 10k, in 10 sub-folders) for flat memory.
// Needs `node scripts/build.mjs` first. Usage:
//   node scripts/bench-label.mjs [--work /tmp/rl-bench] [--repeat 2] [--skip-100k | --memory-only] [--only a|b] [--model PATH] [--ours-args "--workers 1"] [--precision fp32|int8|both]
// --precision (default both): ours labels with the fp32 model and/or its int8 variant (<model>.int8.onnx,
// --precision int8 of the CLI), and the model-only bound is measured for each; the int8 table compares
// the int8 labeler with the fp32 model-only bound of the same sitting.
// The machine's load (load average) is printed: on a shared machine every number fluctuates, so each
// contender runs --repeat times, interleaved, and the table shows the best and the median.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const WORK = path.resolve(opt('work', '/tmp/rl-bench'));
const REPEAT = Number(opt('repeat', '2'));
const MODEL = path.resolve(opt('model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')));
const DATASET = opt('dataset', '/work/shared/datasets/cifar10-train-jpeg.tar.gz');
const SKIP_100K = args.includes('--skip-100k');
/** Only the 10k vs 100k memory comparison (no contenders, no bounds). */
const MEMORY_ONLY = args.includes('--memory-only');
/** `--only a` or `--only b`: one of the two datasets (e.g. to compare two models quickly). */
const ONLY = opt('only', '');
/** Extra options for our CLI, e.g. --ours-args "--workers 1 --batch 16". */
const OURS_ARGS = (opt('ours-args', '') || '').split(' ').filter(Boolean);
const PRECISIONS = { fp32: ['fp32'], int8: ['int8'], both: ['fp32', 'int8'] }[opt('precision', 'both')];
if (!PRECISIONS) {
  console.error('--precision must be fp32, int8 or both');
  process.exit(2);
}
const INT8_MODEL = MODEL.replace(/\.onnx$/i, '') + '.int8.onnx';
let CLI = path.join(ROOT, 'dist/cli.js');
const require = (await import('node:module')).createRequire(path.join(ROOT, 'package.json'));
const sharp = require('sharp');

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

if (!existsSync(CLI) || !existsSync(path.join(ROOT, 'dist/labelWorker.js'))) {
  console.error('dist/cli.js or dist/labelWorker.js missing: run `node scripts/build.mjs` first');
  process.exit(2);
}

// Run a private copy of the bundles: a concurrent `npm run build` empties dist/ while it works.
{
  const own = path.join(WORK, 'dist');
  mkdirSync(own, { recursive: true });
  for (const f of ['cli.js', 'labelWorker.js', 'jpeg-turbo.wasm']) writeFileSync(path.join(own, f), readFileSync(path.join(ROOT, 'dist', f)));
  CLI = path.join(own, 'cli.js');
  chmodSync(CLI, 0o755);
  process.env.NODE_PATH = path.join(ROOT, 'node_modules');
}

// ---------- process-tree RSS and CPU time ----------
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** RSS of `rootPid` and its descendants; `cpu` (if given) gets each one's user+system seconds so far. */
function treeRssKb(rootPid, cpu) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(rest[1]));
    } catch {
      /* gone */
    }
  }
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) for (const [p, pp] of parent) if (pp === pids[i]) pids.push(p);
  let kb = 0;
  let rootKb = 0;
  for (const p of pids) {
    try {
      if (cpu) {
        const s = readFileSync(`/proc/${p}/stat`, 'utf8');
        const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
        cpu.set(p, (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS);
      }
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
      if (m && p === rootPid) rootKb = Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return { kb, rootKb };
}

/**
 * Runs a command, sampling its process tree every 50 ms; resolves with stdout, wall seconds, peak RSS (MB)
 * and the CPU seconds (user + system) of all its processes as last sampled (a process's final <50 ms
 * are missed, so this slightly undercounts). cpuSeconds / wall = how many cores the run kept busy.
 */
function measure(cmd, argv, { env } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peak = 0;
    let peakRoot = 0;
    let peakOthers = 0;
    const cpu = new Map();
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
    const timer = setInterval(() => {
      const { kb, rootKb } = treeRssKb(child.pid, cpu);
      peak = Math.max(peak, kb);
      peakRoot = Math.max(peakRoot, rootKb);
      peakOthers = Math.max(peakOthers, kb - rootKb);
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err}`));
      // parent and its workers separately too: which side grows with the folder's size
      else {
        const cpuSeconds = [...cpu.values()].reduce((a, b) => a + b, 0);
        resolve({ out, wall, cpuSeconds, peakMb: peak / 1024, peakParentMb: peakRoot / 1024, peakWorkersMb: peakOthers / 1024 });
      }
    });
  });
}

// ---------- datasets ----------
function listImages(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.jpe?g$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function prepare() {
  mkdirSync(WORK, { recursive: true });
  const cifar = path.join(WORK, 'cifar');
  if (!existsSync(path.join(cifar, 'train'))) {
    log(`extracting ${DATASET}`);
    mkdirSync(cifar, { recursive: true });
    execFileSync('tar', ['-xzf', DATASET, '-C', cifar]);
  }
  const classes = readdirSync(path.join(cifar, 'train')).sort();
  const a10k = path.join(WORK, 'a10k');
  if (!existsSync(path.join(a10k, '.complete'))) {
    log('making a10k (10,000 CIFAR JPEGs, hard links)');
    rmSync(a10k, { recursive: true, force: true });
    for (const c of classes) {
      mkdirSync(path.join(a10k, c), { recursive: true });
      for (const f of readdirSync(path.join(cifar, 'train', c)).sort().slice(0, 1000)) linkSync(path.join(cifar, 'train', c, f), path.join(a10k, c, f));
    }
    writeFileSync(path.join(a10k, '.complete'), '');
  }
  const b1k = path.join(WORK, 'b1k');
  if (!existsSync(path.join(b1k, '.complete'))) {
    log('making b1k (1,000 photo-sized 1024×768 JPEGs: CIFAR images upscaled, with grain so they compress like photos)');
    rmSync(b1k, { recursive: true, force: true });
    const noise = Buffer.alloc(1024 * 768 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = 96 + Math.floor(Math.random() * 64);
    const jobs = [];
    for (const c of classes) {
      mkdirSync(path.join(b1k, c), { recursive: true });
      for (const f of readdirSync(path.join(cifar, 'train', c)).sort().slice(0, 100)) jobs.push([path.join(cifar, 'train', c, f), path.join(b1k, c, f)]);
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < jobs.length) {
          const [src, dst] = jobs[next++];
          await sharp(src)
            .resize(1024, 768, { kernel: 'cubic', fit: 'fill' })
            .composite([{ input: noise, raw: { width: 1024, height: 768, channels: 3 }, blend: 'overlay' }])
            .jpeg({ quality: 90 })
            .toFile(dst);
        }
      }),
    );
    writeFileSync(path.join(b1k, '.complete'), '');
  }
  const a100k = path.join(WORK, 'a100k');
  if ((!SKIP_100K || MEMORY_ONLY) && !existsSync(path.join(a100k, '.complete'))) {
    log('making a100k (100,000 files: hard links to a10k in 10 sub-folders)');
    rmSync(a100k, { recursive: true, force: true });
    const files = listImages(a10k);
    for (let k = 0; k < 10; k++) {
      for (const f of files) {
        const rel = path.relative(a10k, f);
        const dst = path.join(a100k, `copy${k}`, rel);
        mkdirSync(path.dirname(dst), { recursive: true });
        linkSync(f, dst);
      }
    }
    writeFileSync(path.join(a100k, '.complete'), '');
  }
  return { a10k, b1k, a100k };
}

// ---------- contenders ----------
async function ours(dir, name, precision = 'fp32') {
  const out = path.join(WORK, 'out', `ours-${name}.jsonl`);
  mkdirSync(path.dirname(out), { recursive: true });
  // Run as a user runs the bin (`rcnn-lens label`): through its #! line, with the Node flags it carries.
  const r = await measure(CLI, ['label', dir, '--out', out, '--full', '--force', '--json', '--provider', 'cpu', '--model', MODEL, '--precision', precision, ...OURS_ARGS]);
  const s = JSON.parse(r.out);
  return { ips: s.files / r.wall, labelIps: s.labelImagesPerSecond, wall: r.wall, cores: r.cpuSeconds / r.wall, cpuSeconds: r.cpuSeconds, ownCpu: s.cpu, peakMb: r.peakMb, peakParentMb: r.peakParentMb, peakWorkersMb: r.peakWorkersMb, files: s.files, errors: s.errors, timing: s.timing };
}

async function python(dir) {
  const r = await measure('python3', [path.join(ROOT, 'scripts/bench_label_baseline.py'), dir, '--model', MODEL, '--batch', '64', '--out', path.join(WORK, 'out', 'python.jsonl')]);
  const s = JSON.parse(r.out.trim().split('\n').pop());
  return { ips: s.images / r.wall, labelIps: s.label_images_per_second, wall: r.wall, cores: r.cpuSeconds / r.wall, cpuSeconds: r.cpuSeconds, peakMb: r.peakMb, files: s.images };
}

const DECODE_SCRIPT = `
const sharp = require(process.env.SHARP);
const fs = require('fs');
sharp.concurrency(Number(process.env.VIPS_THREADS)); sharp.cache(false);
const files = JSON.parse(fs.readFileSync(process.env.LIST, 'utf8'));
const inflight = Number(process.env.INFLIGHT);
const wasm = process.env.WASM ? require(process.env.WASM) : null;
let next = 0, n = 0;
(async () => {
  const t = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (wasm && next < files.length) {
      // The workers' fast path for files already at the input size (src/core/image/jpegWasm.ts).
      const buf = fs.readFileSync(files[next++]);
      if (!wasm.decodePlainJpegRgb(buf, 32, 32)) throw new Error('not a plain 32x32 JPEG');
      n++;
      if (n % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    while (next < files.length) {
      const f = files[next++];
      const buf = fs.readFileSync(f);
      await sharp(buf, { failOn: 'error', pages: 1, limitInputPixels: 1e8 }).rotate().flatten({ background: { r: 255, g: 255, b: 255 } })
        .resize(32, 32, { fit: 'cover', position: 'centre' }).toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer();
      n++;
    }
  }));
  process.stdout.write(JSON.stringify({ n, seconds: (performance.now() - t) / 1000 }));
})();`;

/** src/core/image/jpegWasm.ts as a CommonJS file with its .wasm beside it, for the decode script. */
async function bundleWasmDecoder() {
  const out = path.join(WORK, 'jpeg-wasm', 'jpegWasm.cjs');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'src/core/image/jpegWasm.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
  copyFileSync(require.resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm'), path.join(path.dirname(out), 'jpeg-turbo.wasm'));
  return out;
}

/**
 * Decode-only bound: the best of sharp with 1 process × 8 in flight and 2 processes × 4 in flight
 * (the workers' pipeline for everything else), and, for files already at the input size, the
 * WebAssembly libjpeg-turbo the workers use for those (1 and 2 processes).
 */
async function decodeBound(dir, inputSized) {
  const files = listImages(dir);
  const script = path.join(WORK, 'decode-bound.cjs');
  writeFileSync(script, DECODE_SCRIPT);
  const best = [];
  const configs = [[1, 8, 0, 0], [2, 4, 1, 0]];
  if (inputSized) configs.push([1, 1, 0, 1], [2, 1, 0, 1]);
  const wasmModule = inputSized ? await bundleWasmDecoder() : '';
  for (const [procs, inflight, threads, useWasm] of configs) {
    const lists = Array.from({ length: procs }, (_, p) => {
      const l = path.join(WORK, `list-${p}.json`);
      writeFileSync(l, JSON.stringify(files.filter((_, i) => i % procs === p)));
      return l;
    });
    const t0 = performance.now();
    await Promise.all(lists.map((l) => measure(process.execPath, [script], { env: { SHARP: require.resolve('sharp'), LIST: l, INFLIGHT: String(inflight), VIPS_THREADS: String(threads), WASM: useWasm ? wasmModule : '' } })));
    const wall = (performance.now() - t0) / 1000;
    best.push({ config: useWasm ? `${procs} proc, WebAssembly libjpeg-turbo` : `${procs} proc × ${inflight} in flight, sharp`, ips: files.length / wall });
  }
  best.sort((a, b) => b.ips - a.ips);
  return best[0];
}

const MODEL_SCRIPT = `
const ort = require(process.env.ORT);
(async () => {
  const s = await ort.InferenceSession.create(process.env.MODEL, { executionProviders: ['cpu'], intraOpNumThreads: Number(process.env.THREADS), interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const b = Number(process.env.BATCH);
  const x = new ort.Tensor('float32', Float32Array.from({ length: b * 3 * 32 * 32 }, () => Math.random() * 2 - 1), [b, 3, 32, 32]);
  const feeds = { [s.inputNames[0]]: x };
  const m = s.inputNames.indexOf('step_mask'); // contract v2: all ones = read every step
  if (m >= 0) { const L = Number(s.inputMetadata[m].shape[1]); feeds.step_mask = new ort.Tensor('float32', new Float32Array(b * L).fill(1), [b, L]); }
  await s.run(feeds, ['logits']);
  let n = 0; const t = performance.now();
  while (performance.now() - t < Number(process.env.MS)) { await s.run(feeds, ['logits']); n += b; }
  process.stdout.write(JSON.stringify({ n, seconds: (performance.now() - t) / 1000 }));
})();`;

/** Model-only bound: the best of batch sizes × (1 process, all threads | 2 processes, 1 thread each). */
async function modelBound(model = MODEL) {
  const script = path.join(WORK, 'model-bound.cjs');
  writeFileSync(script, MODEL_SCRIPT);
  const results = [];
  for (const batch of [16, 32, 64, 256]) {
    // threads 0 = onnxruntime's own default (what the Python baseline gets): on this 2-vCPU VM that is
    // one thread, so the all-cores split of one process is measured explicitly as well.
    for (const [procs, threads] of [[1, 0], [1, os.cpus().length], [2, 1]]) {
      const runs = await Promise.all(
        Array.from({ length: procs }, () =>
          measure(process.execPath, [script], { env: { ORT: require.resolve('onnxruntime-node'), MODEL: model, THREADS: String(threads), BATCH: String(batch), MS: '2500' } }),
        ),
      );
      const ips = runs.reduce((a, r) => {
        const s = JSON.parse(r.out);
        return a + s.n / s.seconds;
      }, 0);
      results.push({ config: `batch ${batch}, ${procs} proc × ${threads ? `${threads} thread(s)` : "onnxruntime's default threads"}`, ips });
    }
  }
  results.sort((a, b) => b.ips - a.ips);
  return { best: results[0], all: results };
}

/**
 * The graph onnxruntime saves after optimising `model` at level all: what our CPU sessions open from the
 * user's cache (src/core/runtime/optimizedModelCache.ts). It can run faster than the file as shipped (the
 * int8 variant's did), so the shipped file's bound is not an upper bound for our labeler; both are reported.
 */
async function optimisedGraph(model) {
  const out = path.join(WORK, `${path.basename(model, '.onnx')}.optimised.onnx`);
  const script = path.join(WORK, 'optimise.cjs');
  writeFileSync(script, `require(process.env.ORT).InferenceSession.create(process.env.MODEL, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', optimizedModelFilePath: process.env.OUT });`);
  await measure(process.execPath, [script], { env: { ORT: require.resolve('onnxruntime-node'), MODEL: model, OUT: out } });
  return out;
}

// ---------- main ----------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f0 = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));

log(`bench-label on ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average at start: ${loadavg()}`);
const ds = await prepare();
// Read every file once so no contender pays for a cold page cache (whoever ran first used to).
for (const dir of [ds.a10k, ds.b1k]) for (const f of listImages(dir)) readFileSync(f);
const results = { machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadStart: loadavg() }, datasets: {} };

const contests = [['a', 'a: 10,000 × 32×32 JPEG', ds.a10k], ['b', 'b: 1,000 × 1024×768 JPEG', ds.b1k]].filter(([key]) => !ONLY || key === ONLY);
for (const [, name, dir] of MEMORY_ONLY ? [] : contests) {
  log(`== ${name}`);
  const oursBy = { fp32: [], int8: [] };
  const pyRuns = [];
  for (let r = 0; r < REPEAT; r++) {
    for (const precision of PRECISIONS) {
      const o = await ours(dir, path.basename(dir), precision);
      log(`ours ${precision}:   ${f0(o.ips)} img/s end-to-end (${f0(o.labelIps)} in the labeling phase), ${o.wall.toFixed(1)} s, ${o.cores.toFixed(2)} cores busy (${o.cpuSeconds.toFixed(1)} CPU-s; as the run counts them: parent ${o.ownCpu.mainSeconds.toFixed(1)}, workers ${o.ownCpu.workerSeconds.toFixed(1)}), peak RSS ${f0(o.peakMb)} MB, timing ${JSON.stringify(Object.fromEntries(Object.entries(o.timing).map(([k, v]) => [k, Math.round(v)])))}`);
      oursBy[precision].push(o);
    }
    const p = await python(dir);
    log(`python: ${f0(p.ips)} img/s end-to-end (${f0(p.labelIps)} in its loop), ${p.wall.toFixed(1)} s, ${p.cores.toFixed(2)} cores busy (${p.cpuSeconds.toFixed(1)} CPU-s), peak RSS ${f0(p.peakMb)} MB`);
    pyRuns.push(p);
  }
  const dec = await decodeBound(dir, dir === ds.a10k);
  log(`decode-only bound: ${f0(dec.ips)} img/s (${dec.config})`);
  const mod = await modelBound();
  log(`model-only bound: ${f0(mod.best.ips)} img/s (${mod.best.config}); all: ${mod.all.map((m) => `${m.config}: ${f0(m.ips)}`).join('; ')}`);
  const combined = 1 / (1 / dec.ips + 1 / mod.best.ips);
  const oursRuns = oursBy[PRECISIONS[0]];
  const summary = (runs) => ({ best: Math.max(...runs.map((o) => o.ips)), median: median(runs.map((o) => o.ips)), bestLabel: Math.max(...runs.map((o) => o.labelIps)), medianLabel: median(runs.map((o) => o.labelIps)), peakMb: Math.max(...runs.map((o) => o.peakMb)) });
  if (PRECISIONS.includes('int8')) {
    const modOpt = await modelBound(await optimisedGraph(MODEL));
    log(`model-only bound, optimised graph: ${f0(modOpt.best.ips)} img/s (${modOpt.best.config})`);
    const mod8 = await modelBound(INT8_MODEL);
    log(`int8 model-only bound: ${f0(mod8.best.ips)} img/s (${mod8.best.config}); all: ${mod8.all.map((m) => `${m.config}: ${f0(m.ips)}`).join('; ')}`);
    const mod8Opt = await modelBound(await optimisedGraph(INT8_MODEL));
    log(`int8 model-only bound, optimised graph: ${f0(mod8Opt.best.ips)} img/s (${mod8Opt.best.config})`);
    results.int8 ??= {};
    results.int8[name] = {
      fp32: oursBy.fp32.length ? summary(oursBy.fp32) : undefined,
      int8: summary(oursBy.int8),
      fp32ModelBound: mod.best,
      int8ModelBound: mod8.best,
      fp32OptimisedBound: modOpt.best,
      int8OptimisedBound: mod8Opt.best,
    };
  }
  results.datasets[name] = {
    precision: PRECISIONS[0],
    ours: { best: Math.max(...oursRuns.map((o) => o.ips)), median: median(oursRuns.map((o) => o.ips)), bestLabel: Math.max(...oursRuns.map((o) => o.labelIps)), cores: median(oursRuns.map((o) => o.cores)), peakMb: Math.max(...oursRuns.map((o) => o.peakMb)) },
    python: { best: Math.max(...pyRuns.map((o) => o.ips)), median: median(pyRuns.map((o) => o.ips)), bestLabel: Math.max(...pyRuns.map((o) => o.labelIps)), cores: median(pyRuns.map((o) => o.cores)), peakMb: Math.max(...pyRuns.map((o) => o.peakMb)) },
    decodeBound: dec,
    modelBound: mod.best,
    combinedBound: combined,
  };
}

if (!SKIP_100K || MEMORY_ONLY) {
  log('== flat memory: 10k vs 100k files');
  const small = await ours(ds.a10k, 'a10k-mem', PRECISIONS.at(-1));
  const split = (r) => `(parent ${f0(r.peakParentMb)} MB, workers together ${f0(r.peakWorkersMb)} MB)`;
  log(`10k:  ${f0(small.ips)} img/s, peak RSS ${f0(small.peakMb)} MB ${split(small)}`);
  const big = await ours(ds.a100k, 'a100k', PRECISIONS.at(-1));
  log(`100k: ${f0(big.ips)} img/s, peak RSS ${f0(big.peakMb)} MB ${split(big)}, ${big.files} files`);
  const mem = (r) => ({ ips: r.ips, peakMb: r.peakMb, peakParentMb: r.peakParentMb, peakWorkersMb: r.peakWorkersMb, files: r.files });
  results.memory = { '10k': mem(small), '100k': mem(big) };
}
results.machine.loadEnd = loadavg();

// ---------- table ----------
const lines = [];
lines.push(`Batch labeling benchmark — ${new Date().toISOString()} — ${results.machine.cores} cores (${results.machine.cpu}); load average ${results.machine.loadStart} at start, ${results.machine.loadEnd} at end.`);
lines.push('The machine is shared (a training job and builds run beside it): throughputs fluctuate between runs; best and median of ' + REPEAT + ' interleaved runs.');
lines.push('img/s are end-to-end (process start to exit: scan, model load, labeling, output write) unless marked "loop". "ours" in the first table labels with the ' + PRECISIONS[0] + ' model.');
lines.push('');
lines.push('| dataset | ours img/s best (median) | ours loop img/s | Python baseline img/s best (median) | speed-up | decode-only bound | model-only bound | combined bound | bound / Python | ours / bound | cores busy ours / Python | peak RSS ours | peak RSS Python |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name, d] of Object.entries(results.datasets)) {
  lines.push(
    `| ${name} | ${f0(d.ours.best)} (${f0(d.ours.median)}) | ${f0(d.ours.bestLabel)} | ${f0(d.python.best)} (${f0(d.python.median)}) | ${(d.ours.best / d.python.best).toFixed(2)}× | ${f0(d.decodeBound.ips)} | ${f0(d.modelBound.ips)} | ${f0(d.combinedBound)} | ${(d.combinedBound / d.python.best).toFixed(2)}× | ${((100 * d.ours.bestLabel) / d.combinedBound).toFixed(0)}% | ${d.ours.cores.toFixed(2)} / ${d.python.cores.toFixed(2)} | ${f0(d.ours.peakMb)} MB | ${f0(d.python.peakMb)} MB |`,
  );
}
if (results.int8) {
  lines.push('');
  lines.push('int8 variant (`--precision int8`) against the fp32 model-only bound of this sitting:');
  lines.push('');
  lines.push('| dataset | ours fp32 img/s best (median) | ours int8 img/s best (median) | ours int8 loop img/s best (median) | fp32 model-only bound | int8 model-only bound | int8 end-to-end / fp32 bound | int8 loop / fp32 bound | peak RSS fp32 / int8 |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const [name, d] of Object.entries(results.int8)) {
    const fp = d.fp32;
    lines.push(
      `| ${name} | ${fp ? `${f0(fp.best)} (${f0(fp.median)})` : '—'} | ${f0(d.int8.best)} (${f0(d.int8.median)}) | ${f0(d.int8.bestLabel)} (${f0(d.int8.medianLabel)}) | ${f0(d.fp32ModelBound.ips)} | ${f0(d.int8ModelBound.ips)} | ${(d.int8.median / d.fp32ModelBound.ips).toFixed(2)}× | ${(d.int8.medianLabel / d.fp32ModelBound.ips).toFixed(2)}× | ${fp ? f0(fp.peakMb) : '—'} / ${f0(d.int8.peakMb)} MB |`,
    );
  }
  lines.push('');
  lines.push('The same bounds from the graph onnxruntime saves after optimising each model (what our sessions open from the cache):');
  lines.push('');
  lines.push('| dataset | fp32 bound, optimised graph | int8 bound, optimised graph | int8 end-to-end / that fp32 bound | int8 loop / that fp32 bound |');
  lines.push('|---|---|---|---|---|');
  for (const [name, d] of Object.entries(results.int8)) {
    const fp = d.fp32OptimisedBound.ips;
    lines.push(`| ${name} | ${f0(fp)} | ${f0(d.int8OptimisedBound.ips)} | ${(d.int8.median / fp).toFixed(2)}× | ${(d.int8.medianLabel / fp).toFixed(2)}× |`);
  }
}
if (results.memory) {
  lines.push('');
  lines.push(`| files | ours img/s | peak RSS (all processes) | peak RSS parent | peak RSS workers (together) |`);
  lines.push('|---|---|---|---|---|');
  for (const [label, m] of [['10,000', results.memory['10k']], ['100,000 (hard links)', results.memory['100k']]]) {
    lines.push(`| ${label} | ${f0(m.ips)} | ${f0(m.peakMb)} MB | ${f0(m.peakParentMb)} MB | ${f0(m.peakWorkersMb)} MB |`);
  }
}
lines.push('');
lines.push('combined bound = 1 / (1/decode + 1/model): decoding and the model share the same cores.');
lines.push('bound / Python = the speed-up over the baseline of a labeler that ran at the combined bound (no start-up, no overhead): the most these cores allow.');
lines.push('cores busy = CPU seconds (user + system, all processes of the run) / wall seconds, median over the runs.');
console.log(lines.join('\n'));
writeFileSync(path.join(WORK, 'results.json'), JSON.stringify(results, null, 2));
writeFileSync(path.join(WORK, 'results.md'), lines.join('\n') + '\n');
log(`wrote ${path.join(WORK, 'results.md')} and results.json`);
