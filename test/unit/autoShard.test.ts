import { describe, expect, it } from 'vitest';
import { AutoShardError, parseAutoSpec, resolveAutoShard } from '../../src/core/sharding/autoShard';

const slurm = (id: number, min: number, max: number, count?: number, step?: number) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  ...(count === undefined ? {} : { SLURM_ARRAY_TASK_COUNT: String(count) }),
  ...(step === undefined ? {} : { SLURM_ARRAY_TASK_STEP: String(step) }),
});

describe('--shard auto', () => {
  it('parses auto and auto/N only', () => {
    expect(parseAutoSpec('auto')).toEqual({});
    expect(parseAutoSpec('auto/8')).toEqual({ count: 8 });
    expect(parseAutoSpec('2/8')).toBeUndefined();
    expect(() => parseAutoSpec('auto/0')).toThrow(AutoShardError);
  });

  it('reads a Slurm array from 0, from 1 and with a step', () => {
    expect(resolveAutoShard({}, slurm(0, 0, 3, 4))).toEqual({ index: 1, count: 4 });
    expect(resolveAutoShard({}, slurm(3, 0, 3, 4))).toEqual({ index: 4, count: 4 });
    expect(resolveAutoShard({}, slurm(1, 1, 8, 8))).toEqual({ index: 1, count: 8 });
    expect(resolveAutoShard({}, slurm(8, 1, 8))).toEqual({ index: 8, count: 8 }); // no COUNT: from MIN..MAX
    expect(resolveAutoShard({}, slurm(12, 0, 15, 4, 4))).toEqual({ index: 4, count: 4 });
  });

  it('refuses an array that is a list, not a range, instead of guessing', () => {
    // --array=1,4,9: COUNT 3, MIN 1, MAX 9.
    expect(() => resolveAutoShard({}, slurm(4, 1, 9, 3))).toThrow(/not a range.*--array=0-2/);
  });

  it('refuses a count that disagrees with the array, and ids outside it', () => {
    expect(() => resolveAutoShard({ count: 5 }, slurm(0, 0, 3, 4))).toThrow(/disagrees/);
    expect(() => resolveAutoShard({}, slurm(5, 0, 3, 4))).toThrow(AutoShardError);
    expect(() => resolveAutoShard({}, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(/not a non-negative integer/);
    expect(() => resolveAutoShard({}, { SLURM_ARRAY_TASK_ID: '1' })).toThrow(/COUNT nor SLURM_ARRAY_TASK_MAX/);
  });

  it('reads a Kubernetes Indexed Job with the count from the flag or the environment', () => {
    expect(resolveAutoShard({ count: 3 }, { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 3 });
    expect(resolveAutoShard({}, { JOB_COMPLETION_INDEX: '2', RCNN_LENS_SHARD_COUNT: '3' })).toEqual({ index: 3, count: 3 });
    expect(() => resolveAutoShard({}, { JOB_COMPLETION_INDEX: '2' })).toThrow(/--shard auto\/N or set RCNN_LENS_SHARD_COUNT/);
    expect(() => resolveAutoShard({ count: 2 }, { JOB_COMPLETION_INDEX: '2' })).toThrow(/not below/);
  });

  it('says what it looked for when no scheduler started it', () => {
    expect(() => resolveAutoShard({}, {})).toThrow(/SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX/);
  });
});
