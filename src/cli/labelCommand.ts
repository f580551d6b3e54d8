// Placeholder until the batch-labeling engineer lands `rcnn-lens label` (issue 5).
import { UsageError } from './args';

export const LABEL_USAGE = 'usage: rcnn-lens label <folder> [--out FILE] [--format jsonl|csv] [--model PATH] [--provider P] [--batch N] [--shard K/N] [--sort copy|move]';

export async function runLabelCommand(_argv: readonly string[], _defaultModel: string): Promise<number> {
  throw new UsageError('label is not available yet');
}
