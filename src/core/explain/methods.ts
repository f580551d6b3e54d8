/** The explanation views by name, as the CLI's --method and the panel's Show options name them. */
export type ExplainMethod = 'occlusion' | 'ablation' | 'attention' | 'norm' | 'deep';
export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['occlusion', 'ablation', 'attention', 'norm', 'deep'];

export function isExplainMethod(v: unknown): v is ExplainMethod {
  return typeof v === 'string' && (EXPLAIN_METHODS as readonly string[]).includes(v);
}
