/**
 * Which explanation views a model can give, and in plain words why not. Browser-safe
 * (the panel uses it to say why an option is missing).
 */
import type { ModelInfo } from '../model/contract';
import type { ExplainMethod } from './methods';

export const ABLATION_UNAVAILABLE =
  'the model has no step_mask input (model contract v2); re-export it with python3 -m training.export to get timestep ablation';

export function methodUnavailable(info: Pick<ModelInfo, 'outputs' | 'stepMask'>, method: ExplainMethod): string | undefined {
  switch (method) {
    case 'ablation':
      return info.stepMask ? undefined : ABLATION_UNAVAILABLE;
    case 'attention':
      return info.outputs.attention ? undefined : 'the model has no attention output (its head is not attention)';
    case 'norm':
      return info.outputs.hidden ? undefined : 'the model has no hidden output';
    default:
      return undefined;
  }
}
