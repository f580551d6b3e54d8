/**
 * Faithfulness and cost of every explanation view (issue 18). For each image: all views,
 * their deletion-curve areas relative to the seeded random ranking, and each view's own cost.
 * Prints a markdown table (mean AUC / random, median ms and runs per image) and the
 * occlusion view's median time. Usage (via scripts/bench-explain.mjs):
 *   --list FILE   image paths, one per line    --model PATH    --limit N
 *   --masks N (deep view; default DEFAULT_MASKS)   --json OUT   --threads T (onnxruntime intra-op threads)
 *   --shard I/N   only the images whose index mod N is I (run N shards side by side, then
 *                 scripts/bench/mergeExplain.mjs merges their --json files into one table)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { EXPLAIN_METHODS, type ExplainMethod } from '../../src/core/explain/explain';
import { explainFile } from '../../src/core/explain/explainFile';
import { DEFAULT_MASKS } from '../../src/core/explain/randomMasks';
import { LoadedModel } from '../../src/core/runtime/modelSession';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Stats {
  ratio: number[];
  auc: number[];
  ms: number[];
  runs: number[];
}

async function main(): Promise<void> {
  const list = arg('list');
  if (!list) throw new Error('--list FILE (image paths, one per line) is required');
  const [shard, shards] = (arg('shard', '0/1') ?? '0/1').split('/').map(Number);
  const paths = readFileSync(list, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, Number(arg('limit', '100000')))
    .filter((_, i) => i % shards === shard);
  const model = await LoadedModel.load(arg('model', 'media/models/rcnn-cifar10.onnx')!, { provider: 'cpu', intraOpThreads: Number(arg('threads', '0')) });
  const masks = { ...DEFAULT_MASKS, masks: Number(arg('masks', String(DEFAULT_MASKS.masks))) };
  const methods = [...EXPLAIN_METHODS]; // ablation is reported missing (and left out) for a contract v1 model
  const rows = new Map<string, Stats>();
  const row = (name: string) => rows.get(name) ?? rows.set(name, { ratio: [], auc: [], ms: [], runs: [] }).get(name)!;
  const started = performance.now();
  for (const [i, path] of paths.entries()) {
    for (const window of [1, 2] as const) {
      const names: ExplainMethod[] = window === 1 ? methods : ['occlusion'];
      const r = await explainFile(model, path, { methods: names, window, masks });
      const random = r.explanation.random.deletionAuc;
      if (window === 1) row('random').auc.push(random);
      for (const [m, v] of Object.entries(r.explanation.methods)) {
        const stats = row(window === 2 ? 'occlusion (2×2 window)' : m);
        stats.ratio.push(v.deletionAuc / random);
        stats.auc.push(v.deletionAuc);
        stats.ms.push(v.ms);
        stats.runs.push(v.runs);
      }
    }
    if ((i + 1) % 25 === 0) {
      process.stderr.write(`${i + 1}/${paths.length} images, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
      report(rows, i + 1, model, masks, true);
    }
  }
  await model.release();
  report(rows, paths.length, model, masks);
}

/** The table so far (written every 25 images too, so a long run leaves its numbers behind). */
function report(rows: Map<string, Stats>, images: number, model: LoadedModel, masks: object, partial = false): void {
  const lines = [
    `${images} images${partial ? ' (so far)' : ''}, model ${model.descriptor.info.name} (${model.descriptor.hash}), deep: ${JSON.stringify(masks)}, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`,
    '',
    '| ranking | mean deletion AUC | AUC / random (mean of per-image ratios) | ms per image (median) | model runs per image (mean) |',
    '|---|---|---|---|---|',
  ];
  for (const [name, s] of rows) {
    const ratio = s.ratio.length ? mean(s.ratio).toFixed(3) : '1';
    const ms = s.ms.length ? median(s.ms).toFixed(1) : '–';
    const runs = s.runs.length ? mean(s.runs).toFixed(0) : '–';
    lines.push(`| ${name} | ${mean(s.auc).toFixed(4)} | ${ratio} | ${ms} | ${runs} |`);
  }
  if (partial) process.stderr.write(lines.join('\n') + '\n');
  else console.log(lines.join('\n'));
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify({ images, partial, rows: Object.fromEntries(rows) }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
