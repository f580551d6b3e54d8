/** The errors a labeling run ends with, each saying plainly what went wrong and where. */
import * as path from 'node:path';
import { isWithin } from '../folder/safePath';

export { ForeignOutputError } from '../labelsFile/read';

/** The folder (or an output's folder) cannot be written: said plainly, not as a raw EACCES. */
export class FolderNotWritableError extends Error {
  constructor(readonly folder: string, code: string) {
    super(`cannot write in ${folder}: ${code === 'EROFS' ? 'read-only file system' : 'read-only'} (${code})`);
    this.name = 'FolderNotWritableError';
  }
}

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** A write refused by the file system, as a FolderNotWritableError naming the folder it happened in. */
export function asWriteError(err: unknown, folder: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || !NOT_WRITABLE.has(e.code ?? '')) return err;
  const where = typeof e.path === 'string' ? path.dirname(e.path) : folder;
  return new FolderNotWritableError(isWithin(folder, where) ? folder : where, e.code!);
}

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export class CancelledError extends Error {
  constructor() {
    super('the labeling run was cancelled');
    this.name = 'CancelledError';
  }
}
