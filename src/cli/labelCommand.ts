/**
 * `rcnn-lens label <folder> [--out FILE] [--format jsonl|csv|both] [--model PATH]
 *   [--provider P] [--batch N] [--workers N] [--shard K/N] [--sort copy|move]
 *   [--sort-dest DIR] [--review-threshold X] [--include GLOB]… [--exclude GLOB]…
 *   [--follow-symlinks] [--full] [--content-hash] [--force] [--json]`
 *
 * Labels every image under the folder with the same core as the extension. On a TTY a
 * progress line goes to stderr; the summary goes to stdout (JSON when stdout is not a TTY
 * or with --json). Exit 0 when every file was processed (error rows included), 1 when the
 * run was interrupted, 2 on usage/model/lock/output problems, 3 on other failures.
 * --content-hash: records carry each file's SHA-256, and a rerun reuses files whose mtime
 * changed but whose bytes did not (a copied, restored or touched folder).
 */
import * as path from 'node:path';
import { CancelledError } from '../core/labeling/errors';
import type { LabelHooks, LabelJobOptions, LabelProgress, LabelSummary } from '../core/labeling/types';
import { type OutputSpec } from '../core/labelsFile/outputs';
import { runLabelJob } from '../core/labeling/run';
import { type Shard, defaultLabelsName } from '../core/batch/shard';
import { type SortResult, sortIntoClassFolders, undoLastSort } from '../core/batch/sort';
import { type ProviderSetting, isProviderSetting } from '../core/runtime/providers';
import { printable, printableLine } from '../core/util/printable';
import { type PrecisionSetting, chooseLabelModel, isPrecisionSetting } from '../core/model/variants';
import { type ParsedArgs, parseArgs, UsageError } from './args';
import { EXIT_FAILURE, EXIT_PROBLEM, exitCodeFor } from './exitCodes';
import { markShardDone, runMergeShards, shardFromFlag } from './shardCli';
import { type SuspectRow, formatSuspects, readTopSuspects } from './suspectsReport';

export const LABEL_USAGE =
  'usage: rcnn-lens label <folder> [--out FILE] [--format jsonl|csv|both] [--model PATH] [--provider auto|cpu|…] [--precision auto|fp32|int8] [--batch N] [--workers N] [--shard K/N|auto|auto/N] [--sort copy|move] [--sort-dest DIR] [--review-threshold X] [--include GLOB] [--exclude GLOB] [--follow-symlinks] [--full] [--content-hash] [--force] [--suspects N] [--json]\n       rcnn-lens label --merge-shards <folder> [--format jsonl|csv|both]\n       rcnn-lens label --undo-sort <folder>\n\nTuning: [--threads N] onnxruntime threads per worker, [--top K] topk entries per record (default 5), [--decode-concurrency N] images decoded at once per worker (default 4), [--quiet] no progress line. When the model runs on a GPU provider, one worker holds the only session and --workers counts the decode-only workers that feed it (default: all cores).\n\nOutput: <folder>/labels.jsonl by default; with --shard K/N the default is <folder>/labels.shard-K-of-N.jsonl (and .csv), one file per shard, so shards never overwrite each other and --merge-shards joins them into <folder>/labels.jsonl. --shard auto takes K/N from a Slurm job array (SLURM_ARRAY_TASK_ID…) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shard auto/N or RCNN_LENS_SHARD_COUNT). A finished shard leaves .rcnn-lens/shards/shard-K-of-N.json; --merge-shards checks that every shard finished with the same model and options and that no image is in two shards or in none, then writes the labels file atomically. Shard runs of one folder run side by side; a full run, --sort or a review write-back is refused (exit 2) while one runs.\n\n--content-hash: every record also carries the SHA-256 of the file; a rerun then reuses files whose modification time changed but whose bytes did not (a copied, restored or touched folder) instead of labeling them again. Files with the same size and time are never read.\n\n--suspects N: in a folder organised in class subfolders (<class>/<image>), print the N images whose folder is most likely the wrong class (confident learning; every record carries given and suspect).';

function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function progressLine(p: LabelProgress): string {
  if (p.phase === 'loading') return `loading the model (${p.total} to label, ${p.reused} unchanged)…`;
  if (p.phase === 'scanning' && p.scanned) return `scanning… ${p.scanned} images so far`;
  if (p.phase === 'hashing') return `checking by content ${p.hashed ?? 0}/${p.hashTotal ?? 0} file(s) with a new modification time…`;
  if (p.phase !== 'labeling') return `${p.phase}…`;
  const pct = p.total ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  return `labeling ${p.done}/${p.total} (${pct}%)  ${p.rate.toFixed(0)} img/s  ETA ${formatEta(p.etaSeconds)}  errors ${p.errors}  reused ${p.reused}`;
}

/** The summary for a person: every line from files, models or settings has its control characters escaped. */
function humanSummary(summary: LabelSummary, sorted: SortResult | undefined, sort: string | undefined, folder: string): string {
  const errs = Object.entries(summary.errorCodes).map(([c, n]) => `${c} ${n}`).join(', ');
  const lines = [
    `${summary.files} image(s): ${summary.labeled} labeled now, ${summary.reused} unchanged${summary.reusedByContent ? ` (${summary.reusedByContent} of them by content: new modification time, same bytes)` : ''}, ${summary.errors} error row(s)${errs ? ` (${errs})` : ''}`,
    `${summary.imagesPerSecond.toFixed(0)} img/s over ${summary.seconds.toFixed(1)} s, model ${summary.model.name} (${summary.model.hash}${summary.model.precision ? `, ${summary.model.precision}` : ''}) on ${summary.model.provider}`,
    `wrote ${summary.outputs.join(', ')}`,
    ...(sorted ? [`${sort === 'move' ? 'moved' : 'copied'} ${sorted.sorted} file(s) into ${sorted.dest} (undo: rcnn-lens label --undo-sort ${folder})`] : []),
    ...summary.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.map((l) => printableLine(l) + '\n').join('');
}

/** Multi-valued options (`--include a --include b`) are not supported by parseArgs; split them out first. */
function takeRepeated(argv: readonly string[], names: readonly string[]): { rest: string[]; values: Map<string, string[]> } {
  const rest: string[] = [];
  const values = new Map<string, string[]>(names.map((n) => [n, []]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = names.find((n) => a === `--${n}` || a.startsWith(`--${n}=`));
    if (!name) {
      rest.push(a);
      continue;
    }
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`--${name} needs a value`);
    values.get(name)!.push(v);
  }
  return { rest, values };
}

export async function runLabelCommand(argv: readonly string[], defaultModel: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(LABEL_USAGE + '\n');
    return 0;
  }
  const { rest, values: repeated } = takeRepeated(argv, ['include', 'exclude']);
  const args = parseArgs(rest, {
    values: ['out', 'format', 'model', 'provider', 'precision', 'batch', 'workers', 'shard', 'sort', 'sort-dest', 'review-threshold', 'threads', 'top', 'decode-concurrency', 'suspects'],
    flags: ['follow-symlinks', 'full', 'content-hash', 'force', 'json', 'undo-sort', 'merge-shards', 'quiet'],
  });
  if (args.positionals.length !== 1) throw new UsageError('give exactly one folder');
  const folder = path.resolve(args.positionals[0]);
  const json = args.flags.has('json') || !process.stdout.isTTY;
  if (args.flags.has('merge-shards')) return runMergeShards(folder, args.values.get('format') ?? 'jsonl', json);
  if (args.flags.has('undo-sort')) return undoSortCommand(folder, json);
  const cli = labelCliOptions(args, folder);
  return labelAndReport(cli, () => jobOptions(cli, args, repeated, defaultModel), json);
}

async function undoSortCommand(folder: string, json: boolean): Promise<number> {
  const r = await undoLastSort(folder);
  process.stdout.write(
    json
      ? JSON.stringify(r) + '\n'
      : `restored ${r.restored} file(s); ${r.problems.length} problem(s)\n` +
          [...r.problems, ...r.warnings.map((w) => `warning: ${w}`)].map((l) => printableLine(l) + '\n').join(''),
  );
  return r.problems.length ? 1 : 0;
}

/** The command line's choices, checked (each wrong one a UsageError, in the order of the usage text). */
interface LabelCli {
  args: ParsedArgs;
  folder: string;
  provider: ProviderSetting;
  precision: PrecisionSetting;
  shard: Shard | undefined;
  outputs: OutputSpec[];
  sort: 'copy' | 'move' | undefined;
  threshold: number;
  /** --suspects N: how many likely mislabeled images to print. */
  suspectCount: number | undefined;
}

function labelCliOptions(args: ParsedArgs, folder: string): LabelCli {
  const provider = args.values.get('provider') ?? 'auto';
  if (!isProviderSetting(provider)) throw new UsageError(`unknown provider "${provider}"`);
  const precision = args.values.get('precision') ?? 'auto';
  if (!isPrecisionSetting(precision)) throw new UsageError(`unknown precision "${precision}" (auto, fp32 or int8)`);
  for (const name of ['batch', 'workers', 'threads', 'top', 'decode-concurrency']) positiveInt(args, name);
  const suspectCount = positiveInt(args, 'suspects');
  let shard;
  if (args.values.has('shard')) {
    shard = shardFromFlag(args.values.get('shard')!);
    if (!args.flags.has('json') && process.stdout.isTTY && shard.count > 1) process.stderr.write(`shard ${shard.index}/${shard.count}\n`);
  }
  const outputs = outputsOf(args, folder, shard);
  const sort = args.values.get('sort');
  if (sort !== undefined && sort !== 'copy' && sort !== 'move') throw new UsageError('--sort must be copy or move');
  if (sort && shard) {
    // A shard labels part of the folder while its siblings may still run; sorting (moving) files would
    // change the paths the other shards partition by. Concatenate the shards, then sort once.
    throw new UsageError('--sort cannot be combined with --shard: sort once all shards are done (rcnn-lens label <folder> --sort …)');
  }
  // Thresholds are per class over the whole folder: a shard sees only part of it.
  if (suspectCount && shard && shard.count > 1) throw new UsageError('--suspects cannot be combined with --shard: run it once all shards are done');
  const threshold = args.values.has('review-threshold') ? Number(args.values.get('review-threshold')) : 0;
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--review-threshold must be between 0 and 1');
  return { args, folder, provider, precision, shard, outputs, sort, threshold, suspectCount };
}

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

/** The files to write, from --out and --format. */
function outputsOf(args: ParsedArgs, folder: string, shard: Shard | undefined): OutputSpec[] {
  const format = args.values.get('format') ?? (args.values.get('out')?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  if (!['jsonl', 'csv', 'both'].includes(format)) throw new UsageError('--format must be jsonl, csv or both');
  const out = args.values.get('out');
  const outExt = out ? path.extname(out).toLowerCase() : '';
  if ((format === 'csv' && outExt === '.jsonl') || (format === 'jsonl' && outExt === '.csv')) {
    // Sort, review and undo read a labels file by its extension.
    throw new UsageError(`--out ${out} does not match --format ${format}: name the file .${format}`);
  }
  const outputs: OutputSpec[] = [];
  // Each shard writes (and journals) its own file by default: labels.shard-K-of-N.jsonl.
  const base = out ? path.resolve(out) : path.join(folder, defaultLabelsName(shard));
  const stem = base.replace(/\.(jsonl|csv|json)$/i, '');
  if (format === 'jsonl' || format === 'both') outputs.push({ file: format === 'both' || !out ? `${stem}.jsonl` : base, format: 'jsonl' });
  if (format === 'csv' || format === 'both') outputs.push({ file: format === 'both' || !out ? `${stem}.csv` : base, format: 'csv' });
  return outputs;
}

async function jobOptions(cli: LabelCli, args: ParsedArgs, repeated: Map<string, string[]>, defaultModel: string): Promise<LabelJobOptions> {
  return {
    folder: cli.folder,
    outputs: cli.outputs,
    ...(await chooseLabelModel(path.resolve(args.values.get('model') ?? defaultModel), cli.precision, cli.provider)),
    provider: cli.provider,
    batchSize: positiveInt(args, 'batch'),
    workers: positiveInt(args, 'workers'),
    intraOpThreads: positiveInt(args, 'threads'),
    decodeConcurrency: positiveInt(args, 'decode-concurrency'),
    topK: positiveInt(args, 'top'),
    include: repeated.get('include')!.length ? repeated.get('include') : undefined,
    exclude: repeated.get('exclude')!.length ? repeated.get('exclude') : ['**/node_modules/**', '**/.git/**'],
    followSymlinks: args.flags.has('follow-symlinks'),
    // Nothing else runs on this thread: the scan may stat files synchronously (cheaper, see ScanOptions).
    inlineStat: true,
    shard: cli.shard,
    full: args.flags.has('full'),
    contentHash: args.flags.has('content-hash'),
    force: args.flags.has('force'),
    workerScript: path.join(__dirname, 'labelWorker.js'),
  };
}

/** The progress line on a terminal (at most every 200 ms while counting), nothing otherwise. */
function terminalHooks(tty: boolean, signal: AbortSignal): LabelHooks {
  let lastDraw = 0;
  return {
    signal,
    log: (line) => {
      if (tty) process.stderr.write(`\r\x1b[K${printableLine(line)}\n`);
    },
    onProgress: (p) => {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 200 && ((p.phase === 'labeling' && p.done < p.total) || p.phase === 'scanning' || p.phase === 'hashing')) return;
      lastDraw = now;
      process.stderr.write(`\r\x1b[K${progressLine(p)}`);
    },
  };
}

/** Labels (Ctrl-C stops cleanly, twice quits), sorts if asked, prints the summary; the exit code. */
async function labelAndReport(cli: LabelCli, options: () => Promise<LabelJobOptions>, json: boolean): Promise<number> {
  const tty = process.stderr.isTTY && !cli.args.flags.has('quiet');
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nrcnn-lens: stopping; the next run resumes where this one stopped (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const job = await options();
    const summary = await runLabelJob(job, terminalHooks(tty, controller.signal));
    if (tty) process.stderr.write('\r\x1b[K');
    if (cli.shard && cli.shard.count > 1 && summary.status === 'completed') {
      const scan = { include: job.include ? [...job.include] : null, exclude: [...(job.exclude ?? [])], followSymlinks: job.followSymlinks === true };
      await markShardDone(cli.folder, cli.shard, summary, cli.outputs, scan);
    }
    // Read before a sort moves files by their predictions.
    const suspects = await topSuspectsOf(cli, summary);
    const { sorted, sortError } = await sortAfterLabeling(cli);
    if (json) process.stdout.write(JSON.stringify({ ...summary, sort: sorted, sortError, ...(suspects ? { topSuspects: suspects } : {}) }) + '\n');
    else {
      process.stdout.write(humanSummary(summary, sorted, cli.sort, cli.folder));
      if (suspects) process.stdout.write(formatSuspects(suspects, summary.suspects));
    }
    if (sortError) {
      process.stderr.write(
        `rcnn-lens: every file was labeled, but the sort failed: ${printable(sortError)}\n(rcnn-lens label --undo-sort ${printableLine(cli.folder)} undoes what it moved)\n`,
      );
      return EXIT_FAILURE;
    }
    return 0;
  } catch (err) {
    if (tty) process.stderr.write('\r\x1b[K');
    return failureExit(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** --suspects N: the N most likely mislabeled images of the labels file just written (none outside class folders). */
async function topSuspectsOf(cli: LabelCli, summary: LabelSummary): Promise<SuspectRow[] | undefined> {
  if (!cli.suspectCount) return undefined;
  return summary.suspects ? await readTopSuspects(summary.outputs[0], cli.suspectCount) : [];
}

/** The labeling is done and written whatever happens to the sort: a failed sort is reported on its own. */
async function sortAfterLabeling(cli: LabelCli): Promise<{ sorted?: SortResult; sortError?: string }> {
  if (!cli.sort) return {};
  try {
    const dest = cli.args.values.get('sort-dest');
    const sorted = await sortIntoClassFolders({
      folder: cli.folder,
      labelsFile: cli.outputs[0].file,
      mode: cli.sort,
      dest: dest ? path.resolve(dest) : undefined,
      reviewThreshold: cli.threshold,
      followSymlinks: cli.args.flags.has('follow-symlinks'),
    });
    return { sorted };
  } catch (err) {
    return { sortError: (err as Error).message };
  }
}

function failureExit(err: unknown): number {
  if (err instanceof CancelledError) {
    process.stderr.write('rcnn-lens: interrupted; rerun the same command to resume\n');
    return 1;
  }
  if (exitCodeFor(err) === EXIT_PROBLEM) {
    process.stderr.write(`rcnn-lens: ${printable((err as Error).message)}\n`);
    return EXIT_PROBLEM;
  }
  throw err;
}
