// Kept only for src/vscode/batch/register.ts, which issue 16 part B rewrites: import from labeling/ and labelsFile/ instead.
export { CancelledError, ForeignOutputError } from '../labeling/errors';
export type { LabelProgress } from '../labeling/types';
export type { OutputSpec } from '../labelsFile/outputs';
export { assertWritableOutputs } from '../labelsFile/read';
export { runLabelJob } from '../labeling/run';
