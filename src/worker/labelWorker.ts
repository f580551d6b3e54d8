/**
 * Entry point of a labeling worker process (dist/labelWorker.js). Decodes a batch of
 * images concurrently with sharp (several in flight on libuv's thread pool), runs the
 * batch through the model (in slices of the message's `runBatch`), and returns the
 * probabilities in one message. While a batch runs in the model, the decodes of the next
 * batch go on in the background.
 * A native crash here takes down only this process; the parent retries the batch's files
 * one by one in a fresh worker, so at most the guilty file is lost.
 * In content mode (InitMessage.contentHash) the result also carries each file's SHA-256.
 */
import { rename, unlink } from 'node:fs/promises';
import { sha256Hex } from '../core/batch/contentHash';
import { decodeBatchInto, decodeInto } from '../core/batch/decode';
import { ImageError } from '../core/image/imageErrors';
import { assertFiniteLogits, softmax } from '../core/math/softmax';
import { configureSharpOnLoad, loadSharp } from '../core/image/sharpLoader';
import { defaultBatchSize } from '../core/runtime/defaultBatchSize';
import type { LoadedModel } from '../core/runtime/modelSession';
import { loadLabelModel } from '../core/runtime/variantLoad';
import {
  type BatchMessage,
  type BatchResultMessage,
  CRASH_HOOK_ENV,
  HANG_HOOK_ENV,
  LOAD_HOOK_ENV,
  NAN_HOOK_ENV,
  type FromWorker,
  type InitMessage,
  type ItemError,
  type ThumbMessage,
  type ToWorker,
} from '../core/batch/workerProtocol';

let model: LoadedModel | undefined;
let init: InitMessage | undefined;
const crashOn = process.env[CRASH_HOOK_ENV];
const hangOn = process.env[HANG_HOOK_ENV];
const loadHook = process.env[LOAD_HOOK_ENV];
const nanOn = process.env[NAN_HOOK_ENV];

// One libvips thread per image: parallelism comes from several images in flight. (sharp loads on the
// first file that needs it: tiny JPEGs never do, see sharpLoader.ts.)
configureSharpOnLoad((sharp) => {
  sharp.concurrency(1);
  sharp.cache(false);
});

/** This process's CPU time so far (user + system, every thread), for the run's accounting. */
function cpuMsSoFar(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function send(msg: FromWorker): void {
  process.send?.(msg);
}

/** A counting semaphore shared by all batches, so decodes overlap across batch boundaries. */
let slots = 4;
const waiters: Array<() => void> = [];
async function acquire(): Promise<void> {
  if (slots > 0) {
    slots--;
    return;
  }
  await new Promise<void>((r) => waiters.push(r));
}
function releaseSlot(): void {
  const w = waiters.shift();
  if (w) w();
  else slots++;
}

/** Inference runs one batch at a time (it blocks this thread; decodes continue meanwhile). */
let inferenceChain: Promise<unknown> = Promise.resolve();

async function handleBatch(msg: BatchMessage): Promise<void> {
  const m = model!;
  const { channels, height, width } = m.info.input;
  const plane = channels * height * width;
  const n = msg.paths.length;
  const K = m.info.labels.length;
  const tensor = new Float32Array(n * plane);
  const errors: Array<ItemError | null> = new Array(n).fill(null);
  const decodeStart = performance.now();
  // Content mode: each file is hashed from the very bytes that were decoded (read once).
  const sha256 = init!.contentHash ? new Array<string | null>(n).fill(null) : undefined;
  const hashRead = sha256 ? (i: number, contents: Buffer) => (sha256[i] = sha256Hex(contents)) : undefined;
  const decodeErrors = await decodeBatchInto(msg.paths, m.info, init!.maxPixels, tensor, async (i, contents) => {
    await acquire();
    try {
      const p = msg.paths[i];
      if (crashOn && p.includes(crashOn)) process.kill(process.pid, 'SIGKILL');
      await decodeInto(p, m.info, init!.maxPixels, tensor, i * plane, contents);
    } finally {
      releaseSlot();
    }
  }, hashRead);
  decodeErrors.forEach((err, i) => {
    if (err) errors[i] = { code: err.code, message: describe(err) };
  });
  if (crashOn && msg.paths.some((p) => p.includes(crashOn))) process.kill(process.pid, 'SIGKILL');
  if (hangOn && msg.paths.some((p) => p.includes(hangOn))) await new Promise(() => undefined);
  const decodeMs = performance.now() - decodeStart;
  // Compact the decoded rows so the model never runs on failed slots.
  const ok: number[] = [];
  for (let i = 0; i < n; i++) if (!errors[i]) ok.push(i);
  let input = tensor;
  if (ok.length !== n) {
    input = new Float32Array(ok.length * plane);
    ok.forEach((src, dst) => input.set(tensor.subarray(src * plane, (src + 1) * plane), dst * plane));
  }
  const probs = new Float32Array(n * K);
  let runMs = 0;
  if (ok.length) {
    const run = inferenceChain.then(async () => {
      const t = performance.now();
      // In slices of runBatch rows: the model's cost per image grows with the batch beyond its best size.
      const step = msg.runBatch && msg.runBatch > 0 ? msg.runBatch : ok.length;
      for (let start = 0; start < ok.length; start += step) {
        const rows = Math.min(step, ok.length - start);
        const out = await m.run(input.subarray(start * plane, (start + rows) * plane), rows, false);
        for (let row = 0; row < rows; row++) {
          const dst = ok[start + row];
          if (nanOn && msg.paths[dst].includes(nanOn)) out.logits.fill(NaN, row * K, (row + 1) * K);
          try {
            // NaN or ±Infinity would make every probability NaN: an error row, not a label with no score.
            assertFiniteLogits(out.logits, m.info.labels, row * K, K);
          } catch (err) {
            errors[dst] = { code: 'model_error', message: (err as Error).message };
            continue;
          }
          probs.set(softmax(out.logits, row * K, K), dst * K);
        }
      }
      runMs = performance.now() - t;
    });
    inferenceChain = run.catch(() => undefined);
    await run;
  }
  const reply: BatchResultMessage = { type: 'result', id: msg.id, probs, errors, decodeMs, runMs, cpuMs: cpuMsSoFar() };
  if (sha256) reply.sha256 = sha256;
  send(reply);
}

/** A review thumbnail (JPEG, fits size×size, EXIF-rotated), written atomically. */
async function handleThumb(msg: ThumbMessage): Promise<void> {
  await acquire();
  const tmp = `${msg.out}.${process.pid}.${msg.id}.tmp`;
  try {
    const sharp = await loadSharp();
    await sharp(msg.src, { limitInputPixels: init?.maxPixels ?? 100_000_000, failOn: 'none', pages: 1 })
      .rotate()
      .resize(msg.size, msg.size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#808080' })
      .jpeg({ quality: 75 })
      .toFile(tmp);
    await rename(tmp, msg.out);
    send({ type: 'thumbResult', id: msg.id });
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    send({ type: 'thumbResult', id: msg.id, error: (err as Error).message });
  } finally {
    releaseSlot();
  }
}

function describe(err: ImageError): string {
  // The path is already in the record; keep the reason.
  return err.message.startsWith(err.filePath + ': ') ? err.message.slice(err.filePath.length + 2) : err.message;
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    init = msg;
    slots = Math.max(1, msg.decodeConcurrency);
    if (loadHook === `${msg.slot}:hang`) return;
    const load =
      loadHook === `${msg.slot}:fail`
        ? Promise.reject(Object.assign(new Error(`test hook: worker ${msg.slot} cannot load the model`), { name: 'ModelLoadError' }))
        : loadLabelModel(msg.modelPath, {
            provider: msg.provider,
            intraOpThreads: msg.intraOpThreads,
            cpuVariantPath: msg.cpuVariantPath,
            measureBatch: (p) => (msg.batchSize && msg.batchSize > 0 ? msg.batchSize : defaultBatchSize(p)),
          });
    load.then(
      (loaded) => {
        model = loaded;
        const d = loaded.descriptor;
        const { channels, height, width } = d.info.input;
        send({
          type: 'ready',
          model: { name: d.info.name, hash: d.hash, labels: d.info.labels, provider: d.provider, loadMs: d.loadMs, inputValues: channels * height * width, precision: d.info.precision },
          cpuMs: cpuMsSoFar(),
        });
      },
      (err: Error) => send({ type: 'initError', name: err.name, message: err.message }),
    );
  } else if (msg.type === 'thumb') {
    void handleThumb(msg);
  } else if (msg.type === 'batch') {
    if (!model) {
      send({ type: 'batchFailed', id: msg.id, message: 'no model is loaded in the labeling worker' });
      return;
    }
    handleBatch(msg).catch((err: Error) => send({ type: 'batchFailed', id: msg.id, message: err.message }));
  }
});

// The parent going away ends the worker too.
process.on('disconnect', () => process.exit(0));
