/** A model file that cannot be read or is not ONNX. Kept apart from modelSession so that
 * code which only reports errors does not load onnxruntime. */
import type { ErrorCode } from '../../shared/errorCodes';

export type ModelLoadErrorCode = 'not_found' | 'unreadable' | 'not_onnx';

export class ModelLoadError extends Error {
  /** What crosses a process boundary (subclasses too); `code` is the finer reason. */
  readonly errorCode: ErrorCode = 'model_load';
  readonly code?: ModelLoadErrorCode;
  readonly filePath?: string;
  /** The technical reason (a parser's words), for the log rather than the message. */
  readonly detail?: string;

  constructor(message: string, fields: { code?: ModelLoadErrorCode; filePath?: string; detail?: string } = {}) {
    super(message);
    this.name = 'ModelLoadError';
    this.code = fields.code;
    this.filePath = fields.filePath;
    this.detail = fields.detail;
  }
}
