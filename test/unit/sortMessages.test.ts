import { describe, expect, it } from 'vitest';
import { sortDoneMessage, undoDoneMessage, type RememberedSort } from '../../src/vscode/batch/sortMessages';

const copy: RememberedSort = { folder: '/w/batch', journal: '/w/batch/.rcnn-lens/sorts/1.jsonl', mode: 'copy', dest: '/w/batch-sorted', sorted: 300 };

describe('sort messages', () => {
  it('name the destination folder', () => {
    expect(sortDoneMessage(copy, 0)).toBe('Copied 300 image(s) into class folders in /w/batch-sorted.');
    expect(sortDoneMessage({ ...copy, mode: 'move', dest: '/w/batch' }, 0.5)).toBe(
      'Moved 300 image(s) into class folders in /w/batch (scores under 0.5 in _review).',
    );
  });

  it('say what Undo removed after a copy sort, and what it moved back after a move', () => {
    expect(undoDoneMessage('/w/batch', copy.journal, 300, copy)).toBe(
      'Undo removed the 300 copied image(s) and the class folders from /w/batch-sorted; the originals in /w/batch were never moved.',
    );
    expect(undoDoneMessage('/w/batch', copy.journal, 12, { ...copy, mode: 'move', dest: '/w/batch' })).toMatch(/moved 12 image\(s\) out of the class folders back/);
  });

  it('do not describe another sort than the one undone', () => {
    const m = undoDoneMessage('/w/batch', '/w/batch/.rcnn-lens/sorts/2.jsonl', 5, copy);
    expect(m).not.toMatch(/copied/);
    expect(m).toContain('5 file(s) restored');
  });
});
