/**
 * A seal on sort-journal headers: an HMAC with a key that lives in the user's own state
 * folder, never in the labeled folder. A journal in `<folder>/.rcnn-lens/sorts/` may come
 * from a cloned repository; its header can only be believed about choices a repository
 * cannot forge (a `--sort-dest` outside the folder, labels files elsewhere) when this
 * machine sealed it.
 *
 * Key: `$RCNN_LENS_STATE_HOME/journal.key`, else `$XDG_STATE_HOME/rcnn-lens/` or
 * `~/.local/state/rcnn-lens/` (`%LOCALAPPDATA%\rcnn-lens\` on Windows), created 0600.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export function userStateHome(): string {
  if (process.env.RCNN_LENS_STATE_HOME) return process.env.RCNN_LENS_STATE_HOME;
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'rcnn-lens');
  return path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'rcnn-lens');
}

async function readKey(file: string): Promise<Buffer | undefined> {
  const hex = (await readFile(file, 'utf8').catch(() => '')).trim();
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** The key, created on first use; undefined when the state folder cannot be written. */
async function sealKey(create: boolean): Promise<Buffer | undefined> {
  const file = path.join(userStateHome(), 'journal.key');
  const key = await readKey(file);
  if (key || !create) return key;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch {
    // Another process created it meanwhile (read it below), or the folder is read-only.
  }
  return readKey(file);
}

/** The header's fields in a fixed order, without the seal itself. */
function canonical(header: Record<string, unknown>): string {
  const { seal: _seal, ...rest } = header;
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
}

/** The seal for `header`, or undefined when no key can be kept on this machine. */
export async function sealHeader(header: Record<string, unknown>): Promise<string | undefined> {
  const key = await sealKey(true);
  return key && createHmac('sha256', key).update(canonical(header)).digest('hex');
}

/** Whether this machine sealed `header` exactly as it is. */
export async function isSealedHere(header: Record<string, unknown>): Promise<boolean> {
  if (typeof header.seal !== 'string' || !/^[0-9a-f]{64}$/.test(header.seal)) return false;
  const key = await sealKey(false);
  if (!key) return false;
  const expected = createHmac('sha256', key).update(canonical(header)).digest();
  return timingSafeEqual(expected, Buffer.from(header.seal, 'hex'));
}
