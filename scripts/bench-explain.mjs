// Faithfulness and cost of the explanation views (issue 18).
// Bundles scripts/bench/explainBench.ts with esbuild and runs it; needs dist/worker.js
// (`npm run build`). Usage: node scripts/bench-explain.mjs --list FILE [--model PATH] [--limit N] (see explainBench.ts)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

if (!existsSync('dist/worker.js')) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
mkdirSync('.cache/bench', { recursive: true });
await esbuild.build({
  entryPoints: ['scripts/bench/explainBench.ts'],
  outfile: '.cache/bench/explainBench.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['onnxruntime-node', 'sharp'],
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['.cache/bench/explainBench.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
