/**
 * The check a trained model must pass before anything offers to use it: loaded with
 * onnxruntime on the CPU, validated against the contract (model/contract.ts) and warmed
 * up, exactly as the extension loads a model. Native: run it in the CLI process or in a
 * forked process (src/worker/validateModel.ts), never in the extension host.
 */
import { ModelContractError } from '../model/contract';
import { LoadedModel } from '../runtime/modelSession';
import { TrainingError } from './errors';

export interface ValidatedModel {
  path: string;
  hash: string;
  name: string;
  labels: string[];
  timesteps: number;
  card: Record<string, unknown>;
}

export async function validateTrainedModel(file: string): Promise<ValidatedModel> {
  let model: LoadedModel;
  try {
    model = await LoadedModel.load(file, { provider: 'cpu', intraOpThreads: 1 });
  } catch (err) {
    const problems = err instanceof ModelContractError ? err.problems : undefined;
    throw new TrainingError('invalid_model', `the trained model does not pass the RCNN Lens contract check: ${(err as Error).message}`, { model: file, problems });
  }
  try {
    const { info, hash } = model.descriptor;
    return { path: file, hash, name: info.name, labels: info.labels, timesteps: info.timesteps, card: info.card };
  } finally {
    await model.release();
  }
}
