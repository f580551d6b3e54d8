/**
 * The CLI's exit codes, as README documents them: 2 for a usage, model, lock or output
 * problem (the user can fix it and run again), 3 for anything else. One mapping for every
 * command, so `classify`, `label` and `label --undo-sort` agree.
 */
import { LockedError } from '../core/folder/lock';
import { FolderNotWritableError, ModelFileError } from '../core/labeling/errors';
import { ForeignOutputError } from '../core/labelsFile/read';
import { PoolFailedError } from '../core/batch/poolFailedError';
import { ModelContractError } from '../core/model/contract';
import { ModelLoadError } from '../core/runtime/modelLoadError';
import { UsageError } from './args';

export const EXIT_PROBLEM = 2;
export const EXIT_FAILURE = 3;

export function exitCodeFor(err: unknown): number {
  const documented = [UsageError, ModelContractError, ModelLoadError, LockedError, ForeignOutputError, ModelFileError, PoolFailedError, FolderNotWritableError];
  return documented.some((cls) => err instanceof cls) ? EXIT_PROBLEM : EXIT_FAILURE;
}
