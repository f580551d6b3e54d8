/**
 * `rcnn-lens explain <image…> [--method M|all] [--class LABEL] [--window 1|2] [--json] [--model PATH] [--provider P]`
 * Explains each image with the same core as the panel (src/core/explain): per-timestep
 * scores in scan order with their (row, col), and every view's deletion-curve area next to
 * a seeded random ranking's. Exit codes as classify: 0 when every image was explained, 1
 * when some failed (each with its reason), 2 on a usage or model problem.
 */
import { EXPLAIN_METHODS, type ExplainMethod, isExplainMethod } from '../core/explain/explain';
import { methodUnavailable } from '../core/explain/availability';
import { classIndexOf, explainFile } from '../core/explain/explainFile';
import type { OcclusionWindow } from '../core/explain/windows';
import { LoadedModel } from '../core/runtime/modelSession';
import { isProviderSetting } from '../core/runtime/providers';
import { printableLine } from '../core/util/printable';
import { parseArgs, UsageError } from './args';
import { type ImageJson, imageJson } from './explainJson';

interface Failed {
  path: string;
  error: { code: string; message: string };
}

function parseMethods(value: string | undefined): ExplainMethod[] {
  if (value === undefined || value === 'all') return [...EXPLAIN_METHODS];
  if (!isExplainMethod(value)) throw new UsageError(`unknown method "${value}" (use ${EXPLAIN_METHODS.join(', ')} or all)`);
  return [value];
}

function parseWindow(value: string | undefined): OcclusionWindow {
  if (value === undefined || value === '1') return 1;
  if (value === '2') return 2;
  throw new UsageError('--window must be 1 or 2');
}

function textLines(r: ImageJson): string {
  const name = printableLine(r.path);
  const head = `${name}: ${printableLine(r.class)} ${(r.probability * 100).toFixed(1)}%, grid ${r.grid[0]}×${r.grid[1]}`;
  const views = (Object.keys(r.methods) as Array<keyof ImageJson['methods']>).filter((m) => m !== 'random') as ExplainMethod[];
  const lines = views.map((m) => {
    const v = r.methods[m]!;
    const top = v.order.slice(0, 5).map((t) => `(${v.cells[t][0]},${v.cells[t][1]}) ${v.scores[t].toFixed(3)}`);
    return `  ${m.padEnd(9)} deletion AUC ${v.deletion_auc.toFixed(3)} (${(v.deletion_auc / r.methods.random.deletion_auc).toFixed(2)}× random)  top cells (row,col) score: ${top.join(', ')}`;
  });
  lines.push(`  random    deletion AUC ${r.methods.random.deletion_auc.toFixed(3)}  (lower AUC = the view found what the prediction depends on)`);
  for (const [m, why] of Object.entries(r.missing ?? {})) lines.push(`  ${m.padEnd(9)} not available: ${printableLine(why)}`);
  return [head, ...lines].join('\n');
}

export async function runExplainCommand(argv: readonly string[], defaultModel: string): Promise<number> {
  const args = parseArgs(argv, { values: ['model', 'provider', 'method', 'class', 'window'], flags: ['json'] });
  if (!args.positionals.length) throw new UsageError('no images given');
  const provider = args.values.get('provider') ?? 'auto';
  if (!isProviderSetting(provider)) throw new UsageError(`unknown provider "${provider}"`);
  const methods = parseMethods(args.values.get('method'));
  const window = parseWindow(args.values.get('window'));
  const classLabel = args.values.get('class');

  const model = await LoadedModel.load(args.values.get('model') ?? defaultModel, { provider });
  const records: Array<ImageJson | Failed> = [];
  try {
    // Asked for one view by name and the model cannot give it: a model problem, not an image's.
    const missing = methods.length === 1 ? methodUnavailable(model.info, methods[0]) : undefined;
    if (missing) throw new UsageError(`--method ${methods[0]}: ${missing}`);
    if (classLabel !== undefined) {
      try {
        classIndexOf(model.info.labels, classLabel);
      } catch (err) {
        throw new UsageError(`${(err as Error).message}; its classes are ${model.info.labels.join(', ')}`);
      }
    }
    for (const path of args.positionals) {
      try {
        records.push(imageJson(await explainFile(model, path, { methods, window, classLabel })));
      } catch (err) {
        const e = err as Error & { code?: string };
        records.push({ path, error: { code: e.code ?? 'failed', message: e.message } });
      }
    }
  } finally {
    await model.release();
  }
  const ok = (r: ImageJson | Failed): r is ImageJson => !('error' in r);
  if (args.flags.has('json')) {
    const { descriptor } = model;
    process.stdout.write(JSON.stringify({ model: { name: descriptor.info.name, hash: descriptor.hash, provider: descriptor.provider }, results: records }) + '\n');
  } else {
    for (const r of records) process.stdout.write(ok(r) ? `${textLines(r)}\n` : `${printableLine(r.path)}: error: ${printableLine(r.error.message)}\n`);
  }
  return records.some((r) => !ok(r)) ? 1 : 0;
}
