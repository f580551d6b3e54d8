/**
 * `rcnn-lens train <folder> --out FILE …`: trains (or fine-tunes) a model on a folder's
 * class subfolders or labels file with the Python training package, then validates the
 * exported ONNX against the contract. Exit 0 when a valid model was written, 1 when
 * interrupted (rerun with --resume), 2 for a problem the user can fix (data, Python,
 * packages, options), 3 for anything else.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { bundledModelPath, packageRootFromDist } from '../core/bundledModel';
import { TrainingError } from '../core/training/errors';
import { defaultCheckpointsRoot } from '../core/training/jobState';
import { type PythonCandidate, assertCanTrain, findPython, pathPythonCandidates } from '../core/training/pythonEnv';
import type { TrainEvent } from '../core/training/trainEvents';
import { type TrainJobResult, type TrainSettings, discardResumable, resumableRun, runTrainJob } from '../core/training/trainJob';
import { printableLine } from '../core/util/printable';
import { parseArgs, UsageError } from './args';
import { EXIT_FAILURE, EXIT_PROBLEM } from './exitCodes';
import { trainProgressLine, trainSummary } from './trainOutput';

export const TRAIN_USAGE =
  'usage: rcnn-lens train <folder> --out FILE [--from bundled|current|PATH.onnx|none] [--labels FILE] [--min-score X] [--epochs N] [--minutes M] [--freeze-cnn|--no-freeze-cnn] [--python PATH] [--threads N] [--resume] [--json]\n\nClasses come from class subfolders (<class>/<image>, at any depth), or with --labels from a labels file of the folder (human-reviewed labels; with --min-score X also predictions scoring at least X). --from: the model to fine-tune (default bundled; `current` is the bundled model in the CLI), or none to train from scratch. Ctrl-C stops and keeps a checkpoint: rerun with --resume. --json: one JSON object per line on stdout (the trainer\'s events, then {"event":"result",…} or {"event":"error",…}).';

/** Problems the user can fix: exit 2. */
const PROBLEM_CODES = new Set(['missing_package', 'bad_manifest', 'bad_arguments', 'too_few_classes', 'too_few_images', 'too_many_images', 'too_many_classes', 'unsafe_class_name', 'no_labels_file', 'python_missing', 'python_packages_missing', 'nothing_to_resume', 'invalid_model', 'unsafe_path']);

function parseTrainArgs(argv: readonly string[]) {
  const args = parseArgs(argv, {
    values: ['out', 'from', 'labels', 'min-score', 'epochs', 'minutes', 'python', 'threads'],
    flags: ['freeze-cnn', 'no-freeze-cnn', 'json', 'resume'],
  });
  if (args.positionals.length !== 1) throw new UsageError('give exactly one folder');
  const num = (name: string, ok: (n: number) => boolean, what: string): number | undefined => {
    const v = args.values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !ok(n)) throw new UsageError(`--${name} must be ${what}`);
    return n;
  };
  const minScore = num('min-score', (n) => n >= 0 && n <= 1, 'between 0 and 1');
  if (minScore !== undefined && !args.values.has('labels')) throw new UsageError('--min-score needs --labels FILE');
  if (args.flags.has('freeze-cnn') && args.flags.has('no-freeze-cnn')) throw new UsageError('give --freeze-cnn or --no-freeze-cnn, not both');
  if (!args.values.has('out') && !args.flags.has('resume')) throw new UsageError('--out FILE is required');
  return {
    folder: path.resolve(args.positionals[0]),
    out: args.values.has('out') ? path.resolve(args.values.get('out')!) : undefined,
    from: args.values.get('from') ?? 'bundled',
    labelsFile: args.values.has('labels') ? path.resolve(args.values.get('labels')!) : undefined,
    minScore,
    epochs: num('epochs', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    minutes: num('minutes', (n) => n > 0 && Number.isFinite(n), 'a positive number'),
    threads: num('threads', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    freezeCnn: args.flags.has('freeze-cnn') ? true : args.flags.has('no-freeze-cnn') ? false : undefined,
    python: args.values.get('python'),
    json: args.flags.has('json'),
    resume: args.flags.has('resume'),
  };
}

/** `--from`: bundled and current (the CLI has no model setting) are the bundled model; none is scratch. */
export function resolveFrom(from: string, packageRoot: string): string {
  if (from === 'none') return 'none';
  if (from === 'bundled' || from === 'current') return bundledModelPath(packageRoot);
  if (!from.toLowerCase().endsWith('.onnx')) throw new UsageError(`--from must be bundled, current, none or a .onnx file (got "${from}")`);
  if (!existsSync(from)) throw new UsageError(`--from ${from}: no such file`);
  return path.resolve(from);
}

export async function runTrainCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(TRAIN_USAGE + '\n');
    return 0;
  }
  const o = parseTrainArgs(argv);
  const packageRoot = packageRootFromDist(__dirname);
  // The shipped training package; RCNN_LENS_TRAINING_DIR points at another checkout of it (development).
  const trainingRoot = path.resolve(process.env.RCNN_LENS_TRAINING_DIR || path.join(packageRoot, 'training'));
  const checkpointsRoot = defaultCheckpointsRoot();
  const write = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
  const tty = process.stderr.isTTY && !o.json;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const saved = o.resume ? await resumableRun(checkpointsRoot, o.folder) : undefined;
    if (o.resume && !saved) throw new TrainingError('nothing_to_resume', `no cancelled training of ${o.folder} to resume`, { folder: o.folder });
    if (!o.resume && (await resumableRun(checkpointsRoot, o.folder))) {
      process.stderr.write('rcnn-lens: discarding the checkpoint of an earlier, cancelled training of this folder (--resume continues it instead)\n');
      await discardResumable(checkpointsRoot, o.folder);
    }
    const settings: TrainSettings = saved ?? {
      out: o.out!,
      from: resolveFrom(o.from, packageRoot),
      labelsFile: o.labelsFile,
      minScore: o.minScore,
      epochs: o.epochs,
      minutes: o.minutes,
      freezeCnn: o.freezeCnn,
    };
    const candidates: PythonCandidate[] = o.python ? [{ command: o.python, source: 'option' }] : pathPythonCandidates();
    const python = await findPython(candidates, trainingRoot);
    assertCanTrain(python, path.join(trainingRoot, 'requirements.txt'));
    const { validateTrainedModel } = await import('../core/training/validateModel');
    let last = 0;
    const result = await runTrainJob({
      ...settings,
      folder: o.folder,
      python: python.candidate.command,
      trainingRoot,
      checkpointsRoot,
      resume: o.resume,
      threads: o.threads,
      validate: validateTrainedModel,
      signal: controller.signal,
      onEvent: (e: TrainEvent) => {
        if (o.json) write(e);
        else if (tty && Date.now() - last > 200) {
          last = Date.now();
          const line = trainProgressLine(e);
          if (line) process.stderr.write(`\r\x1b[K${line}`);
        }
      },
      onLog: (line) => {
        if (tty) process.stderr.write(`\r\x1b[K${printableLine(line)}\n`);
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    if (o.json) write({ event: 'result', ...resultJson(result) });
    else process.stdout.write(trainSummary(result));
    return 0;
  } catch (err) {
    if (tty) process.stderr.write('\r\x1b[K');
    if (!(err instanceof TrainingError) && !(err instanceof UsageError)) throw err;
    if (o.json) write({ event: 'error', code: err instanceof TrainingError ? err.code : 'usage', message: err.message, details: err instanceof TrainingError ? err.details : {} });
    if (err instanceof UsageError) throw err;
    if (err.code === 'cancelled') {
      process.stderr.write(`rcnn-lens: interrupted; the checkpoint is kept: rerun with --resume to continue\n`);
      return 1;
    }
    process.stderr.write(`rcnn-lens: ${printableLine(err.message)}\n`);
    return PROBLEM_CODES.has(err.code) ? EXIT_PROBLEM : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function resultJson(r: TrainJobResult) {
  return {
    model: { path: r.model.path, hash: r.model.hash, name: r.model.name, labels: r.model.labels },
    val_acc: r.done.val_acc,
    confusion: r.done.confusion,
    counts: r.counts,
    seconds: Math.round(r.seconds * 10) / 10,
    resumed: r.resumed,
    card: r.done.card,
  };
}
