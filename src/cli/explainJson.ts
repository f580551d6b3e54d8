/**
 * The JSON that `rcnn-lens explain --json` prints (README, "Reading the explanations").
 * Scripts rely on this shape: keys may be added, none renamed.
 */
import type { ExplainMethod, MethodResult } from '../core/explain/explain';
import type { ExplainedImage } from '../core/explain/explainFile';

export interface MethodJson {
  scores: number[];
  cells: Array<[number, number]>;
  deletion_auc: number;
  /** Added keys: the deletion order (timesteps), its curve (k = 0…L), the view's cost. */
  order: number[];
  deletion_curve: number[];
  logit_drops?: number[];
  runs: number;
  ms: number;
}

export interface ImageJson {
  path: string;
  class: string;
  probability: number;
  grid: [number, number];
  methods: Partial<Record<ExplainMethod, MethodJson>> & { random: { deletion_auc: number; order: number[]; deletion_curve: number[] } };
  /** Views asked for that this model cannot give, with the reason. */
  missing?: Partial<Record<ExplainMethod, string>>;
  ms: number;
}

const list = (values: ArrayLike<number>): number[] => Array.from(values, (v) => Number(v.toPrecision(6)));

function methodJson(r: MethodResult, cells: Array<[number, number]>): MethodJson {
  return {
    scores: list(r.scores),
    cells,
    deletion_auc: Number(r.deletionAuc.toPrecision(6)),
    order: r.order,
    deletion_curve: list(r.curve),
    ...(r.logitDrops ? { logit_drops: list(r.logitDrops) } : {}),
    runs: r.runs,
    ms: Number(r.ms.toFixed(1)),
  };
}

export function imageJson(image: ExplainedImage): ImageJson {
  const { explanation: e } = image;
  const methods = {} as ImageJson['methods'];
  for (const [name, r] of Object.entries(e.methods) as Array<[ExplainMethod, MethodResult]>) methods[name] = methodJson(r, image.cells);
  methods.random = { deletion_auc: Number(e.random.deletionAuc.toPrecision(6)), order: e.random.order, deletion_curve: list(e.random.curve) };
  return {
    path: image.path,
    class: image.label,
    probability: Number(image.probability.toPrecision(6)),
    grid: image.grid,
    methods,
    ...(Object.keys(e.missing).length ? { missing: e.missing } : {}),
    ms: Number(image.ms.toFixed(1)),
  };
}
