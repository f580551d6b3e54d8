/**
 * The closed set of error codes that may cross a process or webview boundary. A receiver
 * branches on these codes, never on an error's class name or message. Browser-safe (no
 * node imports): the webviews read them too.
 */
export const ERROR_CODES = [
  /** The message was malformed or names something the receiver does not know. */
  'bad_request',
  /** The user or the caller cancelled the work. */
  'cancelled',
  /** An image could not be read or decoded; details.reason is the ImageErrorCode. */
  'image',
  /** A model file cannot be read or is not ONNX, or no provider can run it; details.reason when known. */
  'model_load',
  /** The model does not follow the RCNN Lens contract; details.problems lists why. */
  'model_contract',
  /** The worker holds another model than the one the request named. */
  'model_mismatch',
  /** A worker process stopped or had to be stopped. */
  'worker_crash',
  /** The request refers to data the receiver no longer has (e.g. a record gone from the labels file). */
  'stale',
  /** Reading or writing a file failed. */
  'io',
  /** Anything else: a bug or an error without a code. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}
