/**
 * The GPU labeling path for real: webgpu on the software Vulkan driver that Debian's chromium
 * ships (SwiftShader; slow, so a small folder and a small bundled model). The records must
 * equal a CPU run's (label, every top-k score within 1e-4) and the run must have created
 * exactly one onnxruntime session. Skipped where that driver is absent, unless
 * RCNN_LENS_REQUIRE_WEBGPU=1 (CI sets it).
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabelJob } from '../../src/core/labeling/run';
import type { LabelRecord } from '../../src/core/labelsFile/records';
import { BUNDLE_ENV, ROOT, buildBundles, labelJobOptions, readLabelRecords, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const available = existsSync(ICD) && ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some(existsSync);
const required = process.env.RCNN_LENS_REQUIRE_WEBGPU === '1';
const SOFTWARE_VULKAN = { VK_ICD_FILENAMES: ICD, XDG_RUNTIME_DIR: '/tmp' };
const MODEL = path.join(ROOT, 'media/models/fashion-mnist-lstm.onnx');

const runIt = available || required ? it : it.skip;
const title = available || required
  ? 'labels a folder with one webgpu session fed by decode workers, records equal to the CPU run'
  : `labels a folder with one webgpu session (skipped: no SwiftShader Vulkan driver at ${ICD} or no libvulkan1)`;

describe('GPU labeling path on webgpu (SwiftShader)', () => {
  let workerScript = '';
  let folder = '';
  beforeAll(async () => {
    workerScript = path.join(buildBundles(), 'labelWorker.js');
    folder = tmpDir('rl-gpu-label-');
    for (let i = 0; i < 24; i++) {
      await solidImage(path.join(folder, `img${String(i).padStart(2, '0')}.${i % 3 ? 'jpg' : 'png'}`), { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 }, i % 3 ? 'jpeg' : 'png', 28 + i, 40 - i);
    }
    writeFileSync(path.join(folder, 'broken.jpg'), 'not an image');
  });

  async function label(provider: 'cpu' | 'webgpu', out: string) {
    const env = { ...BUNDLE_ENV, ...SOFTWARE_VULKAN, RCNN_LENS_CACHE_DIR: tmpDir('rl-choice-') };
    const summary = await runLabelJob(
      labelJobOptions(folder, workerScript, { modelPath: MODEL, provider, workers: 2, batchSize: 8, full: true, workerEnv: env, outputs: [{ file: out, format: 'jsonl' }] }),
    );
    return { summary, records: readLabelRecords(out) };
  }

  runIt(title, async () => {
    const outDir = tmpDir('rl-gpu-out-');
    const cpu = await label('cpu', path.join(outDir, 'cpu.jsonl'));
    const gpu = await label('webgpu', path.join(outDir, 'gpu.jsonl'));
    expect(gpu.summary.model.provider).toBe('webgpu');
    expect(gpu.summary.sessions).toBe(1);
    expect(gpu.summary.gpuPath?.decoders).toBe(2);
    expect(gpu.summary.gpuPath?.overlap.inferBusyMs).toBeGreaterThan(0);
    expect(cpu.summary.model.provider).toBe('cpu');
    expect(cpu.summary.gpuPath).toBeUndefined();
    expect(gpu.summary.labeled).toBe(25);
    expect(gpu.summary.errors).toBe(1);
    const byPath = (rs: LabelRecord[]) => new Map(rs.map((r) => [r.path, r]));
    const want = byPath(cpu.records);
    expect(gpu.records).toHaveLength(want.size);
    for (const got of gpu.records) {
      const ref = want.get(got.path)!;
      expect(got.error?.code, got.path).toBe(ref.error?.code);
      expect(got.label, got.path).toBe(ref.label);
      const refScores = new Map((ref.topk ?? []).map((t) => [t.label, t.score]));
      expect(got.topk?.length).toBe(ref.topk?.length);
      for (const t of got.topk ?? []) expect(Math.abs(t.score - refScores.get(t.label)!), `${got.path} ${t.label}`).toBeLessThanOrEqual(1e-4);
    }
  }, 120_000);
});
