/**
 * `rcnn-lens classify <image…> [--json] [--model PATH] [--provider P] [--top K]`
 * Classifies each image and prints its predictions; a bad image prints an error for
 * that image and the others go on. Exit 0 when every image was classified, 1 when some
 * failed, 2 on usage or model errors.
 */
import { classifyFile } from '../core/classify';
import { LoadedModel } from '../core/runtime/modelSession';
import { isProviderSetting } from '../core/runtime/providers';
import { printableLine } from '../core/util/printable';
import { parseArgs, UsageError } from './args';

interface ImageRecord {
  path: string;
  top?: Array<{ label: string; score: number }>;
  error?: { code: string; message: string };
  ms?: number;
}

export async function runClassifyCommand(argv: readonly string[], defaultModel: string): Promise<number> {
  const args = parseArgs(argv, { values: ['model', 'provider', 'top'], flags: ['json'] });
  if (!args.positionals.length) throw new UsageError('no images given');
  const provider = args.values.get('provider') ?? 'auto';
  if (!isProviderSetting(provider)) throw new UsageError(`unknown provider "${provider}"`);
  const k = Number(args.values.get('top') ?? 5);
  if (!Number.isInteger(k) || k < 1) throw new UsageError('--top must be a positive integer');

  const model = await LoadedModel.load(args.values.get('model') ?? defaultModel, { provider });
  if (!args.flags.has('json')) {
    const { provider: used, attempts, providerNote } = model.descriptor;
    for (const a of attempts) process.stderr.write(`provider ${a.provider} failed: ${a.error}\n`);
    if (providerNote) process.stderr.write(`provider ${used}: ${providerNote}\n`);
  }
  const records: ImageRecord[] = [];
  for (const path of args.positionals) {
    try {
      const d = await classifyFile(model, path, { topK: k, full: false });
      records.push({ path, top: d.top.map((p) => ({ label: p.label, score: p.score })), ms: d.timing.totalMs });
    } catch (err) {
      const e = err as Error & { code?: string };
      records.push({ path, error: { code: e.code ?? 'failed', message: e.message } });
    }
  }
  await model.release();

  if (args.flags.has('json')) {
    const { descriptor } = model;
    process.stdout.write(
      JSON.stringify({ model: { name: descriptor.info.name, hash: descriptor.hash, provider: descriptor.provider, providerNote: descriptor.providerNote, attempts: descriptor.attempts }, results: records }) + '\n',
    );
  } else {
    for (const r of records) {
      // File names, class names and messages are untrusted: control characters are shown escaped.
      const name = printableLine(r.path);
      if (r.error) process.stdout.write(`${name}: error: ${printableLine(r.error.message)}\n`);
      else process.stdout.write(`${name}: ${r.top!.map((p) => `${printableLine(p.label)} ${(p.score * 100).toFixed(1)}%`).join(', ')}\n`);
    }
  }
  return records.some((r) => r.error) ? 1 : 0;
}
