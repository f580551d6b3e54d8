/**
 * A file's size and modification time as one string: what "this file has not changed" means
 * for the caches that would otherwise read a whole file again (models, labels files).
 * Rejects like stat() when the file cannot be examined.
 */
import { stat } from 'node:fs/promises';

export async function fileStamp(file: string): Promise<string> {
  const st = await stat(file);
  return `${st.size}:${st.mtimeMs}`;
}
