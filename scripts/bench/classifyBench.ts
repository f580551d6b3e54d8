/**
 * Measures, for a 32×32 JPEG and a 12-megapixel 4000×3000 JPEG:
 *  - sharp alone: decode + resize of that file to the model input (the unavoidable decode part),
 *  - model alone: LoadedModel.run on one image (the unavoidable model part),
 *  - the extension's path: InferenceService → worker process → result → panel payload,
 *  - the first classification of a fresh worker, model load included.
 * Prints medians and the overhead of our path over sharp + model.
 */
import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { bundledModelPath } from '../../src/core/bundledModel';
import { preprocessImage } from '../../src/core/image/preprocess';
import { LoadedModel } from '../../src/core/runtime/modelSession';
import { InferenceService } from '../../src/core/worker/inferenceService';
import { toResultView } from '../../src/vscode/panel/resultView';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', '30'));
const ROOT = process.cwd();
const MODEL = opt('model', bundledModelPath(ROOT));
const WORK = path.join(ROOT, '.cache', 'bench');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}

async function makeImages(): Promise<Array<{ name: string; file: string }>> {
  mkdirSync(WORK, { recursive: true });
  const small = path.join(WORK, 'small-32x32.jpg');
  const big = path.join(WORK, 'photo-4000x3000.jpg');
  // Smooth gradients plus noise: compresses like a photo (a flat colour would be unrealistically fast).
  const noise = async (w: number, h: number, file: string, quality: number) => {
    const raw = Buffer.alloc(w * h * 3);
    let seed = 12345;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const n = (seed >>> 24) - 128;
        const i = (y * w + x) * 3;
        raw[i] = Math.max(0, Math.min(255, (x * 255) / w + n * 0.4));
        raw[i + 1] = Math.max(0, Math.min(255, (y * 255) / h + n * 0.4));
        raw[i + 2] = Math.max(0, Math.min(255, 128 + n * 0.5));
      }
    }
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality }).toFile(file);
  };
  await noise(32, 32, small, 75);
  await noise(4000, 3000, big, 92);
  return [
    { name: '32×32 JPEG', file: small },
    { name: '4000×3000 JPEG', file: big },
  ];
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  const images = await makeImages();
  const worker = path.join(ROOT, 'dist', 'worker.js');

  // First classification, model load included: a fresh worker process each time.
  const firstTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const svc = new InferenceService(worker);
    svc.setModel({ modelPath: MODEL, provider: 'cpu' });
    const t = performance.now();
    await svc.classify(images[0].file, { topK: 5, full: true });
    firstTimes.push(performance.now() - t);
    svc.dispose();
  }

  const model = await LoadedModel.load(MODEL, { provider: 'cpu' });
  const { width, height } = model.info.input;
  const service = new InferenceService(worker);
  service.setModel({ modelPath: MODEL, provider: 'cpu' });
  await service.ensureModel();

  console.log(`model ${model.info.name} (${(statSync(MODEL).size / 1e6).toFixed(2)} MB), input ${width}×${height}, ${RUNS} runs, median (p90) ms`);
  console.log('| image | sharp decode+resize | model run | sharp + model | RCNN Lens command → panel data | overhead |');
  console.log('|---|---|---|---|---|---|');
  for (const img of images) {
    const sharpOnly = await time(
      () => sharp(img.file).rotate().resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer(),
      RUNS,
    );
    const pre = await preprocessImage(img.file, model.info);
    const modelOnly = await time(() => model.run(pre.tensor, 1, true), RUNS);
    const ours = await time(async () => {
      const t = performance.now();
      const { detail, model: m } = await service.classify(img.file, { topK: 5, full: true });
      return toResultView(detail, m, 'vscode-resource:x', performance.now() - t, undefined);
    }, RUNS);
    const base = median(sharpOnly) + median(modelOnly);
    const overhead = ((median(ours) - base) / base) * 100;
    const fmt = (xs: number[]) => `${median(xs).toFixed(2)} (${p90(xs).toFixed(2)})`;
    console.log(
      `| ${img.name} (${(statSync(img.file).size / 1e6).toFixed(2)} MB) | ${fmt(sharpOnly)} | ${fmt(modelOnly)} | ${base.toFixed(2)} | ${fmt(ours)} | ${overhead.toFixed(1)}% |`,
    );
  }
  console.log(`first classification with a fresh worker, model load included: median ${median(firstTimes).toFixed(0)} ms, max ${Math.max(...firstTimes).toFixed(0)} ms`);
  service.dispose();
  await model.release();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
