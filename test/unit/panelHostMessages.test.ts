/**
 * The classify panel's side of its webview: messages are taken only in their declared shape
 * (like the review panel's), and the webview may load nothing of the image's folder but the
 * image itself, which travels as bytes in the result message.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifyDetail } from '../../src/core/classify';
import { ExplainCancelledError } from '../../src/core/explain/evaluator';
import type { ExplainedImage } from '../../src/core/explain/explainFile';
import type { ModelDescriptor } from '../../src/core/runtime/modelSession';
import type { HostToPanel } from '../../src/shared/protocol';
import { MAX_COPY_TEXT_CHARS, parsePanelMessage } from '../../src/vscode/panel/panelMessages';
import { ClassifyPanel } from '../../src/vscode/panel/classifyPanel';
import type { ExtensionServices } from '../../src/vscode/services';
import { openFakeClassifyPanel } from '../fixtures/fakeClassifyPanel';
import { tmpDir } from '../fixtures/hostile/helpers';
import { tinyModelDescriptor } from '../fixtures/tinyModelDescriptor';

const clipboardWrites: unknown[] = [];
const commands: unknown[][] = [];

vi.mock('vscode', async () => ({
  ...(await import('../fixtures/vscodeFake')).vscodeBasics(),
  workspace: { getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback }) },
  commands: { executeCommand: (...args: unknown[]) => commands.push(args) },
  env: {
    clipboard: {
      writeText: async (text: unknown) => {
        clipboardWrites.push(text);
      },
    },
  },
  window: {},
}));

const descriptor = tinyModelDescriptor;

function detailFor(imagePath: string, format = 'png'): ClassifyDetail {
  return {
    path: imagePath,
    top: [{ index: 0, label: 'cat', score: 0.9 }],
    probabilities: Float32Array.from([0.9, 0.1]),
    geometry: { width: 4, height: 2, crop: { left: 1, top: 0, width: 2, height: 2 }, format },
    timing: { decodeMs: 1, runMs: 1, totalMs: 2 },
  } as ClassifyDetail;
}

/** A panel on a fake webview; `send` delivers a raw webview message, `posted` collects the host's. */
function openPanel(imagePath: string, format = 'png') {
  return openFakeClassifyPanel({
    imagePath,
    classify: async () => ({ detail: detailFor(imagePath, format), model: descriptor }),
    previewDataUrl: async () => 'data:image/png;base64,AAAA',
  });
}

beforeEach(() => {
  clipboardWrites.length = 0;
  commands.length = 0;
});

describe('classify panel webview messages', () => {
  it('are taken only in their declared shape', () => {
    expect(parsePanelMessage({ type: 'ready', extra: 1 })).toEqual({ type: 'ready' });
    expect(parsePanelMessage({ type: 'copyText', requestId: 1, text: 'x' })).toEqual({ type: 'copyText', requestId: 1, text: 'x' });
    expect(parsePanelMessage({ type: 'copyText', requestId: '1', text: 'x' })).toBeUndefined();
    expect(parsePanelMessage({ type: 'copyText', requestId: 1, text: { toString: () => 'x' } })).toBeUndefined();
    expect(parsePanelMessage({ type: 'copyText', requestId: 1, text: 'x'.repeat(MAX_COPY_TEXT_CHARS + 1) })).toBeUndefined();
    expect(parsePanelMessage({ type: 'savePng', requestId: 2, dataUrl: 'data:image/png;base64,AA', suggestedName: 'a.png' })).toBeDefined();
    expect(parsePanelMessage({ type: 'savePng', requestId: 2, dataUrl: 'data:text/html;base64,AA', suggestedName: 'a.png' })).toBeUndefined();
    expect(parsePanelMessage({ type: 'savePng', requestId: 2, dataUrl: 'data:image/png;base64,AA', suggestedName: ['a.png'] })).toBeUndefined();
    expect(parsePanelMessage({ type: 'runCommand', command: 'workbench.action.terminal.new' })).toBeUndefined();
    expect(parsePanelMessage(null)).toBeUndefined();
    expect(parsePanelMessage('ready')).toBeUndefined();
    expect(parsePanelMessage([{ type: 'ready' }])).toBeUndefined();
  });

  it('that are malformed reach neither the clipboard nor a command, and the panel keeps working', async () => {
    const { send, settle } = openPanel('/images/cat.png');
    send({ type: 'copyText', requestId: 1, text: { evil: true } });
    send({ type: 'copyText', requestId: 'x', text: 'hello' });
    send({ type: 'openSettings', then: 'x' });
    send(undefined);
    await settle();
    expect(clipboardWrites).toEqual([]);
    expect(commands).toHaveLength(1); // the well-formed openSettings, extra field dropped
    send({ type: 'copyText', requestId: 2, text: 'hello' });
    await settle();
    expect(clipboardWrites).toEqual(['hello']);
  });
});

describe('classify panel resources', () => {
  it('let the webview load the extension’s own files, not the image’s folder', () => {
    const services = { extensionUri: { fsPath: '/ext' } } as unknown as ExtensionServices;
    const options = ClassifyPanel.webviewOptions(services, { fsPath: '/home/me/photos/cat.png' } as never);
    const roots = (options.localResourceRoots ?? []).map((r) => r.fsPath);
    expect(roots.length).toBeGreaterThan(0);
    for (const root of roots) expect(root.startsWith('/ext/')).toBe(true);
  });

  it('send the image itself as bytes with its type, so the webview needs no file access', async () => {
    const dir = tmpDir('rcnn-panel-bytes-');
    const image = path.join(dir, 'cat.png');
    writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const { classifyPanel, send, posted } = openPanel(image);
    send({ type: 'ready' });
    expect(await classifyPanel.classify()).toBe(true);
    const result = posted.find((m): m is Extract<HostToPanel, { type: 'result' }> => m.type === 'result')!.result;
    expect(result.imageSrc).toBeUndefined();
    expect(result.image?.mime).toBe('image/png');
    expect(Buffer.from(result.image!.bytes).equals(readFileSync(image))).toBe(true);
  });

  it('send a PNG preview for a format the webview cannot show', async () => {
    const dir = tmpDir('rcnn-panel-tiff-');
    const image = path.join(dir, 'scan.tiff');
    writeFileSync(image, Buffer.from('II*\u0000'));
    const { classifyPanel, send, posted } = openPanel(image, 'tiff');
    send({ type: 'ready' });
    expect(await classifyPanel.classify()).toBe(true);
    const result = posted.find((m): m is Extract<HostToPanel, { type: 'result' }> => m.type === 'result')!.result;
    expect(result.image).toBeUndefined();
    expect(result.imageSrc).toBe('data:image/png;base64,AAAA');
  });
});

describe('classify panel explanations', () => {
  it('forward progress without keeping it as the panel state, and a cancel answers with the code cancelled', async () => {
    let stop: ((err: Error) => void) | undefined;
    const cancelled: number[] = [];
    const { classifyPanel, send, posted, settle } = openFakeClassifyPanel({
      imagePath: '/images/cat.png',
      classify: async () => ({ detail: detailFor('/images/cat.png'), model: descriptor }),
      explain: (_path, options) =>
        new Promise<ExplainedImage>((_resolve, reject) => {
          options.onProgress?.(1, 4);
          stop = reject;
        }),
      cancelExplain: async (job) => {
        cancelled.push(job);
        stop?.(new ExplainCancelledError());
      },
    });
    send({ type: 'ready' });
    expect(await classifyPanel.classify()).toBe(true);
    send({ type: 'explain', requestId: 7, methods: ['occlusion'], window: 1 });
    await settle();
    expect(posted.at(-1)).toEqual({ type: 'explainProgress', done: 1, total: 4 });
    send({ type: 'cancelExplain' });
    await settle();
    expect(cancelled).toEqual([1]);
    expect(posted.at(-1)).toMatchObject({ type: 'reply', requestId: 7, ok: false, error: { code: 'cancelled' } });
    // A reloaded webview says `ready` again: it gets the result back, not a stale progress message.
    send({ type: 'ready' });
    expect(posted.at(-1)?.type).toBe('result');
  });
});
