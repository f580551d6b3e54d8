// Kept only for src/vscode/batch/register.ts, which issue 16 part B rewrites: import from labelsFile/records instead.
export { formatOf } from '../labelsFile/records';
