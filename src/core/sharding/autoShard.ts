/**
 * `--shard auto`: which part of a folder this task labels, read from the scheduler that started it.
 *
 * - Slurm job arrays set SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _MAX and _STEP (sbatch(1), "OUTPUT
 *   ENVIRONMENT VARIABLES"). Task IDs need not start at 0 (`--array=1-8`) and may step
 *   (`--array=0-15:4`), so the shard is the task's place in the arithmetic sequence MIN, MIN+STEP, …
 *   A list such as `--array=1,4,9` has no such place to derive from the environment: refused.
 * - Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX (0-based); the number of completions is not
 *   in the pod's environment, so it comes from `--shard auto/N` or RCNN_LENS_SHARD_COUNT.
 */
import type { Shard } from '../batch/shard';

export class AutoShardError extends Error {}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new AutoShardError(`${name}="${v}" is not a non-negative integer`);
  return Number(v.trim());
}

/** `auto` or `auto/N`; undefined for anything else (a plain K/N). */
export function parseAutoSpec(text: string): { count?: number } | undefined {
  const m = /^auto(?:\/(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  if (m[1] === undefined) return {};
  const count = Number(m[1]);
  if (count < 1) throw new AutoShardError(`--shard ${text}: the count must be at least 1`);
  return { count };
}

function fromSlurm(env: Env): Shard | undefined {
  const id = intVar(env, 'SLURM_ARRAY_TASK_ID');
  if (id === undefined) return undefined;
  const min = intVar(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
  const max = intVar(env, 'SLURM_ARRAY_TASK_MAX');
  const step = intVar(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
  const given = intVar(env, 'SLURM_ARRAY_TASK_COUNT');
  if (step < 1) throw new AutoShardError(`SLURM_ARRAY_TASK_STEP=${step}: must be at least 1`);
  const span = max === undefined ? undefined : Math.floor((max - min) / step) + 1;
  const count = given ?? span;
  if (count === undefined) throw new AutoShardError('SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is');
  if (span !== undefined && span !== count) {
    throw new AutoShardError(
      `this Slurm array is not a range (SLURM_ARRAY_TASK_COUNT=${count}, but MIN..MAX step ${step} holds ${span} tasks): submit it as --array=0-${count - 1} so every task knows its shard`,
    );
  }
  if (id < min || (id - min) % step !== 0) throw new AutoShardError(`SLURM_ARRAY_TASK_ID=${id} is not in the array ${min}-${max ?? '?'}:${step}`);
  const index = (id - min) / step + 1;
  if (index > count) throw new AutoShardError(`SLURM_ARRAY_TASK_ID=${id} is past the array's ${count} tasks`);
  return { index, count };
}

function fromIndexedJob(env: Env, countFromFlag: number | undefined): Shard | undefined {
  const index0 = intVar(env, 'JOB_COMPLETION_INDEX');
  if (index0 === undefined) return undefined;
  const count = countFromFlag ?? intVar(env, 'RCNN_LENS_SHARD_COUNT');
  if (count === undefined || count < 1) {
    throw new AutoShardError(
      'JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the number of shards: pass --shard auto/N or set RCNN_LENS_SHARD_COUNT to the Job\'s completions',
    );
  }
  if (index0 >= count) throw new AutoShardError(`JOB_COMPLETION_INDEX=${index0} is not below the shard count ${count}`);
  return { index: index0 + 1, count };
}

/** The shard this process labels under `--shard auto[/N]`. */
export function resolveAutoShard(spec: { count?: number }, env: Env = process.env): Shard {
  const slurm = fromSlurm(env);
  if (slurm) {
    if (spec.count !== undefined && spec.count !== slurm.count) {
      throw new AutoShardError(`--shard auto/${spec.count} disagrees with the Slurm array's ${slurm.count} tasks`);
    }
    return slurm;
  }
  const indexed = fromIndexedJob(env, spec.count);
  if (indexed) return indexed;
  throw new AutoShardError(
    '--shard auto found no scheduler: neither SLURM_ARRAY_TASK_ID (an sbatch --array job) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; use --shard K/N',
  );
}
