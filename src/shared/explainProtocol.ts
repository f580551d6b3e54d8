/**
 * The explanations as the classify panel receives them (host → webview), and the checks
 * of the panel's explain request. Browser-safe: plain data plus Float32Array.
 */
import { type ExplainMethod, isExplainMethod } from '../core/explain/methods';

export interface ExplainMethodView {
  /** [L], scan order: the view's per-timestep value (see src/core/explain/explain.ts). */
  scores: Float32Array;
  /** [L + 1]: class probability after removing the view's top-k cells, k = 0…L. */
  curve: Float32Array;
  deletionAuc: number;
  runs: number;
  ms: number;
}

export interface ExplainResultView {
  imagePath: string;
  classIndex: number;
  label: string;
  probability: number;
  window: 1 | 2;
  methods: Partial<Record<ExplainMethod, ExplainMethodView>>;
  random: { curve: Float32Array; deletionAuc: number };
  /** Views asked for that the model cannot give, with the reason. */
  missing: Partial<Record<ExplainMethod, string>>;
}

/** What the panel may ask for: a non-empty set of known views, window 1 or 2. */
export function parseExplainAsk(methods: unknown, window: unknown): { methods: ExplainMethod[]; window: 1 | 2 } | undefined {
  if (!Array.isArray(methods) || methods.length === 0 || methods.length > 5 || !methods.every(isExplainMethod)) return undefined;
  if (window !== 1 && window !== 2) return undefined;
  return { methods: [...new Set(methods)], window };
}
