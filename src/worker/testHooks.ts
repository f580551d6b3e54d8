/**
 * Test-only fault injection for the labeling worker, kept out of the message protocol.
 * Every hook is off unless its environment variable is set, which only the unit tests do
 * (they pass it through the pool's `env`); a user's run never sets them.
 */

/** A worker given this env var crashes (SIGKILL itself) on any path containing its value. */
export const CRASH_HOOK_ENV = 'RCNN_LENS_TEST_CRASH_ON';
/** A worker given this env var hangs (never answers) on any path containing its value. */
export const HANG_HOOK_ENV = 'RCNN_LENS_TEST_HANG_ON';
/**
 * `<slot>:fail` makes the pool's worker number <slot> report that it cannot load the
 * model; `<slot>:hang` makes it never answer its init message.
 */
export const LOAD_HOOK_ENV = 'RCNN_LENS_TEST_LOAD';
/** The model's logits for any path containing this value are replaced by NaN. */
export const NAN_HOOK_ENV = 'RCNN_LENS_TEST_NAN_ON';

export interface LabelWorkerHooks {
  /** The path crashes the worker. */
  crashes(path: string): boolean;
  /** The path hangs the worker. */
  hangs(path: string): boolean;
  /** The path's logits become NaN. */
  poisons(path: string): boolean;
  /** What loading the model does in worker `slot`: as usual, fail, or never finish. */
  load(slot: number | undefined): 'normal' | 'fail' | 'hang';
}

const contains = (needle: string | undefined) => (path: string) => !!needle && path.includes(needle);

/** The hooks this environment turns on (none, for a user's run). */
export function labelWorkerHooks(env: NodeJS.ProcessEnv): LabelWorkerHooks {
  const loadHook = env[LOAD_HOOK_ENV];
  return {
    crashes: contains(env[CRASH_HOOK_ENV]),
    hangs: contains(env[HANG_HOOK_ENV]),
    poisons: contains(env[NAN_HOOK_ENV]),
    load: (slot) => (loadHook === `${slot}:fail` ? 'fail' : loadHook === `${slot}:hang` ? 'hang' : 'normal'),
  };
}
