/**
 * Turns any error from the core into a message for the user and details for the log.
 * Branches on the error's `errorCode` (the closed set of src/shared/errorCodes.ts, which
 * core errors and WorkerError carry), never on class names.
 */
import * as path from 'node:path';
import { type ErrorCode, isErrorCode } from '../shared/errorCodes';

export interface UserFacingError {
  /** One sentence, names the file and the reason. */
  message: string;
  /** Longer explanation (e.g. every contract problem), for the panel and the log. */
  detail?: string;
  /** The model (not the image) is at fault: offer to pick another. */
  isModelProblem: boolean;
}

interface CoreErrorShape {
  errorCode?: unknown;
  message?: string;
  code?: string;
  filePath?: string;
  detail?: string;
  problems?: Array<{ where: string; message: string }>;
}

const IMAGE_REASONS: Record<string, string> = {
  not_found: 'the file does not exist',
  unreadable: 'the file cannot be read',
  empty: 'the file is empty (0 bytes)',
  unsupported: 'it is not an image format RCNN Lens can decode',
  truncated: 'the image data is truncated',
  corrupt: 'the image data is corrupt',
  too_large: 'the image is larger than the pixel limit (rcnnLens.image.maxPixels)',
};

export function describeError(err: unknown, imagePath?: string): UserFacingError {
  const e = (err ?? {}) as CoreErrorShape;
  const code: ErrorCode | undefined = isErrorCode(e.errorCode) ? e.errorCode : undefined;
  const file = path.basename(e.filePath ?? imagePath ?? '');
  if (code === 'image' && e.code && Object.hasOwn(IMAGE_REASONS, e.code)) {
    return { message: `Cannot classify ${file}: ${IMAGE_REASONS[e.code]}.`, detail: e.detail, isModelProblem: false };
  }
  if (code === 'model_contract') {
    const list = (e.problems ?? []).map((p) => `• ${p.where}: ${p.message}`).join('\n');
    return {
      message: `The model does not follow the RCNN Lens contract (${(e.problems ?? []).length} problem(s)).`,
      detail: list || e.message,
      isModelProblem: true,
    };
  }
  if (code === 'model_load') return { message: e.message ?? 'The model could not be loaded.', isModelProblem: true };
  if (code === 'worker_crash') {
    return {
      message: `Classifying ${file} crashed the image/model worker; it has been restarted.`,
      detail: e.message,
      isModelProblem: false,
    };
  }
  const message = e.message ?? String(err);
  if (/no execution provider|onnx|protobuf|model/i.test(message) && !imagePath) {
    return { message: `The model could not be loaded: ${message}`, isModelProblem: true };
  }
  return { message: imagePath ? `Cannot classify ${file}: ${message}` : message, isModelProblem: false };
}
