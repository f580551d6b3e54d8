// Kept only for src/vscode/batch/register.ts, which issue 16 part B rewrites: import from folder/runState instead.
export { lastRunOutputs } from '../folder/runState';
