/**
 * The WebGPU code path for real: onnxruntime-node's WebGPU provider on the software Vulkan driver
 * that Debian's chromium ships (SwiftShader). Correct but slow, which is exactly what `auto` must
 * notice. Skipped where that driver is absent, unless RCNN_LENS_REQUIRE_WEBGPU=1 (CI sets it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { parsePlacements } from '../../scripts/webgpu-check.mjs';
import { BUNDLE_ENV, ROOT, buildBundles, tmpDir } from '../fixtures/hostile/helpers';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const available = existsSync(ICD) && ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some(existsSync);
const required = process.env.RCNN_LENS_REQUIRE_WEBGPU === '1';
const SOFTWARE_VULKAN = { VK_ICD_FILENAMES: ICD, XDG_RUNTIME_DIR: '/tmp' };

describe('webgpu prerequisites', () => {
  it.runIf(required)('SwiftShader and the Vulkan loader are installed (libvulkan1, chromium)', () => {
    expect(available).toBe(true);
  });
});

describe('parsePlacements', () => {
  it('reads node placements per provider from the verbose session log', () => {
    const log = [
      '2026 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
      '2026 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
      '2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Slice (node_Slice_1)',
      '2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Gather (Gather)',
      '2026 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 2',
      '2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   GRU (node_gru)',
      '2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Conv (node_Conv_3)',
      '2026 [I:onnxruntime:, allocation_planner.cc:2653 CreateGraphPartitioner] Use DeviceBasedPartition as default',
      '2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MatMul (not in a list)',
    ].join('\n');
    expect(parsePlacements(log)).toEqual({ CPUExecutionProvider: ['Slice', 'Gather'], WebGpuExecutionProvider: ['GRU', 'Conv'] });
  });
});

describe.runIf(available)('webgpu on a software adapter', () => {
  let cli = '';
  let image = '';
  beforeAll(async () => {
    cli = path.join(buildBundles(), 'cli.js');
    image = path.join(tmpDir('rl-webgpu-'), 'img.png');
    await sharp({ create: { width: 48, height: 40, channels: 3, background: { r: 200, g: 40, b: 30 } } }).png().toFile(image);
  });

  function classify(provider: string, cacheDir: string) {
    const r = spawnSync(process.execPath, [cli, 'classify', image, '--json', '--provider', provider, '--model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')], {
      encoding: 'utf8',
      env: { ...process.env, ...BUNDLE_ENV, ...SOFTWARE_VULKAN, RCNN_LENS_CACHE_DIR: cacheDir },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { model: { provider: string; providerNote?: string }; results: Array<{ top: Array<{ label: string }> }> };
  }

  it('every output of the bundled and fixture models matches the CPU within 1e-4, heavy nodes on the GPU', () => {
    const models = ['media/models/rcnn-cifar10.onnx', 'media/models/fashion-mnist-lstm.onnx', 'test/fixtures/models/tiny-grey-lstm-snake-final.onnx'];
    const r = spawnSync(process.execPath, ['scripts/webgpu-check.mjs', ...models, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...SOFTWARE_VULKAN },
      timeout: 600_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as Array<{ ok: boolean; maxAbsDiff: Record<string, number>; heavyOnCpu: string[]; nodes: Record<string, number> }>;
    expect(results).toHaveLength(3);
    for (const res of results) {
      expect(res.ok).toBe(true);
      expect(Object.keys(res.maxAbsDiff)).toContain('logits');
      expect(Math.max(...Object.values(res.maxAbsDiff))).toBeLessThanOrEqual(1e-4);
      expect(res.heavyOnCpu).toEqual([]);
      expect(res.nodes.WebGpuExecutionProvider).toBeGreaterThan(10);
    }
    expect(Object.keys(results[0].maxAbsDiff).sort()).toEqual(['attention', 'gates', 'hidden', 'logits', 'step_logits']);
  }, 600_000);

  it('auto measures, keeps the CPU on the software adapter, says why, and remembers it', () => {
    const cache = tmpDir('rl-choice-');
    const first = classify('auto', cache);
    expect(first.model.provider).toBe('cpu');
    expect(first.model.providerNote).toMatch(/^(cuda unavailable; )?webgpu \d+(\.\d)?× slower than cpu on this adapter \(software\): using cpu$/);
    const saved = JSON.parse(readFileSync(path.join(cache, 'provider-choice.json'), 'utf8'));
    expect(Object.values(saved)).toHaveLength(1);
    const second = classify('auto', cache);
    expect(second.model.provider).toBe('cpu');
    expect(second.model.providerNote).toContain('slower than cpu');
    expect(second.results[0].top[0].label).toBe(first.results[0].top[0].label);
  }, 300_000);

  it('an explicit webgpu is honoured on the software adapter, with a warning, and agrees with the CPU', () => {
    const cache = tmpDir('rl-choice-');
    const gpu = classify('webgpu', cache);
    expect(gpu.model.provider).toBe('webgpu');
    expect(gpu.model.providerNote).toContain('software adapter');
    const cpu = classify('cpu', cache);
    expect(gpu.results[0].top[0].label).toBe(cpu.results[0].top[0].label);
  }, 300_000);
});
