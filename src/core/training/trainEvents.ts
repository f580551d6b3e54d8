/**
 * The JSON lines training/rcnn_lens_train/folder_train.py prints on stdout, checked
 * field by field: the child is ours, but its output still crosses a process boundary.
 */
export interface TrainStart {
  event: 'start';
  epochs?: number;
  classes?: string[];
  train?: number;
  val?: number;
  [key: string]: unknown;
}

export interface TrainEpoch {
  event: 'epoch';
  epoch: number;
  epochs: number;
  loss: number;
  val_acc: number;
  eta_s?: number;
}

export interface TrainStep {
  event: 'step';
  [key: string]: unknown;
}

export interface TrainDone {
  event: 'done';
  model: string;
  val_acc: number;
  labels: string[];
  /** confusion[true][predicted], in the order of `labels`. */
  confusion: number[][];
  card: Record<string, unknown>;
}

export interface TrainFailed {
  event: 'error';
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export interface TrainCancelled {
  event: 'cancelled';
  checkpoint?: string;
}

export type TrainEvent = TrainStart | TrainEpoch | TrainStep | TrainDone | TrainFailed | TrainCancelled;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every(isNum));
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The event of one stdout line, or undefined for a line that is not one (logged, not fatal). */
export function parseTrainEvent(line: string): TrainEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const kind = v.event ?? v.type;
  switch (kind) {
    case 'start':
      return { ...v, event: 'start' };
    case 'step':
      return { ...v, event: 'step' };
    case 'epoch':
      if (!isNum(v.epoch) || !isNum(v.epochs) || !isNum(v.loss) || !(isNum(v.val_acc) || v.val_acc === null)) return undefined;
      return { event: 'epoch', epoch: v.epoch, epochs: v.epochs, loss: v.loss, val_acc: isNum(v.val_acc) ? v.val_acc : NaN, eta_s: isNum(v.eta_s) ? v.eta_s : undefined };
    case 'done':
      if (typeof v.model !== 'string' || !isStrArray(v.labels)) return undefined;
      return {
        event: 'done',
        model: v.model,
        val_acc: isNum(v.val_acc) ? v.val_acc : NaN,
        labels: v.labels,
        confusion: isMatrix(v.confusion) ? v.confusion : [],
        card: isObj(v.card) ? v.card : {},
      };
    case 'error':
      return {
        event: 'error',
        code: typeof v.code === 'string' ? v.code : 'python_failed',
        message: typeof v.message === 'string' ? v.message : 'training failed',
        details: isObj(v.details) ? v.details : {},
      };
    case 'cancelled':
      return { event: 'cancelled', checkpoint: typeof v.checkpoint === 'string' ? v.checkpoint : undefined };
    default:
      return undefined;
  }
}
