/**
 * What the last (unsharded) run of a folder wrote: `<folder>/.rcnn-lens/state.json`. Sort,
 * undo and review use it to find the labels file(s) of the last run rather than the current
 * settings, and to keep every output of a `both` run (JSONL and CSV) in step.
 */
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from './fsutil';
import type { LabelFormat } from '../labelsFile/records';
import { STATE_DIR, isInside, recordPath, toPosixRel } from './safePath';

export interface RunOutput {
  file: string;
  format: LabelFormat;
}

interface StateFile {
  version: 1;
  /** Relative to the folder when inside it (the folder may be moved), else absolute. */
  outputs: RunOutput[];
  at: string;
}

export function stateFile(folder: string): string {
  return path.join(folder, STATE_DIR, 'state.json');
}

export async function recordRunOutputs(folder: string, outputs: readonly RunOutput[]): Promise<void> {
  const rel = outputs.map((o) => ({ file: isInside(folder, o.file) ? toPosixRel(folder, o.file) : path.resolve(o.file), format: o.format }));
  const state: StateFile = { version: 1, outputs: rel, at: new Date().toISOString() };
  await mkdir(path.join(folder, STATE_DIR), { recursive: true });
  await writeFileAtomic(stateFile(folder), [JSON.stringify(state, null, 1) + '\n']);
}

/**
 * The outputs of the folder's last run (absolute paths), or undefined if none is recorded.
 * state.json is data that may come from elsewhere (a cloned repository): only outputs inside
 * the folder are believed, so sort, undo and review never rewrite a file outside it because
 * of it. (A CLI run with --out elsewhere is sorted by naming that file again.)
 */
export async function lastRunOutputs(folder: string): Promise<RunOutput[] | undefined> {
  try {
    const v = JSON.parse(await readFile(stateFile(folder), 'utf8')) as Partial<StateFile>;
    if (!Array.isArray(v.outputs)) return undefined;
    const outs = v.outputs
      .filter((o): o is RunOutput => !!o && typeof o.file === 'string' && (o.format === 'jsonl' || o.format === 'csv'))
      .map((o) => ({ file: recordPath(folder, o.file), format: o.format }))
      .filter((o): o is RunOutput => o.file !== undefined);
    return outs.length ? outs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every labels file that holds the same records as `labelsFile`: the outputs of the last run
 * when it is one of them, else `labelsFile` alone.
 */
export async function labelsFilesWith(folder: string, labelsFile: string): Promise<string[]> {
  const target = path.resolve(labelsFile);
  const outs = await lastRunOutputs(folder);
  if (outs?.some((o) => o.file === target)) return [target, ...outs.map((o) => o.file).filter((f) => f !== target)];
  return [target];
}
