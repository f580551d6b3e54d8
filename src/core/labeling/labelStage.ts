/**
 * The labeling stage of a run: the files of `todo` go to the workers, and each message's records
 * are appended to the journal as it completes (several messages in flight, so decoding and
 * inference overlap).
 */
import { entryPath } from '../folder/scan';
import type { ScanList } from '../folder/scanList';
import type { LabelPool } from '../batch/labelPool';
import { type LabelCounts, countRecord } from '../labelsFile/counts';
import { toJsonLine } from '../labelsFile/records';
import { type RecordContext, recordOf } from './batchRecords';
import { RateMeter, dispatchAll, messageSize } from './dispatch';
import type { JournalWriter, RecordStore } from './journal';
import type { LabelProgress, LabelTiming } from './types';

export interface LabelStageInput {
  folder: string;
  entries: ScanList;
  todo: readonly number[];
  pool: LabelPool;
  journal: JournalWriter;
  store: RecordStore;
  record: RecordContext;
  batchSize: number;
  /** Values in one decoded model input (C × H × W), for message sizing; 0 when unknown. */
  inputValues: number;
  /** Counts of the new records are added here. */
  counts: LabelCounts;
  progress: LabelProgress;
  timing: LabelTiming;
  emit: () => void;
  signal?: AbortSignal;
}

/** Labels every entry of `todo`; returns how many of the new records are errors. */
export async function labelTodo(s: LabelStageInput): Promise<number> {
  let errors = 0;
  const meter = new RateMeter();
  const handle = async (batchIdx: number[]) => {
    const batch = batchIdx.map((ei) => s.entries.get(ei));
    const out = await s.pool.process(batch.map((e) => entryPath(s.folder, e)), s.batchSize);
    s.timing.decodeMs += out.decodeMs;
    s.timing.runMs += out.runMs;
    let lines = '';
    batch.forEach((e, i) => {
      const rec = recordOf(e, out, i, s.record);
      if (rec.error) {
        s.progress.errors++;
        errors++;
      }
      countRecord(s.counts, rec);
      const line = toJsonLine(rec) + '\n';
      s.store.length[batchIdx[i]] = Buffer.byteLength(line);
      lines += line;
    });
    // Byte offsets: lines are laid out in order from the current end of the journal.
    await s.journal.append(lines, (start) => {
      let pos = start;
      for (const ei of batchIdx) {
        s.store.offset[ei] = pos;
        pos += s.store.length[ei];
      }
      return pos;
    });
    s.progress.done += batch.length;
    Object.assign(s.progress, meter.update(s.progress.done, s.progress.total));
    s.emit();
  };
  // CPU: two messages per worker (one decoding while the other runs the model); GPU: two batches.
  const maxInFlight = s.pool.messagesInFlight;
  const sizeAt = (i: number) =>
    messageSize(s.batchSize, s.todo.length - i, maxInFlight, (k) => s.entries.size(s.todo[i + k]), 4 * s.inputValues);
  await dispatchAll({ todo: s.todo, maxInFlight, sizeAt, handle, signal: s.signal });
  return errors;
}
