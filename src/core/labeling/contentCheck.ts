/** Content mode: hashing the files whose mtime changed but whose size did not, to find the same bytes. */
import { forEachLimit, hashFileContent } from '../batch/contentHash';
import { entryPath } from '../folder/scan';
import type { ScanList } from '../folder/scanList';
import type { LabelRecord } from '../labelsFile/records';

/**
 * The entries of `toCheck` whose bytes hash to the SHA-256 on their previous record (streamed,
 * a few files at a time). `onHashed` is called after each file; `checkCancel` throws to stop.
 */
export async function sameContentEntries(
  folder: string,
  entries: ScanList,
  toCheck: ReadonlyMap<number, LabelRecord>,
  hooks: { onHashed: () => void; checkCancel: () => void; signal?: AbortSignal },
): Promise<Set<number>> {
  const same = new Set<number>();
  await forEachLimit([...toCheck.keys()], 4, async (ei) => {
    hooks.checkCancel();
    const e = entries.get(ei);
    const want = toCheck.get(ei)!.sha256;
    const got = await hashFileContent(entryPath(folder, e), { size: e.size, mtimeMs: e.mtimeMs }, hooks.signal);
    if (got !== undefined && got === want) same.add(ei);
    hooks.onHashed();
  });
  hooks.checkCancel();
  return same;
}
