/**
 * Where a training job of a folder keeps its manifest, checkpoint and resume note: under
 * a checkpoints root of the user's (the extension's global storage, the CLI's cache
 * folder), one folder per training folder, never inside the training folder itself. A
 * checkpoint is a pickle that PyTorch loads: one shipped inside a cloned repository must
 * never be resumed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export interface JobPaths {
  dir: string;
  manifest: string;
  checkpointDir: string;
  resumeNote: string;
}

/** The choices of one training run (the CLI's flags, the command's picks). */
export interface TrainSettings {
  out: string;
  /** An ONNX model to fine-tune, or 'none' for training from scratch. */
  from: string;
  labelsFile?: string;
  minScore?: number;
  epochs?: number;
  minutes?: number;
  freezeCnn?: boolean;
}

/** What a cancelled run needs to be resumed with the same data and settings. */
export interface ResumeNote extends TrainSettings {
  version: 1;
  folder: string;
  startedAt: string;
}

/** The CLI's root: $RCNN_LENS_CACHE or ~/.cache/rcnn-lens (where the trainer caches decoded images too). */
export function defaultCheckpointsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.RCNN_LENS_CACHE || path.join(os.homedir(), '.cache', 'rcnn-lens'), 'train-jobs');
}

export async function jobPaths(checkpointsRoot: string, folder: string): Promise<JobPaths> {
  const real = await realpath(folder);
  const dir = path.join(checkpointsRoot, createHash('sha256').update(real).digest('hex').slice(0, 20));
  await mkdir(dir, { recursive: true });
  return {
    dir,
    manifest: path.join(dir, 'manifest.json'),
    checkpointDir: path.join(dir, 'checkpoint'),
    resumeNote: path.join(dir, 'resume.json'),
  };
}

export async function readResumeNote(paths: JobPaths): Promise<ResumeNote | undefined> {
  try {
    const v = JSON.parse(await readFile(paths.resumeNote, 'utf8'));
    return v?.version === 1 && typeof v.out === 'string' && typeof v.from === 'string' ? (v as ResumeNote) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeResumeNote(paths: JobPaths, note: ResumeNote): Promise<void> {
  await writeFile(paths.resumeNote, JSON.stringify(note, null, 1) + '\n');
}

/** After a finished run (or "start over"): nothing left to resume. */
export async function clearJob(paths: JobPaths): Promise<void> {
  await rm(paths.resumeNote, { force: true });
  await rm(paths.checkpointDir, { recursive: true, force: true });
}
