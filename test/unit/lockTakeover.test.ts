import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LockedError, acquireLock } from '../../src/core/folder/lock';
import { tmpDir } from '../fixtures/hostile/helpers';

// Widen the race window the way a slow disk would: every unlink of a lock file after the first
// waits a little, so a second run that judged the old lock stale deletes too late, after the
// first run has already put its own lock there (unless the takeover re-checks what it deletes).
let lockUnlinks = 0;
vi.mock('node:fs/promises', async (orig) => {
  const real = await orig<typeof import('node:fs/promises')>();
  return {
    ...real,
    unlink: async (p: string) => {
      if (String(p).endsWith('label.lock') && lockUnlinks++ > 0) await new Promise((r) => setTimeout(r, 40));
      return real.unlink(p);
    },
  };
});

describe('taking over a stale lock', () => {
  it('when several runs find the same dead owner at once, exactly one of them gets the lock', async () => {
    for (let round = 0; round < 5; round++) {
      lockUnlinks = 0;
      const dir = tmpDir('rl-lock-');
      mkdirSync(path.join(dir, '.rcnn-lens'));
      // Left by a process that no longer exists.
      const dead = { pid: 2 ** 22 + 4321, host: os.hostname(), startedAt: `round ${round}`, purpose: 'labeling' };
      writeFileSync(path.join(dir, '.rcnn-lens', 'label.lock'), JSON.stringify(dead));
      const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => acquireLock(dir, `contender ${i}`)));
      const winners = results.filter((r) => r.status === 'fulfilled') as Array<PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>>;
      expect(winners.length, `round ${round}`).toBe(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockedError);
      for (const w of winners) await w.value.release();
    }
  });
});
