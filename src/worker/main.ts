/**
 * Entry point of the worker process (dist/worker.js). Owns one loaded model and decodes
 * images; answers requests from the parent over the IPC channel.
 */
import { classifyFile } from '../core/classify';
import { renderPreview } from '../core/image/preview';
import { LoadedModel } from '../core/runtime/modelSession';
import {
  type WorkerEnvelope,
  type WorkerReply,
  type WorkerRequest,
  serializeError,
} from '../core/worker/workerProtocol';

let model: LoadedModel | undefined;

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.kind) {
    case 'ping':
      return { pid: process.pid };
    case 'load': {
      const next = await LoadedModel.load(request.modelPath, {
        provider: request.provider,
        intraOpThreads: request.intraOpThreads,
      });
      const previous = model;
      model = next;
      await previous?.release();
      return next.descriptor;
    }
    case 'preview':
      return renderPreview(request.path, request.maxSide, request.maxPixels);
    case 'classify':
      if (!model) throw new Error('no model is loaded in the worker');
      return classifyFile(model, request.path, { topK: request.topK, full: request.full, maxPixels: request.maxPixels });
  }
}

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

process.on('message', (msg: WorkerEnvelope) => {
  handle(msg.request).then(
    (value) => send({ id: msg.id, ok: true, value }),
    (err: unknown) => send({ id: msg.id, ok: false, error: serializeError(err) }),
  );
});

// The parent going away must end the worker too, or it would linger holding the model.
process.on('disconnect', () => process.exit(0));
