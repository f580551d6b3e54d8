/**
 * Entry point of the worker process (dist/worker.js). Owns one loaded model and decodes
 * images; answers requests from the parent over the IPC channel.
 */
import { classifyFile } from '../core/classify';
import { explainFile } from '../core/explain/explainFile';
import { renderPreview } from '../core/image/preview';
import { configureSharpOnLoad } from '../core/image/sharpLoader';
import { LoadedModel } from '../core/runtime/modelSession';
import { ModelHolder } from '../core/worker/modelHolder';
import { toWireError } from '../shared/messaging';
import {
  type ClassifyReply,
  type ExplainReply,
  type WorkerRequest,
  type WorkerResponses,
  type WorkerToHost,
} from '../core/worker/workerProtocol';

// No libvips operation cache: with it sharp keeps up to 20 input files open after decoding
// them, so a classified or previewed image stays open (locked, on Windows) while the worker lives.
configureSharpOnLoad((sharp) => {
  sharp.cache(false);
});

const holder = new ModelHolder<LoadedModel>();

/** Cancel flags of the explanations in progress, by job. */
const explainJobs = new Map<number, { aborted: boolean }>();

async function handle(request: WorkerRequest): Promise<WorkerResponses[WorkerRequest['type']]> {
  switch (request.type) {
    case 'ping':
      return { pid: process.pid };
    case 'load':
      return holder.load(() =>
        LoadedModel.load(request.modelPath, { provider: request.provider, intraOpThreads: request.intraOpThreads }),
      );
    case 'preview':
      return renderPreview(request.path, request.maxSide, request.maxPixels);
    case 'classify':
      return holder.use(request.model, async (model): Promise<ClassifyReply> => {
        const detail = await classifyFile(model, request.path, { topK: request.topK, full: request.full, maxPixels: request.maxPixels });
        return { ...detail, model: { path: model.descriptor.path, hash: model.descriptor.hash } };
      });
    case 'explain': {
      const signal = { aborted: false };
      explainJobs.set(request.job, signal);
      try {
        return await holder.use(request.model, async (model): Promise<ExplainReply> => {
          const { path, methods, window, classLabel, maxPixels } = request;
          const onProgress = (done: number, total: number) => send({ type: 'progress', requestId: request.requestId, done, total });
          const image = await explainFile(model, path, { methods, window, classLabel, maxPixels, signal, onProgress });
          return { ...image, model: { path: model.descriptor.path, hash: model.descriptor.hash } };
        });
      } finally {
        explainJobs.delete(request.job);
      }
    }
    case 'cancelExplain': {
      const signal = explainJobs.get(request.job);
      if (signal) signal.aborted = true;
      return { cancelled: signal !== undefined };
    }
  }
}

function send(message: WorkerToHost): void {
  process.send?.(message);
}

process.on('message', (request: WorkerRequest) => {
  const { requestId } = request;
  handle(request).then(
    (value) => send({ type: 'reply', requestId, ok: true, value }),
    (err: unknown) => send({ type: 'reply', requestId, ok: false, error: toWireError(err) }),
  );
});

// The parent going away must end the worker too, or it would linger holding the model.
process.on('disconnect', () => process.exit(0));
