/**
 * onnxruntime spends most of a CPU session's creation rewriting the graph (fusions, quantized
 * kernels, the CPU's vector layout): for the bundled int8 variant, whose RNN is unrolled into ~2,600
 * nodes, that is ~360 of ~370 ms on one core, in every labeling worker of every run. A session
 * made from the graph it saved takes ~230 ms and runs no slower (docs/benchmarks.md, "Session start").
 *
 * The saved graph belongs to this onnxruntime version and this CPU (level `all` lays tensors out
 * for the CPU's vector width), so it is kept per machine, keyed by the model's hash and size, the
 * onnxruntime version and the CPU, in the user's cache folder: never beside the model, never in a
 * workspace. Only the CPU provider uses it. A cached file that fails to load is deleted and the model
 * is opened from its own file; one that grew beyond a bound (a model whose constants fold into
 * something huge) is never kept, nor tried again (a `.skip` marker), like a model whose save failed.
 * RCNN_LENS_SESSION_CACHE=0 turns the cache off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from './providerChoiceCache';

/** Models above this size are opened from their own file: the rewrite is a small share of their start. */
const MAX_MODEL_BYTES = 256 * 1024 * 1024;
/** Kept files; the least recently used go first. */
const MAX_FILES = 16;

export interface OptimizedModelSlot {
  /** The saved graph to open, when this machine has one for the model. */
  cached?: string;
  /** Where onnxruntime writes the graph it optimises (a temporary name in the cache folder). */
  saveTo: string;
  /** After a session from the model's own file was created: keeps what onnxruntime saved (true when kept). */
  keep(): boolean;
  /**
   * Creating the session while saving its graph failed: removes whatever onnxruntime left at saveTo and
   * marks the model, so later loads do not pay for a failing save again (a model with gigabytes of
   * external weights, say).
   */
  discard(): void;
  /** The cached graph did not load: delete it, so the next start saves a fresh one. */
  forget(): void;
}

const machineKeys = new Map<string, string>();

/** This machine's part of the key: onnxruntime's version, the architecture and the CPU's model and features (read once per process). */
export function machineKey(ortVersion: string): string {
  let key = machineKeys.get(ortVersion);
  if (key === undefined) machineKeys.set(ortVersion, (key = computeMachineKey(ortVersion)));
  return key;
}

function computeMachineKey(ortVersion: string): string {
  let flags = '';
  if (process.platform === 'linux') {
    try {
      const text = readFileSync('/proc/cpuinfo', 'latin1').slice(0, 200_000);
      flags = /^flags\s*:(.*)$/m.exec(text)?.[1]?.trim() ?? '';
    } catch {
      // no /proc: the CPU model name alone
    }
  }
  const cpu = os.cpus()[0]?.model ?? '';
  return createHash('sha256').update(`ort ${ortVersion}|${process.arch}|${cpu}|${flags}`).digest('hex').slice(0, 16);
}

export function optimizedModelSlot(
  model: { hash: string; bytes: number },
  ortVersion: string,
  env: NodeJS.ProcessEnv = process.env,
): OptimizedModelSlot | undefined {
  if (env.RCNN_LENS_SESSION_CACHE === '0' || model.bytes > MAX_MODEL_BYTES || !/^[0-9a-f]{16}$/.test(model.hash)) return undefined;
  const dir = join(defaultCacheDir(env), 'sessions');
  const file = join(dir, `${model.hash}-${model.bytes}-${machineKey(ortVersion)}.onnx`);
  const saveTo = `${file}.${process.pid}.${Date.now()}.tmp`;
  // A model whose graph could not be saved, or came out too large to keep, is not tried again.
  if (existsSync(skipMarker(file))) return undefined;
  const cached = existsSync(file) ? file : undefined;
  try {
    if (cached) {
      const now = new Date();
      utimesSync(file, now, now); // least recently used goes first
    } else mkdirSync(dir, { recursive: true });
  } catch {
    if (!cached) return undefined; // a read-only home: open from the model's file every time
  }
  return {
    cached,
    saveTo,
    keep() {
      try {
        const saved = statSync(saveTo).size;
        if (saved > Math.max(4 * model.bytes, model.bytes + 64 * 1024 * 1024)) {
          rmSync(saveTo, { force: true });
          markSkip(file);
          return false;
        }
        renameSync(saveTo, file);
      } catch {
        rmSync(saveTo, { force: true });
        return false;
      }
      try {
        prune(dir);
      } catch {
        // pruning is best effort
      }
      return true;
    },
    discard() {
      rmSync(saveTo, { force: true });
      markSkip(file);
    },
    forget() {
      rmSync(file, { force: true });
    },
  };
}

function skipMarker(file: string): string {
  return `${file}.skip`;
}

function markSkip(file: string): void {
  try {
    writeFileSync(skipMarker(file), '');
  } catch {
    // best effort: the next load tries to save again
  }
}

/** Keeps the MAX_FILES most recently used graphs, and drops temporary files a killed process left. */
function prune(dir: string): void {
  const hourAgo = Date.now() - 3_600_000;
  const files = readdirSync(dir)
    .map((name) => {
      try {
        return { name, mtime: statSync(join(dir, name)).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((f): f is { name: string; mtime: number } => !!f);
  for (const f of files) if (f.name.endsWith('.tmp') && f.mtime < hourAgo) rmSync(join(dir, f.name), { force: true });
  const graphs = files.filter((f) => f.name.endsWith('.onnx')).sort((a, b) => b.mtime - a.mtime);
  for (const f of graphs.slice(MAX_FILES)) rmSync(join(dir, f.name), { force: true });
}
