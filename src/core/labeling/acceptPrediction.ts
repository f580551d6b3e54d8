/**
 * The review's "accept the prediction" for an image in the wrong class folder: the file moves
 * into the folder of the class the model predicts, beside its current class folder
 * (`…/cat/x.jpg` → `…/dog/x.jpg`). It is a one-file sort (core/batch/sort.ts), so it is
 * journaled, checked on real paths (folder/safePath.ts), named by classFolders.ts, and
 * Undo Last Sort puts the file back. The labels files follow, with new suspect scores.
 */
import * as path from 'node:path';
import { readLabelsFile } from '../labelsFile/read';
import { formatOf } from '../labelsFile/records';
import { type SortResult, sortIntoClassFolders } from '../batch/sort';
import { isWithin, recordPath } from '../folder/safePath';

export class NothingToMoveError extends Error {
  readonly code = 'nothing_to_move';
}

export async function moveToPredictedClassFolder(options: { folder: string; labelsFile: string; path: string; followSymlinks?: boolean }): Promise<SortResult> {
  const folder = path.resolve(options.folder);
  const records = await readLabelsFile(options.labelsFile, formatOf(options.labelsFile));
  const r = records.find((x) => x.path === options.path);
  if (!r) throw new NothingToMoveError(`${options.path} is not in ${options.labelsFile}`);
  if (r.error || r.label === undefined) throw new NothingToMoveError(`${options.path} has no prediction to accept`);
  if (r.given === undefined) throw new NothingToMoveError(`${options.path} is not in a class folder`);
  if (r.given === r.label) throw new NothingToMoveError(`${options.path} is already in the folder of its prediction (${r.label})`);
  const file = recordPath(folder, r.path);
  // The class folders' parent: the file's folder's parent, which must be the folder or inside it.
  const dest = file ? path.dirname(path.dirname(file)) : undefined;
  if (!file || !dest || !isWithin(folder, dest)) throw new NothingToMoveError(`${options.path} is not inside a class folder of ${folder}`);
  return sortIntoClassFolders({ folder, labelsFile: options.labelsFile, mode: 'move', dest, only: new Set([r.path]), followSymlinks: options.followSymlinks });
}
