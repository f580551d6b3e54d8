import { classFolderName } from '../batch/classFolders';

/**
 * The label a folder layout gives an image: the name of the folder it sits in, when that is
 * the folder of one of the model's classes (classFolders.ts: the same mapping sort and undo
 * use, so an image sorted into "cat/" is given "cat"). Matching ignores case, as the class
 * folders of two labels never differ only in case; a label with no safe folder, or whose
 * folder it shares with another, gives nothing.
 */
export class GivenLabels {
  private readonly byFolder = new Map<string, string>();

  constructor(labels: readonly string[]) {
    const clashing = new Set<string>();
    for (const label of labels) {
      let folder: string;
      try {
        folder = classFolderName(label).toLowerCase();
      } catch {
        continue;
      }
      const other = this.byFolder.get(folder);
      if (other !== undefined && other !== label) clashing.add(folder);
      this.byFolder.set(folder, label);
    }
    for (const folder of clashing) this.byFolder.delete(folder);
  }

  /** The given label of the image at `rel` (a '/'-separated path inside the folder), or undefined. */
  of(rel: string): string | undefined {
    const parts = rel.split('/');
    if (parts.length < 2) return undefined;
    return this.byFolder.get(parts[parts.length - 2].toLowerCase());
  }
}
