/**
 * One "train a model on this folder" job, the same for the CLI and the extension:
 * manifest → Python child (events) → the exported ONNX validated against the contract.
 * Host-specific parts come in as options: which Python, where checkpoints live, and how
 * a model is validated (in-process in the CLI, in a forked process in the extension).
 */
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { TrainingError } from './errors';
import { type JobPaths, type TrainSettings, clearJob, jobPaths, readResumeNote, writeResumeNote } from './jobState';

export type { TrainSettings } from './jobState';
import { type TrainManifest, classCounts, manifestFromClassFolders, manifestFromLabelsFile } from './manifest';
import type { TrainDone, TrainEvent } from './trainEvents';
import { TrainProcess } from './trainProcess';
import type { ValidatedModel } from './validateModel';

export interface TrainJobOptions extends TrainSettings {
  folder: string;
  python: string;
  trainingRoot: string;
  checkpointsRoot: string;
  resume?: boolean;
  threads?: number;
  validate: (file: string) => Promise<ValidatedModel>;
  onManifest?: (manifest: TrainManifest) => void;
  onEvent?: (e: TrainEvent) => void;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  killGraceMs?: number;
}

export interface TrainJobResult {
  model: ValidatedModel;
  done: TrainDone;
  counts: Record<string, number>;
  seconds: number;
  resumed: boolean;
}

/** The settings of the run a checkpoint of this folder can resume, or undefined. */
export async function resumableRun(checkpointsRoot: string, folder: string): Promise<TrainSettings | undefined> {
  const paths = await jobPaths(checkpointsRoot, folder);
  const note = await readResumeNote(paths);
  if (!note || !(await hasCheckpoint(paths)) || !(await exists(paths.manifest))) return undefined;
  const { out, from, labelsFile, minScore, epochs, minutes, freezeCnn } = note;
  return { out, from, labelsFile, minScore, epochs, minutes, freezeCnn };
}

export async function discardResumable(checkpointsRoot: string, folder: string): Promise<void> {
  await clearJob(await jobPaths(checkpointsRoot, folder));
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function hasCheckpoint(paths: JobPaths): Promise<boolean> {
  return (await readdir(paths.checkpointDir).catch(() => [])).length > 0;
}

async function buildManifest(o: TrainJobOptions): Promise<TrainManifest> {
  return o.labelsFile
    ? manifestFromLabelsFile(o.folder, { labelsFile: o.labelsFile, minScore: o.minScore }, { signal: o.signal })
    : manifestFromClassFolders(o.folder, { signal: o.signal });
}

export async function runTrainJob(o: TrainJobOptions): Promise<TrainJobResult> {
  const started = Date.now();
  const folder = path.resolve(o.folder);
  const paths = await jobPaths(o.checkpointsRoot, folder);
  const resumed = !!o.resume && (await resumableRun(o.checkpointsRoot, folder)) !== undefined;
  if (o.resume && !resumed) throw new TrainingError('nothing_to_resume', `no cancelled training of ${folder} to resume`, { folder });
  let manifest: TrainManifest;
  if (resumed) {
    // The data of the run being resumed, even if the folder changed since: the checkpoint's classifier has its classes.
    manifest = JSON.parse(await readFile(paths.manifest, 'utf8')) as TrainManifest;
  } else {
    manifest = await buildManifest({ ...o, folder });
    await clearJob(paths);
    await writeFile(paths.manifest, JSON.stringify(manifest));
  }
  o.onManifest?.(manifest);
  const { out, from, labelsFile, minScore, epochs, minutes, freezeCnn } = o;
  await writeResumeNote(paths, { version: 1, folder, out, from, labelsFile, minScore, epochs, minutes, freezeCnn, startedAt: new Date().toISOString() });

  if (o.signal?.aborted) throw new TrainingError('cancelled', 'training cancelled', {});
  const child = new TrainProcess({
    python: o.python,
    trainingRoot: o.trainingRoot,
    args: { manifestFile: paths.manifest, out: path.resolve(out), from, epochs, minutes, freezeCnn, checkpointDir: paths.checkpointDir, resume: resumed, threads: o.threads },
    onEvent: o.onEvent,
    onLog: o.onLog,
    killGraceMs: o.killGraceMs,
  });
  const onAbort = () => void child.cancel();
  o.signal?.addEventListener('abort', onAbort);
  let done: TrainDone;
  try {
    done = await child.result;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  const model = await o.validate(path.resolve(out));
  await clearJob(paths);
  return { model, done, counts: classCounts(manifest), seconds: (Date.now() - started) / 1000, resumed };
}
