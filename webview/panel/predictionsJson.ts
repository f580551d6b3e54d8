/**
 * The JSON the "Copy JSON" button hands to the host. Kept apart from the DOM views so it
 * can be tested in Node. Built from plain fields only: the result's per-step arrays are
 * Float32Array, which JSON.stringify would write as {"0": …} objects, not number lists.
 */
import type { ClassifyResultView } from '../../src/shared/protocol';

/** What the clipboard gets: enough to identify the image and model, and the ranked classes. */
export function predictionsJson(result: ClassifyResultView): string {
  return JSON.stringify(
    {
      image: result.imagePath,
      model: result.model.name,
      predictions: result.top.map((p) => ({ label: p.label, index: p.index, probability: p.score })),
    },
    null,
    2,
  );
}
