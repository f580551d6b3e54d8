/**
 * Measures the GPU labeling path's three numbers per provider, on one folder, with the real
 * components (dist/labelWorker.js): the decode bound (decode-only workers on all cores, and the
 * in-process alternative: one worker with sharp's threads), the model bound (the one model
 * worker's `infer` on already-decoded batches) and the end-to-end run (runLabelJob), with how much
 * decoding overlapped inference. Run through scripts/bench-gpu-label.mjs.
 */
import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeChunks } from '../../src/core/batch/gpuSchedule';
import { WorkerPool, type PoolOptions } from '../../src/core/batch/workerPool';
import type { ProviderSetting } from '../../src/core/runtime/providers';
import { runLabelJob } from '../../src/core/labeling/run';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const ROOT = process.cwd();
const FOLDER = path.resolve(opt('folder', ''));
const MODEL = path.resolve(opt('model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')));
const PROVIDERS = opt('providers', 'cpu,webgpu').split(',') as ProviderSetting[];
const BATCH = Number(opt('batch', '256'));
const CORES = Number(opt('decoders', String(os.availableParallelism?.() ?? os.cpus().length)));
const MODEL_BATCHES = Number(opt('model-batches', '3'));
const SCRIPT = path.join(ROOT, 'dist/labelWorker.js');
const OUT = path.join(os.tmpdir(), `rl-gpu-bench-${process.pid}`);

const files = readdirSync(FOLDER).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => path.join(FOLDER, f));
const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

function poolOptions(provider: ProviderSetting, extra: Partial<PoolOptions> = {}): PoolOptions {
  return { script: SCRIPT, workers: 1, modelPath: MODEL, provider, intraOpThreads: 0, decodeConcurrency: 4, maxPixels: 1e8, batchTimeoutMs: 0, ...extra };
}

/** Decodes every file in batches of BATCH (two in flight, as the run does); img/s. */
async function decodeRate(decoders: WorkerPool): Promise<number> {
  const t = performance.now();
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += BATCH) batches.push(files.slice(i, i + BATCH));
  const decodeOne = (b: string[]) => Promise.all(decodeChunks(b.length, decoders.size).map(([s, e]) => decoders.process(b.slice(s, e))));
  for (let i = 0; i < batches.length; i += 2) await Promise.all(batches.slice(i, i + 2).map(decodeOne));
  return files.length / ((performance.now() - t) / 1000);
}

async function decodeBounds(spec: WorkerPool['decodeSpec']): Promise<{ processes: number; threads: number }> {
  const many = new WorkerPool(poolOptions('cpu', { workers: CORES, decodeSpec: spec }));
  const threads = 4 * CORES;
  const one = new WorkerPool(poolOptions('cpu', { workers: 1, decodeSpec: spec, decodeConcurrency: threads, env: { UV_THREADPOOL_SIZE: String(threads) } }));
  try {
    await Promise.all([many.start(), one.start()]);
    await decodeRate(many); // warm (file cache, sharp loaded)
    return { processes: await decodeRate(many), threads: await decodeRate(one) };
  } finally {
    many.dispose();
    one.dispose();
  }
}

/** The model worker alone on decoded batches of BATCH rows (the first run, which allocates, excluded). */
async function modelBound(provider: ProviderSetting): Promise<{ ips: number; provider: string; spec: WorkerPool['decodeSpec'] }> {
  const model = new WorkerPool(poolOptions(provider, { batchSize: BATCH }));
  try {
    const m = await model.start();
    const { channels, height, width } = model.decodeSpec!.input;
    const input = new Float32Array(BATCH * channels * height * width).fill(0.1);
    const paths = Array.from({ length: BATCH }, (_, i) => `row${i}`);
    await model.infer(input, paths, BATCH);
    const t = performance.now();
    for (let i = 0; i < MODEL_BATCHES; i++) await model.infer(input, paths, BATCH);
    return { ips: (MODEL_BATCHES * BATCH) / ((performance.now() - t) / 1000), provider: m.provider, spec: model.decodeSpec };
  } finally {
    model.dispose();
  }
}

async function endToEnd(provider: ProviderSetting) {
  const s = await runLabelJob({ folder: FOLDER, modelPath: MODEL, provider, workerScript: SCRIPT, batchSize: BATCH, full: true, outputs: [{ file: path.join(OUT, `${provider}.jsonl`), format: 'jsonl' }] });
  return { ips: s.labelImagesPerSecond, provider: s.model.provider, sessions: s.sessions, workers: s.workers, overlap: s.gpuPath?.overlap.ratio };
}

const f0 = (x: number | undefined) => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const rows: string[] = [];
log(`${files.length} file(s) in ${FOLDER}, model ${path.basename(MODEL)}, batch ${BATCH}, ${CORES} decoder(s)`);
for (const provider of PROVIDERS) {
  log(`${provider}: model bound`);
  const mb = await modelBound(provider);
  log(`${provider}: decode bounds`);
  const db = await decodeBounds(mb.spec);
  log(`${provider}: end to end`);
  const e2e = await endToEnd(provider);
  const bound = Math.min(db.processes, mb.ips);
  rows.push(`| ${provider} (${e2e.provider}) | ${f0(db.processes)} | ${f0(db.threads)} | ${f0(mb.ips)} | ${f0(e2e.ips)} | ${((100 * e2e.ips) / bound).toFixed(0)}% | ${e2e.overlap === undefined ? '– (CPU path)' : e2e.overlap.toFixed(2)} | ${e2e.sessions} | ${e2e.workers} |`);
}
console.log(`${files.length} files, ${path.basename(MODEL)}, batch ${BATCH}, ${CORES} decode worker(s), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}\n`);
console.log('| provider (used) | decode bound img/s: N decode processes | decode: 1 process, sharp threads | model bound img/s | end to end img/s | of min(decode, model) | overlap | sessions | workers |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
