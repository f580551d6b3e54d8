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
import { CancelledError, type LabelProgress, type LabelSummary, type OutputSpec, runLabelJob } from '../core/batch/pipeline';
import { defaultLabelsName } from '../core/batch/shard';
import { type SortResult, sortIntoClassFolders, undoLastSort } from '../core/batch/sort';
import { isProviderSetting } from '../core/runtime/providers';
import { printable, printableLine } from '../core/util/printable';
import { chooseLabelModel, isPrecisionSetting } from '../core/model/variants';
import { parseArgs, UsageError } from './args';
import { EXIT_FAILURE, EXIT_PROBLEM, exitCodeFor } from './exitCodes';
import { markShardDone, runMergeShards, shardFromFlag } from './shardCli';

export const LABEL_USAGE =
  'usage: rcnn-lens label <folder> [--out FILE] [--format jsonl|csv|both] [--model PATH] [--provider auto|cpu|…] [--precision auto|fp32|int8] [--batch N] [--workers N] [--shard K/N|auto|auto/N] [--sort copy|move] [--sort-dest DIR] [--review-threshold X] [--include GLOB] [--exclude GLOB] [--follow-symlinks] [--full] [--content-hash] [--force] [--json]\n       rcnn-lens label --merge-shards <folder> [--format jsonl|csv|both]\n       rcnn-lens label --undo-sort <folder>\n\nTuning: [--threads N] onnxruntime threads per worker, [--top K] topk entries per record (default 5), [--decode-concurrency N] images decoded at once per worker (default 4), [--quiet] no progress line.\n\nOutput: <folder>/labels.jsonl by default; with --shard K/N the default is <folder>/labels.shard-K-of-N.jsonl (and .csv), one file per shard, so shards never overwrite each other and --merge-shards joins them into <folder>/labels.jsonl. --shard auto takes K/N from a Slurm job array (SLURM_ARRAY_TASK_ID…) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shard auto/N or RCNN_LENS_SHARD_COUNT). A finished shard leaves .rcnn-lens/shards/shard-K-of-N.json; --merge-shards checks that every shard finished with the same model and options and that no image is in two shards or in none, then writes the labels file atomically. Shard runs of one folder run side by side; a full run, --sort or a review write-back is refused (exit 2) while one runs.\n\n--content-hash: every record also carries the SHA-256 of the file; a rerun then reuses files whose modification time changed but whose bytes did not (a copied, restored or touched folder) instead of labeling them again. Files with the same size and time are never read.';

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
    values: ['out', 'format', 'model', 'provider', 'precision', 'batch', 'workers', 'shard', 'sort', 'sort-dest', 'review-threshold', 'threads', 'top', 'decode-concurrency'],
    flags: ['follow-symlinks', 'full', 'content-hash', 'force', 'json', 'undo-sort', 'merge-shards', 'quiet'],
  });
  if (args.positionals.length !== 1) throw new UsageError('give exactly one folder');
  const folder = path.resolve(args.positionals[0]);
  const json = args.flags.has('json') || !process.stdout.isTTY;

  if (args.flags.has('merge-shards')) return runMergeShards(folder, args.values.get('format') ?? 'jsonl', json);

  if (args.flags.has('undo-sort')) {
    const r = await undoLastSort(folder);
    process.stdout.write(
      json
        ? JSON.stringify(r) + '\n'
        : `restored ${r.restored} file(s); ${r.problems.length} problem(s)\n` +
            [...r.problems, ...r.warnings.map((w) => `warning: ${w}`)].map((l) => printableLine(l) + '\n').join(''),
    );
    return r.problems.length ? 1 : 0;
  }

  const provider = args.values.get('provider') ?? 'auto';
  if (!isProviderSetting(provider)) throw new UsageError(`unknown provider "${provider}"`);
  const precision = args.values.get('precision') ?? 'auto';
  if (!isPrecisionSetting(precision)) throw new UsageError(`unknown precision "${precision}" (auto, fp32 or int8)`);
  const intOpt = (name: string): number | undefined => {
    const v = args.values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const batch = intOpt('batch');
  const workers = intOpt('workers');
  const threads = intOpt('threads');
  const top = intOpt('top');
  const decodeConcurrency = intOpt('decode-concurrency');
  let shard;
  if (args.values.has('shard')) {
    shard = shardFromFlag(args.values.get('shard')!);
    if (!json && shard.count > 1) process.stderr.write(`shard ${shard.index}/${shard.count}\n`);
  }
  const format = args.values.get('format') ?? (args.values.get('out')?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  if (!['jsonl', 'csv', 'both'].includes(format)) throw new UsageError('--format must be jsonl, csv or both');
  const out = args.values.get('out');
  const outExt = out ? path.extname(out).toLowerCase() : '';
  if ((format === 'csv' && outExt === '.jsonl') || (format === 'jsonl' && outExt === '.csv')) {
    // Sort, review and undo read a labels file by its extension.
    throw new UsageError(`--out ${out} does not match --format ${format}: name the file .${format}`);
  }
  const sort = args.values.get('sort');
  if (sort !== undefined && sort !== 'copy' && sort !== 'move') throw new UsageError('--sort must be copy or move');
  if (sort && shard) {
    // A shard labels part of the folder while its siblings may still run; sorting (moving) files would
    // change the paths the other shards partition by. Concatenate the shards, then sort once.
    throw new UsageError('--sort cannot be combined with --shard: sort once all shards are done (rcnn-lens label <folder> --sort …)');
  }
  const threshold = args.values.has('review-threshold') ? Number(args.values.get('review-threshold')) : 0;
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--review-threshold must be between 0 and 1');

  const outputs: OutputSpec[] = [];
  // Each shard writes (and journals) its own file by default: labels.shard-K-of-N.jsonl.
  const base = out ? path.resolve(out) : path.join(folder, defaultLabelsName(shard));
  const stem = base.replace(/\.(jsonl|csv|json)$/i, '');
  if (format === 'jsonl' || format === 'both') outputs.push({ file: format === 'both' || !out ? `${stem}.jsonl` : base, format: 'jsonl' });
  if (format === 'csv' || format === 'both') outputs.push({ file: format === 'both' || !out ? `${stem}.csv` : base, format: 'csv' });

  const scanExclude = repeated.get('exclude')!.length ? repeated.get('exclude')! : ['**/node_modules/**', '**/.git/**'];
  const tty = process.stderr.isTTY && !args.flags.has('quiet');
  let lastDraw = 0;
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
    const summary = await runLabelJob(
      {
        folder,
        outputs,
        ...(await chooseLabelModel(path.resolve(args.values.get('model') ?? defaultModel), precision, provider)),
        provider,
        batchSize: batch,
        workers,
        intraOpThreads: threads,
        decodeConcurrency,
        topK: top,
        include: repeated.get('include')!.length ? repeated.get('include') : undefined,
        exclude: scanExclude,
        followSymlinks: args.flags.has('follow-symlinks'),
        // Nothing else runs on this thread: the scan may stat files synchronously (cheaper, see ScanOptions).
        inlineStat: true,
        shard,
        full: args.flags.has('full'),
        contentHash: args.flags.has('content-hash'),
        force: args.flags.has('force'),
        workerScript: path.join(__dirname, 'labelWorker.js'),
      },
      {
        signal: controller.signal,
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
      },
    );
    if (tty) process.stderr.write('\r\x1b[K');
    if (shard && shard.count > 1 && summary.status === 'completed') {
      const scan = { include: repeated.get('include')!.length ? repeated.get('include')! : null, exclude: scanExclude, followSymlinks: args.flags.has('follow-symlinks') };
      await markShardDone(folder, shard, summary, outputs, scan);
    }
    let sorted;
    let sortError: string | undefined;
    if (sort) {
      // The labeling is done and written whatever happens to the sort: report a failed sort on its own.
      try {
        sorted = await sortIntoClassFolders({
          folder,
          labelsFile: outputs[0].file,
          mode: sort,
          dest: args.values.get('sort-dest') ? path.resolve(args.values.get('sort-dest')!) : undefined,
          reviewThreshold: threshold,
          followSymlinks: args.flags.has('follow-symlinks'),
        });
      } catch (err) {
        sortError = (err as Error).message;
      }
    }
    if (json) {
      process.stdout.write(JSON.stringify({ ...summary, sort: sorted, sortError }) + '\n');
    } else {
      process.stdout.write(humanSummary(summary, sorted, sort, folder));
    }
    if (sortError) {
      process.stderr.write(
        `rcnn-lens: every file was labeled, but the sort failed: ${printable(sortError)}\n(rcnn-lens label --undo-sort ${printableLine(folder)} undoes what it moved)\n`,
      );
      return EXIT_FAILURE;
    }
    return 0;
  } catch (err) {
    if (tty) process.stderr.write('\r\x1b[K');
    if (err instanceof CancelledError) {
      process.stderr.write('rcnn-lens: interrupted; rerun the same command to resume\n');
      return 1;
    }
    if (exitCodeFor(err) === EXIT_PROBLEM) {
      process.stderr.write(`rcnn-lens: ${printable((err as Error).message)}\n`);
      return EXIT_PROBLEM;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
