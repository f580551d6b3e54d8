/**
 * The words Select Model uses when the chosen file cannot be used: what the file is not,
 * the contract problems when it is an ONNX model, and that the previous model is still in
 * use. Parser jargon and stack-level text go to the log ("Show Details"), not the message.
 * No vscode import, so it is testable.
 */
import * as path from 'node:path';
import { isErrorCode } from '../../shared/errorCodes';

/** Contract problems listed in the notification itself; the log has all of them. */
const MAX_LISTED_PROBLEMS = 4;

interface ModelErrorShape {
  /** The closed set of src/shared/errorCodes.ts; `code` is the finer reason. */
  errorCode?: unknown;
  message?: string;
  code?: string;
  detail?: string;
  problems?: Array<{ where: string; message: string }>;
}

export interface ModelChoiceFailure {
  /** One notification: plain words, the file named once. */
  message: string;
  /** Everything technical, for the log. */
  logText: string;
}

/** `previousFile`: the file name of the model still in use, undefined for the bundled model. */
export function describeModelChoiceFailure(err: unknown, pickedPath: string, previousFile: string | undefined): ModelChoiceFailure {
  const e = (err ?? {}) as ModelErrorShape;
  const file = path.basename(pickedPath);
  const stillInUse = previousFile ? `The previous model, ${previousFile}, is still in use.` : 'The bundled model is still in use.';
  const what = whatIsWrong(e);
  const technical = [e.message, e.detail].filter((t): t is string => !!t && t.length > 0);
  return {
    message: `RCNN Lens cannot use ${file}: ${what} ${stillInUse}`,
    logText: `Select Model: ${pickedPath} cannot be used.\n${technical.join('\n')}`,
  };
}

/** What is wrong with a model file that failed to load, in the words above (for other commands that load one). */
export function whatIsWrongWithModel(err: unknown): string {
  return whatIsWrong((err ?? {}) as ModelErrorShape);
}

function whatIsWrong(e: ModelErrorShape): string {
  const errorCode = isErrorCode(e.errorCode) ? e.errorCode : undefined;
  if (errorCode === 'model_load') {
    switch (e.code) {
      case 'not_onnx':
        return "not an ONNX model: the file's bytes are not a valid ONNX protobuf.";
      case 'not_found':
        return 'the file does not exist.';
      case 'unreadable':
        return 'the file cannot be read.';
    }
  }
  if (errorCode === 'model_contract') {
    const problems = e.problems ?? [];
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.where}: ${p.message}`);
    const more = problems.length > listed.length ? `; and ${problems.length - listed.length} more (Show Details)` : '';
    return `an ONNX model that does not follow the RCNN Lens model contract (${problems.length} problem${problems.length === 1 ? '' : 's'}: ${listed.join('; ')}${more}).`;
  }
  return 'the model could not be loaded (Show Details has the reason).';
}
