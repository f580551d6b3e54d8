// Runs one of scripts/bench/*.ts: builds dist/ when it is missing (the benches start the
// worker bundle), bundles the bench with esbuild into .cache/bench and runs it with `args`.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

export async function runBundledBench(entry, args) {
  if (!existsSync('dist/worker.js')) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  mkdirSync('.cache/bench', { recursive: true });
  const outfile = path.join('.cache/bench', `${path.basename(entry, '.ts')}.js`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', 'sharp'],
    logLevel: 'warning',
  });
  const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
