/**
 * The optional `rcnn_lens.quantization` metadata of a model variant (docs/model-contract.md):
 * a JSON object whose `precision` is "int8". Everything else in it (scheme, calibration,
 * accuracies, parity) is information for people; the extension only needs the precision.
 */
export type ModelPrecision = 'fp32' | 'int8';

/** The precision a model declares, or a problem with the key (for the contract's problem list). */
export function readPrecision(raw: string | undefined): { precision: ModelPrecision; problem?: string } {
  if (raw === undefined) return { precision: 'fp32' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { precision: 'fp32', problem: 'is not valid JSON' };
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!isObject || (parsed as { precision?: unknown }).precision !== 'int8') {
    return { precision: 'fp32', problem: 'must be a JSON object with "precision": "int8"' };
  }
  return { precision: 'int8' };
}
