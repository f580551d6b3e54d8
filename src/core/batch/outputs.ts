// Kept only for src/vscode/batch/register.ts, which issue 16 part B rewrites: import from labelsFile/outputs instead.
export { OutputPathError, resolveOutputs } from '../labelsFile/outputs';
