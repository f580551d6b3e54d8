/**
 * Every way an image can fail to become a tensor, with a reason a user can act on.
 * The codes also appear in label files' error rows, so they are part of the output format.
 */
import { DecoderUnavailableError } from './sharpLoader';

export type ImageErrorCode = 'not_found' | 'unreadable' | 'empty' | 'unsupported' | 'truncated' | 'corrupt' | 'too_large';

export class ImageError extends Error {
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
      return 'image is larger than the pixel limit';
  }
}

/** Maps a libvips/sharp or filesystem error to one of our codes. */
export function classifyDecodeError(filePath: string, err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  // Not about this file: rethrown so the run (or the classification) fails with the reason.
  if (err instanceof DecoderUnavailableError) throw err;
  const e = err as NodeJS.ErrnoException;
  const message = (e && e.message) || String(err);
  if (e && e.code === 'ENOENT') return new ImageError('not_found', filePath, message);
  if (e && (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EISDIR' || e.code === 'EIO')) {
    return new ImageError('unreadable', filePath, message);
  }
  const firstLine = message.split('\n')[0].trim();
  if (/input file is missing/i.test(message)) return new ImageError('not_found', filePath, firstLine);
  if (/exceeds pixel limit/i.test(message)) return new ImageError('too_large', filePath, firstLine);
  if (/unsupported image format/i.test(message)) return new ImageError('unsupported', filePath, firstLine);
  if (/premature end|truncat|unexpected end|end of (file|stream)|out of data|read error|not enough data/i.test(message)) {
    return new ImageError('truncated', filePath, firstLine);
  }
  return new ImageError('corrupt', filePath, firstLine);
}
