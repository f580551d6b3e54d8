#!/usr/bin/env node
// The GPU labeling path's measurement (not a test; docs/gpu-labeling.md): per provider, the decode
// bound on all cores, the model bound of the one session, the end-to-end labeling rate and the
// overlap of decode with inference. Bundles scripts/bench/gpuLabelBench.ts and runs it; needs
// dist/labelWorker.js (`node scripts/build.mjs`). Usage:
//   node scripts/bench-gpu-label.mjs --folder DIR [--model M] [--providers cpu,webgpu] [--batch 256] [--decoders N] [--model-batches 3]
// On SwiftShader (no GPU): VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp, a small folder and model.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';

if (!existsSync('dist/labelWorker.js')) {
  console.error('dist/labelWorker.js missing: run `node scripts/build.mjs` first');
  process.exit(2);
}
await esbuild.build({
  entryPoints: ['scripts/bench/gpuLabelBench.ts'],
  outfile: '.cache/bench/gpuLabelBench.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node', 'sharp'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'error',
});
const r = spawnSync(process.execPath, ['.cache/bench/gpuLabelBench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
