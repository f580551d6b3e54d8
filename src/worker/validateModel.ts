/**
 * dist/validateModel.js: checks a freshly trained model against the contract in a
 * process of its own (the extension host never loads onnxruntime). Forked with the
 * model path as its argument; answers once over IPC with {ok, model} or {ok, error}.
 */
import { TrainingError } from '../core/training/errors';
import { validateTrainedModel } from '../core/training/validateModel';

async function main(): Promise<void> {
  const file = process.argv[2];
  try {
    const model = await validateTrainedModel(file);
    process.send?.({ ok: true, model });
  } catch (err) {
    const e = err instanceof TrainingError ? err.toJSON() : { code: 'invalid_model', message: (err as Error).message, details: {} };
    process.send?.({ ok: false, error: e });
  }
}

void main().finally(() => process.disconnect?.());
