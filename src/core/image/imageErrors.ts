/**
 * Every way an image can fail to become a tensor, with a reason a user can act on.
 * The codes also appear in label files' error rows, so they are part of the output format.
 */
import { DecoderUnavailableError } from './sharpLoader';
import type { ErrorCode } from '../../shared/errorCodes';

export type ImageErrorCode = 'not_found' | 'unreadable' | 'empty' | 'unsupported' | 'truncated' | 'corrupt' | 'too_large';

export class ImageError extends Error {
  /** What crosses a process boundary; `code` is the finer reason. */
  readonly errorCode: ErrorCode = 'image';
  constructor(
    readonly code: ImageErrorCode,
    readonly filePath: string,
    readonly detail: string,
  ) {
    super(`${filePath}: ${describeCode(code)} (${detail})`);
    this.name = 'ImageError';
  }
}

export function describeCode(code: ImageErrorCode): string {
  switch (code) {
    case 'not_found':
      return 'file not found';
    case 'unreadable':
      return 'file cannot be read';
    case 'empty':
      return 'file is empty';
    case 'unsupported':
      return 'not an image format RCNN Lens can decode';
    case 'truncated':
      return 'image data is truncated';
    case 'corrupt':
      return 'image data is corrupt';
    case 'too_large':
      return 'image is too large';
  }
}

const UNREADABLE_ERRNO = new Set([
  'EACCES', 'EPERM', 'EISDIR', 'EIO', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'ENXIO', 'ENODEV',
  // passing trouble (a network mount, too many open files): worth another try later
  'ETIMEDOUT', 'ESTALE', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ECONNRESET', 'EHOSTDOWN',
]);

/** Maps a libvips/sharp or filesystem error to one of our codes. */
export function classifyDecodeError(filePath: string, err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  // Not about this file: rethrown so the run (or the classification) fails with the reason.
  if (err instanceof DecoderUnavailableError) throw err;
  const e = err as NodeJS.ErrnoException;
  const message = (e && e.message) || String(err);
  if (e && e.code === 'ENOENT') return new ImageError('not_found', filePath, message);
  // Node refuses to read a file over 2 GiB into one buffer.
  if (e && e.code === 'ERR_FS_FILE_TOO_LARGE') return new ImageError('too_large', filePath, 'the file is over 2 GiB');
  // The file system's problems, not the image's: `unreadable` rows are retried by the next run.
  if (e && typeof e.code === 'string' && UNREADABLE_ERRNO.has(e.code)) return new ImageError('unreadable', filePath, message);
  const firstLine = message.split('\n')[0].trim();
  if (/input file is missing/i.test(message)) return new ImageError('not_found', filePath, firstLine);
  if (/exceeds pixel limit/i.test(message)) return new ImageError('too_large', filePath, firstLine);
  if (/unsupported image format/i.test(message)) return new ImageError('unsupported', filePath, firstLine);
  if (/premature end|truncat|unexpected end|end of (file|stream)|out of data|read error|not enough data/i.test(message)) {
    return new ImageError('truncated', filePath, firstLine);
  }
  return new ImageError('corrupt', filePath, firstLine);
}
