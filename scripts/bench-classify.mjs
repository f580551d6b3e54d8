// Benchmark of the single-image classify path (issue 2, "Performance").
// Bundles scripts/bench/classifyBench.ts with esbuild and runs it; needs dist/worker.js
// (`npm run build`). Usage: node scripts/bench-classify.mjs [--runs N] [--model PATH]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

if (!existsSync('dist/worker.js')) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
mkdirSync('.cache/bench', { recursive: true });
await esbuild.build({
  entryPoints: ['scripts/bench/classifyBench.ts'],
  outfile: '.cache/bench/classifyBench.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['onnxruntime-node', 'sharp'],
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['.cache/bench/classifyBench.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
