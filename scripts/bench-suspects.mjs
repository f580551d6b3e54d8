#!/usr/bin/env node
// Benchmark of mislabeled-image detection (issue 19): how many of the files moved into a wrong
// class folder come first, by our suspect score (confident learning, src/core/labeling/suspects.ts)
// and by the naive 1 − p(given label), side by side on the same run's records.
//   - the folder: scripts/bench_suspects_folder.py (200 images per class from the bundled model's
//     seeded validation split, 100 of them moved into another class folder, seeded), under --work;
//   - the labels: `node dist/cli.js label <folder> --full` (what a user runs), read back from labels.jsonl;
//   - precision and recall at 50, 100 and 200, per seed and averaged over the seeds.
// Needs `node scripts/build.mjs` first and the CIFAR-10 archive (../shared/datasets). Usage:
//   node scripts/bench-suspects.mjs [--work /tmp/rl-suspects] [--seeds 0,1,2] [--precision auto|fp32|int8] [--model PATH]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const WORK = path.resolve(opt('work', '/tmp/rl-suspects'));
const SEEDS = opt('seeds', '0').split(',').map(Number);
const PRECISION = opt('precision', 'auto');
const MODEL = path.resolve(opt('model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')));
const KS = [50, 100, 200];
const CLI = path.join(ROOT, 'dist/cli.js');
if (!existsSync(CLI)) {
  console.error('dist/cli.js missing: run `node scripts/build.mjs` first');
  process.exit(2);
}
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

/** Paths best first by `score` (higher = more suspect), ties by path as the CLI breaks them. */
function ranked(records, score) {
  return records
    .filter((r) => Number.isFinite(score(r)))
    .sort((a, b) => score(b) - score(a) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((r) => r.path);
}

function atK(order, moved) {
  return KS.map((k) => {
    const hits = order.slice(0, k).filter((p) => moved.has(p)).length;
    return { k, hits, precision: hits / k, recall: hits / moved.size };
  });
}

function runSeed(seed) {
  const dir = path.join(WORK, `seed-${seed}`);
  const folder = path.join(dir, 'folder');
  const truthFile = `${folder}.truth.json`;
  if (!existsSync(truthFile)) {
    log(`seed ${seed}: building the folder`);
    execFileSync('python3', [path.join(ROOT, 'scripts/bench_suspects_folder.py'), '--out', folder, '--seed', String(seed)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const labels = path.join(dir, 'labels.jsonl');
  log(`seed ${seed}: labeling (${PRECISION})`);
  const out = execFileSync(process.execPath, [CLI, 'label', folder, '--out', labels, '--full', '--json', '--quiet', '--precision', PRECISION, '--model', MODEL], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const summary = JSON.parse(out);
  const truth = JSON.parse(readFileSync(truthFile, 'utf8'));
  const moved = new Set(truth.filter((t) => t.moved).map((t) => t.path));
  const records = readFileSync(labels, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const ours = atK(ranked(records, (r) => r.suspect), moved);
  const naive = atK(ranked(records, (r) => 1 - r.givenScore), moved);
  return { seed, images: records.length, moved: moved.size, precision: summary.model.precision, estimated: summary.suspects?.estimatedIssues, ours, naive };
}

const results = SEEDS.map(runSeed);
const cell = (m) => `${m.hits} (P ${m.precision.toFixed(2)}, R ${m.recall.toFixed(2)})`;
const lines = [
  `model ${path.basename(MODEL)}, precision ${results[0].precision}; ${results[0].images} images, ${results[0].moved} moved; cells: moved files found (precision, recall)`,
  '',
  `| seed | ranking | ${KS.map((k) => `top ${k}`).join(' | ')} | CL estimate of wrong labels |`,
  `|---|---|${KS.map(() => '---|').join('')}---|`,
];
for (const r of results) {
  lines.push(`| ${r.seed} | suspect (confident learning) | ${r.ours.map(cell).join(' | ')} | ${Math.round(r.estimated)} |`);
  lines.push(`| ${r.seed} | naive 1 − p(given) | ${r.naive.map(cell).join(' | ')} | |`);
}
if (results.length > 1) {
  const mean = (key, i) => results.reduce((s, r) => s + r[key][i].hits, 0) / results.length;
  lines.push(`| mean of ${results.length} | suspect (confident learning) | ${KS.map((_, i) => mean('ours', i).toFixed(1)).join(' | ')} | |`);
  lines.push(`| mean of ${results.length} | naive 1 − p(given) | ${KS.map((_, i) => mean('naive', i).toFixed(1)).join(' | ')} | |`);
}
console.log(lines.join('\n'));
