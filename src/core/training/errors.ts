/**
 * Errors of the "train a model on a folder" feature. Each carries a stable `code` and
 * `details`, so it crosses the Python ↔ Node and host ↔ webview boundaries as
 * {code, message, details}.
 */
export type TrainingErrorCode =
  | 'too_few_classes'
  | 'too_few_images'
  | 'too_many_images'
  | 'unsafe_class_name'
  | 'no_labels_file'
  | 'python_missing'
  | 'python_packages_missing'
  | 'python_failed'
  | 'protocol'
  | 'invalid_model'
  | 'cancelled'
  | (string & {});

export class TrainingError extends Error {
  constructor(
    readonly code: TrainingErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TrainingError';
  }

  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}
