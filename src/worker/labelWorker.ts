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
import { ModelLoadError } from '../core/runtime/modelLoadError';
import { toWireError } from '../shared/messaging';
import {
  type BatchMessage,
  type BatchResultMessage,
  type FromWorker,
  type InitMessage,
  type ItemError,
  type ThumbMessage,
  type ToWorker,
} from '../core/batch/workerProtocol';
import { labelWorkerHooks } from './testHooks';

let model: LoadedModel | undefined;
let init: InitMessage | undefined;
const hooks = labelWorkerHooks(process.env);

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
      if (hooks.crashes(p)) process.kill(process.pid, 'SIGKILL');
      await decodeInto(p, m.info, init!.maxPixels, tensor, i * plane, contents);
    } finally {
      releaseSlot();
    }
  }, hashRead);
  decodeErrors.forEach((err, i) => {
    if (err) errors[i] = { code: err.code, message: describe(err) };
  });
  if (msg.paths.some(hooks.crashes)) process.kill(process.pid, 'SIGKILL');
  if (msg.paths.some(hooks.hangs)) await new Promise(() => undefined);
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
          if (hooks.poisons(msg.paths[dst])) out.logits.fill(NaN, row * K, (row + 1) * K);
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
  const result: BatchResultMessage = { probs, errors, decodeMs, runMs, cpuMs: cpuMsSoFar() };
  if (sha256) result.sha256 = sha256;
  send({ type: 'reply', requestId: msg.requestId, ok: true, value: result });
}

/** A review thumbnail (JPEG, fits size×size, EXIF-rotated), written atomically. */
async function handleThumb(msg: ThumbMessage): Promise<void> {
  await acquire();
  const tmp = `${msg.out}.${process.pid}.${msg.requestId}.tmp`;
  try {
    const sharp = await loadSharp();
    await sharp(msg.src, { limitInputPixels: init?.maxPixels ?? 100_000_000, failOn: 'none', pages: 1 })
      .rotate()
      .resize(msg.size, msg.size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#808080' })
      .jpeg({ quality: 75 })
      .toFile(tmp);
    await rename(tmp, msg.out);
    send({ type: 'reply', requestId: msg.requestId, ok: true, value: null });
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    send({ type: 'reply', requestId: msg.requestId, ok: false, error: toWireError(err, 'image') });
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
    if (hooks.load(msg.slot) === 'hang') return;
    const load =
      hooks.load(msg.slot) === 'fail'
        ? Promise.reject(new ModelLoadError(`test hook: worker ${msg.slot} cannot load the model`))
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
      (err: unknown) => send({ type: 'initError', error: toWireError(err, 'model_load') }),
    );
  } else if (msg.type === 'thumb') {
    void handleThumb(msg);
  } else if (msg.type === 'batch') {
    if (!model) {
      send({ type: 'reply', requestId: msg.requestId, ok: false, error: { code: 'model_load', message: 'no model is loaded in the labeling worker' } });
      return;
    }
    handleBatch(msg).catch((err: unknown) => send({ type: 'reply', requestId: msg.requestId, ok: false, error: toWireError(err) }));
  }
});

// The parent going away ends the worker too.
process.on('disconnect', () => process.exit(0));
