/**
 * The review panel on a fake webview: what it does with messages a compromised or stale
 * webview may send, and with a correction to a path a Move sort renamed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import type { HostToReview } from '../../src/shared/reviewProtocol';
import { ReviewPanel } from '../../src/vscode/batch/reviewPanel';
import type { ExtensionServices } from '../../src/vscode/services';
import { fakeWebviewPanel } from '../fixtures/fakeWebviewPanel';
import { tmpDir } from '../fixtures/hostile/helpers';

vi.mock('vscode', async () => (await import('../fixtures/vscodeFake')).vscodeBasics());

const rec = (p: string, label: string): LabelRecord => ({ path: p, label, score: 0.5, topk: [{ label, score: 0.5 }, { label: 'dog', score: 0.3 }], model: { name: 'm', hash: '0123456789abcdef' }, size: 1, mtime: 2 });

function openPanel(folder: string, labelsFile: string) {
  const { panel, posted, receive } = fakeWebviewPanel<HostToReview>();
  const logged: string[] = [];
  const log = { info: () => undefined, warn: (l: string) => logged.push(l), error: (l: string) => logged.push(l) };
  const opened: string[] = [];
  const services = {
    extensionUri: { fsPath: '/ext' },
    output: log,
    currentModel: () => ({ modelPath: path.join(folder, 'no-model.onnx'), provider: 'cpu' }),
    openClassifyPanel: async (u: { fsPath: string }) => void opened.push(u.fsPath),
  } as unknown as ExtensionServices;
  const review = new ReviewPanel(panel as never, services, { folder, labelsFile });
  /** Sends a message and waits until the panel has posted `count` more messages (or a moment passed). */
  const send = async (message: unknown, count = 1) => {
    const before = posted.length;
    receive(message);
    for (let i = 0; i < 200 && posted.length < before + count; i++) await new Promise((r) => setTimeout(r, 5));
    return posted.slice(before);
  };
  return { review, posted, send, logged, opened };
}

describe('review panel host', () => {
  it('ignores malformed messages without an unhandled rejection, and opens only its own records', async () => {
    const folder = tmpDir();
    const labelsFile = path.join(folder, 'labels.jsonl');
    writeFileSync(labelsFile, toJsonLine(rec('a.jpg', 'cat')) + '\n');
    writeFileSync(path.join(folder, 'secret.txt'), 'x');
    const { send, logged, opened } = openPanel(folder, labelsFile);
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      const [init] = await send({ type: 'ready' });
      expect(init.type).toBe('init');
      await send({ type: 'open', path: 42 }, 0);
      await send({ type: 'open', path: 'secret.txt' }, 0);
      await send({ type: 'wantThumbs', paths: 'a.jpg' }, 0);
      await send(null, 0);
      await send({ type: 'open', path: 'a.jpg' }, 0);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    expect(logged.filter((l) => /malformed/.test(l))).toHaveLength(3);
    expect(opened).toEqual([path.join(folder, 'a.jpg')]);
  });

  it('refuses labels the review does not know, and saves known ones', async () => {
    const folder = tmpDir();
    const labelsFile = path.join(folder, 'labels.jsonl');
    writeFileSync(labelsFile, toJsonLine(rec('a.jpg', 'cat')) + '\n');
    const { send } = openPanel(folder, labelsFile);
    await send({ type: 'ready' });
    const [refused] = await send({ type: 'setLabels', requestId: 1, changes: [{ path: 'a.jpg', label: '"><img src=x>' }] });
    expect(refused).toMatchObject({ type: 'reply', requestId: 1, ok: false, error: { code: 'bad_request' } });
    const [saved] = await send({ type: 'setLabels', requestId: 2, changes: [{ path: 'a.jpg', label: 'dog' }] });
    expect(saved).toMatchObject({ type: 'reply', requestId: 2, ok: true });
    expect(JSON.parse(readFileSync(labelsFile, 'utf8')).reviewed.label).toBe('dog');
  });

  it('says a correction to a path a sort renamed was not saved, and reloads the review', async () => {
    const folder = tmpDir();
    const labelsFile = path.join(folder, 'labels.jsonl');
    writeFileSync(labelsFile, toJsonLine(rec('a.jpg', 'cat')) + '\n');
    const { send } = openPanel(folder, labelsFile);
    await send({ type: 'ready' });
    // A Move sort rewrote the labels file under the open gallery.
    writeFileSync(labelsFile, toJsonLine(rec('cat/a.jpg', 'cat')) + '\n');
    const after = await send({ type: 'setLabels', requestId: 3, changes: [{ path: 'a.jpg', label: 'dog' }] }, 3);
    expect(after[0]).toMatchObject({ type: 'reply', requestId: 3, ok: false, error: { code: 'stale', message: expect.stringMatching(/a\.jpg is no longer in labels\.jsonl/) } });
    const init = after.find((m) => m.type === 'init');
    expect(init?.type === 'init' && init.items.map((i) => i.path)).toEqual(['cat/a.jpg']);
    expect(after.at(-1)).toMatchObject({ type: 'notice', level: 'error' });
    expect(JSON.parse(readFileSync(labelsFile, 'utf8')).reviewed).toBeUndefined();
  });
});
