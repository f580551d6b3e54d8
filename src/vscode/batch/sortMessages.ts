/**
 * What Sort Into Class Folders and Undo Last Sort tell the user: each names where the
 * files went, or what Undo removed. No vscode import, so it is testable.
 */
import * as path from 'node:path';

/** What this extension remembers of the last sort of a folder, to say what its Undo did. */
export interface RememberedSort {
  folder: string;
  journal: string;
  mode: 'copy' | 'move';
  dest: string;
  sorted: number;
}

export function sortDoneMessage(s: RememberedSort, threshold: number): string {
  const review = threshold > 0 ? ` (scores under ${threshold} in _review)` : '';
  const verb = s.mode === 'move' ? 'Moved' : 'Copied';
  return `${verb} ${s.sorted} image(s) into class folders in ${s.dest}${review}.`;
}

/**
 * `remembered` is used only when it describes the journal that Undo replayed; without it
 * (a sort made by the CLI, say) the message says what was restored and where.
 */
export function undoDoneMessage(folder: string, journal: string, restored: number, remembered: RememberedSort | undefined): string {
  const s = remembered && remembered.journal === journal && remembered.folder === folder ? remembered : undefined;
  if (s?.mode === 'copy') {
    return `Undo removed the ${restored} copied image(s) and the class folders from ${s.dest}; the originals in ${folder} were never moved.`;
  }
  if (s?.mode === 'move') {
    return `Undo moved ${restored} image(s) out of the class folders back to where they were in ${folder}.`;
  }
  return `Undo reverted the last sort of ${path.basename(folder)}: ${restored} file(s) restored (see the log for each).`;
}
