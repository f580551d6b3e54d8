/**
 * Which folder a labels file describes. Its record paths are relative to that folder, and
 * the folder's lock guards it, so guessing wrong shows wrong thumbnails and checks the
 * wrong lock. The file need not sit in the folder itself (rcnnLens.label.outputFile may be
 * "out/labels.jsonl"), but the folder's state.json lists it among the last run's outputs.
 * No vscode import, so it is testable.
 */
import * as path from 'node:path';
import { lastRunOutputs } from '../../core/folder/runState';

/** The nearest folder at or above the labels file whose last run wrote it; else the file's own folder. */
export async function labeledFolderOf(labelsFile: string): Promise<string> {
  const target = path.resolve(labelsFile);
  const ownFolder = path.dirname(target);
  for (let dir = ownFolder; ; ) {
    const outputs = await lastRunOutputs(dir);
    if (outputs?.some((o) => path.resolve(o.file) === target)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return ownFolder;
    dir = parent;
  }
}
