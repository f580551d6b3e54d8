/**
 * Entry point of a labeling worker process (dist/labelWorker.js), in one of two roles:
 * - a full worker (the CPU path): decodes a batch (batchDecode.ts), runs it through its own
 *   model (batchInfer.ts, in slices of the message's `runBatch`) and returns the probabilities
 *   in one message; while a batch runs in the model, the decodes of the next go on;
 * - on the GPU path (docs/gpu-labeling.md) either the one worker that holds the session and
 *   answers `infer` requests with tensors decoded elsewhere, or a decode-only worker
 *   (InitMessage.decodeSpec) that answers batches with tensors and never loads onnxruntime.
 * A native crash here takes down only this process; the parent retries the batch's files
 * one by one in a fresh worker, so at most the guilty file is lost.
 * In content mode (InitMessage.contentHash) the result also carries each file's SHA-256.
 */
import { rename, unlink } from 'node:fs/promises';
import { configureSharpOnLoad, loadSharp } from '../core/image/sharpLoader';
import { defaultBatchSize } from '../core/runtime/defaultBatchSize';
import type { LoadedModel } from '../core/runtime/modelSession';
import { ModelLoadError } from '../core/runtime/modelLoadError';
import { toWireError } from '../shared/messaging';
import type {
  BatchMessage,
  BatchResultMessage,
  DecodeSpec,
  FromWorker,
  InferMessage,
  InitMessage,
  ThumbMessage,
  ToWorker,
} from '../core/batch/workerProtocol';
import { decodeBatch, decodeSlots } from './batchDecode';
import { inferRows } from './batchInfer';
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

function decodeSpec(): DecodeSpec {
  return init!.decodeSpec ?? model!.info;
}

/** Decodes a batch; a full worker then runs the model on it, a decode-only worker answers with the tensor. */
async function handleBatch(msg: BatchMessage): Promise<void> {
  const decoded = await decodeBatch(msg.paths, { spec: decodeSpec(), maxPixels: init!.maxPixels, contentHash: init!.contentHash, hooks });
  const { tensor, errors, decodeMs } = decoded;
  let result: BatchResultMessage;
  if (init!.decodeSpec) {
    result = { probs: new Float32Array(0), tensor, errors, decodeMs, runMs: 0, cpuMs: cpuMsSoFar() };
  } else {
    const m = model!;
    const plane = tensor.length / Math.max(1, msg.paths.length);
    // Compact the decoded rows so the model never runs on failed slots.
    const ok: number[] = [];
    errors.forEach((e, i) => e || ok.push(i));
    let input = tensor;
    if (ok.length !== msg.paths.length) {
      input = new Float32Array(ok.length * plane);
      ok.forEach((src, dst) => input.set(tensor.subarray(src * plane, (src + 1) * plane), dst * plane));
    }
    const K = m.info.labels.length;
    const probs = new Float32Array(msg.paths.length * K);
    let runMs = 0;
    if (ok.length) {
      const out = await inferRows(m, input, ok.map((i) => msg.paths[i]), msg.runBatch, hooks);
      ok.forEach((dst, row) => {
        if (out.errors[row]) errors[dst] = out.errors[row];
        else probs.set(out.probs.subarray(row * K, (row + 1) * K), dst * K);
      });
      runMs = out.runMs;
    }
    result = { probs, errors, decodeMs, runMs, cpuMs: cpuMsSoFar() };
  }
  if (decoded.sha256) result.sha256 = decoded.sha256;
  send({ type: 'reply', requestId: msg.requestId, ok: true, value: result });
}

/** Rows a decode-only worker decoded, through the model (the GPU path). */
async function handleInfer(msg: InferMessage): Promise<void> {
  const out = await inferRows(model!, msg.tensor, msg.paths, msg.runBatch, hooks);
  send({ type: 'reply', requestId: msg.requestId, ok: true, value: { ...out, cpuMs: cpuMsSoFar() } });
}

/** A review thumbnail (JPEG, fits size×size, EXIF-rotated), written atomically. */
async function handleThumb(msg: ThumbMessage): Promise<void> {
  await decodeSlots.acquire();
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
    decodeSlots.release();
  }
}

/** Loads the model (or, for a decode-only worker, nothing) and says it is ready. */
function handleInit(msg: InitMessage): void {
  init = msg;
  decodeSlots.resize(msg.decodeConcurrency);
  if (hooks.load(msg.slot) === 'hang') return;
  if (msg.decodeSpec) {
    // A decoder never loads onnxruntime (variantLoad is imported lazily below): no session, no arena.
    send({ type: 'ready', model: { name: 'decoder', hash: '', labels: [], provider: 'none', loadMs: 0 }, cpuMs: cpuMsSoFar() });
    return;
  }
  const load =
    hooks.load(msg.slot) === 'fail'
      ? Promise.reject(new ModelLoadError(`test hook: worker ${msg.slot} cannot load the model`))
      : import('../core/runtime/variantLoad').then(({ loadLabelModel }) =>
          loadLabelModel(msg.modelPath, {
            provider: msg.provider,
            intraOpThreads: msg.intraOpThreads,
            cpuVariantPath: msg.cpuVariantPath,
            measureBatch: (p) => (msg.batchSize && msg.batchSize > 0 ? msg.batchSize : defaultBatchSize(p)),
          }),
        );
  load.then(
    (loaded) => {
      model = loaded;
      const d = loaded.descriptor;
      const { channels, height, width } = d.info.input;
      send({
        type: 'ready',
        model: { name: d.info.name, hash: d.hash, labels: d.info.labels, provider: d.provider, loadMs: d.loadMs, inputValues: channels * height * width, precision: d.info.precision },
        cpuMs: cpuMsSoFar(),
        decodeSpec: { input: d.info.input, preprocess: d.info.preprocess },
      });
    },
    (err: unknown) => send({ type: 'initError', error: toWireError(err, 'model_load') }),
  );
}

function noModel(requestId: number): void {
  send({ type: 'reply', requestId, ok: false, error: { code: 'model_load', message: 'no model is loaded in the labeling worker' } });
}

process.on('message', (msg: ToWorker) => {
  const fail = (requestId: number) => (err: unknown) => send({ type: 'reply', requestId, ok: false, error: toWireError(err) });
  if (msg.type === 'init') handleInit(msg);
  else if (msg.type === 'thumb') void handleThumb(msg);
  else if (msg.type === 'batch') {
    if (!model && !init?.decodeSpec) return noModel(msg.requestId);
    handleBatch(msg).catch(fail(msg.requestId));
  } else if (msg.type === 'infer') {
    if (!model) return noModel(msg.requestId);
    handleInfer(msg).catch(fail(msg.requestId));
  }
});

// The parent going away ends the worker too.
process.on('disconnect', () => process.exit(0));
