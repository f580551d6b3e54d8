/**
 * A model's identity as labels files record it: the first 16 hex digits of the SHA-256 of
 * its file. One definition, because a rerun compares the hash a worker computed with the
 * one in the records and the review compares it with the current model's.
 */
import { createHash } from 'node:crypto';

export function modelHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
