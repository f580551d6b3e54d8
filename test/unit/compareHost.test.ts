/**
 * The compare panel's host side: webview messages only in their declared shape, the ready
 * handshake, one side's failure shown beside the other side's result, the page's CSP, the
 * serializer refusing comparisons the host did not open, and a bad second model refused
 * with a clear message before any panel opens.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifyDetail } from '../../src/core/classify';
import type { ModelDescriptor } from '../../src/core/runtime/modelSession';
import { compareKey, parseCompareMessage, parseComparePersisted, type HostToCompare } from '../../src/shared/compareProtocol';
import { compareWith } from '../../src/vscode/compare/compareCommand';
import { renderCompareHtml } from '../../src/vscode/compare/compareHtml';
import { CompareManager } from '../../src/vscode/compare/compareManager';
import { ComparePanel, compareTitle } from '../../src/vscode/compare/comparePanel';
import type { SideClassifier } from '../../src/vscode/compare/compareSide';
import type { ExtensionServices } from '../../src/vscode/services';
import { fakeWebviewPanel } from '../fixtures/fakeWebviewPanel';
import { tmpDir } from '../fixtures/hostile/helpers';
import { tinyModelDescriptor } from '../fixtures/tinyModelDescriptor';

const clipboardWrites: unknown[] = [];
const errors: string[] = [];
const openDialogs: Array<Record<string, unknown>> = [];
let serializer: { deserializeWebviewPanel(p: unknown, s: unknown): Promise<void> } | undefined;

vi.mock('vscode', async () => ({
  ...(await import('../fixtures/vscodeFake')).vscodeBasics(),
  // A class, so the command can tell URIs by instanceof as it does with VS Code's.
  Uri: (await import('../fixtures/vscodeFake')).FakeUriClass,
  workspace: { getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback }), isTrusted: true },
  env: { clipboard: { writeText: async (text: unknown) => void clipboardWrites.push(text) } },
  window: {
    registerWebviewPanelSerializer: (_type: string, s: typeof serializer) => {
      serializer = s;
      return { dispose: () => undefined };
    },
    showErrorMessage: async (message: string) => void errors.push(message),
    withProgress: (_o: unknown, task: () => Promise<unknown>) => task(),
    showOpenDialog: async (options: Record<string, unknown>) => void openDialogs.push(options),
  },
  ViewColumn: { Active: -1 },
  QuickPickItemKind: { Separator: -1 },
  ProgressLocation: { Notification: 15 },
}));

const descriptor = tinyModelDescriptor;

const log = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined };
const services = { extensionUri: { fsPath: '/ext' }, output: log, workerScript: '' } as unknown as ExtensionServices;

function classifier(outcome: 'ok' | Error): SideClassifier {
  return {
    classify: async (imagePath) => {
      if (outcome instanceof Error) throw outcome;
      const detail = {
        path: imagePath,
        top: [{ index: 0, label: 'cat', score: 0.9 }],
        probabilities: Float32Array.from([0.9, 0.1]),
        geometry: { width: 4, height: 2, crop: { left: 1, top: 0, width: 2, height: 2 }, format: 'png' },
        timing: { decodeMs: 1, runMs: 1, totalMs: 2 },
      } as ClassifyDetail;
      return { detail, model: descriptor };
    },
    previewDataUrl: async () => 'data:image/png;base64,AAAA',
  };
}

function openPanel(a: string, b: string, outcomeB: 'ok' | Error = 'ok') {
  const fake = fakeWebviewPanel<HostToCompare>();
  const sides = { a: { imagePath: a }, b: { imagePath: b }, classifierA: classifier('ok'), classifierB: classifier(outcomeB) };
  const panel = new ComparePanel(fake.panel as never, services, sides);
  return { ...fake, panel, settle: () => new Promise((r) => setTimeout(r, 10)) };
}

beforeEach(() => {
  clipboardWrites.length = 0;
  errors.length = 0;
  openDialogs.length = 0;
});

describe('compare panel messages', () => {
  it('are taken only in their declared shape', () => {
    expect(parseCompareMessage({ type: 'ready', extra: 1 })).toEqual({ type: 'ready' });
    expect(parseCompareMessage({ type: 'reclassify' })).toEqual({ type: 'reclassify' });
    expect(parseCompareMessage({ type: 'copyText', requestId: 3, text: 'x' })).toEqual({ type: 'copyText', requestId: 3, text: 'x' });
    expect(parseCompareMessage({ type: 'copyText', requestId: '3', text: 'x' })).toBeUndefined();
    expect(parseCompareMessage({ type: 'copyText', requestId: 1.5, text: 'x' })).toBeUndefined();
    expect(parseCompareMessage({ type: 'copyText', requestId: 1, text: { toString: () => 'x' } })).toBeUndefined();
    expect(parseCompareMessage({ type: 'copyText', requestId: 1, text: 'x'.repeat(1_000_001) })).toBeUndefined();
    expect(parseCompareMessage({ type: 'openFile', path: '/etc/passwd' })).toBeUndefined();
    expect(parseCompareMessage(null)).toBeUndefined();
    expect(parseCompareMessage([{ type: 'ready' }])).toBeUndefined();
  });

  it('read back persisted state only when both sources are well formed', () => {
    expect(parseComparePersisted({ a: { imagePath: '/x.png' }, b: { imagePath: '/x.png', modelPath: '/m.onnx' }, ui: { timestep: 2 } })).toEqual({
      a: { imagePath: '/x.png' },
      b: { imagePath: '/x.png', modelPath: '/m.onnx' },
      ui: { timestep: 2 },
    });
    expect(parseComparePersisted({ a: { imagePath: '/x.png' } })).toBeUndefined();
    expect(parseComparePersisted({ a: { imagePath: '' }, b: { imagePath: '/y.png' } })).toBeUndefined();
    expect(parseComparePersisted({ a: { imagePath: '/x.png' }, b: { imagePath: '/y.png', modelPath: 7 } })).toBeUndefined();
    expect(parseComparePersisted('state')).toBeUndefined();
  });

  it('hold the state until the webview is ready, then send both sides together', async () => {
    const dir = tmpDir('rl-compare-');
    const [a, b] = ['a.png', 'b.png'].map((f) => path.join(dir, f));
    for (const f of [a, b]) writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const { panel, posted, receive } = openPanel(a, b);
    expect(await panel.classify()).toBe(true);
    expect(posted).toEqual([]);
    receive({ type: 'ready' });
    expect(posted).toHaveLength(1);
    const result = posted[0] as Extract<HostToCompare, { type: 'result' }>;
    expect(result.type).toBe('result');
    expect(result.a).toMatchObject({ fileName: 'a.png', modelLabel: 'current model', source: { imagePath: a } });
    expect(result.b.result?.top[0].label).toBe('cat');
    expect(result.a.result?.image?.mime).toBe('image/png');
  });

  it('show one side’s error beside the other side’s result', async () => {
    const bad = Object.assign(new Error('corrupt'), { errorCode: 'image', code: 'corrupt', filePath: '/img/b.jpg' });
    const { panel, posted, receive } = openPanel('/img/a.png', '/img/b.jpg', bad);
    receive({ type: 'ready' });
    expect(await panel.classify()).toBe(false);
    const result = posted.find((m): m is Extract<HostToCompare, { type: 'result' }> => m.type === 'result')!;
    expect(result.a.result).toBeDefined();
    expect(result.b.result).toBeUndefined();
    expect(result.b.error?.message).toBe('Cannot classify b.jpg: the image data is corrupt.');
  });

  it('answer copyText with a reply, and ignore malformed messages', async () => {
    const { posted, receive, settle } = openPanel('/img/a.png', '/img/b.png');
    receive({ type: 'ready' });
    receive({ type: 'copyText', requestId: 1, text: { evil: true } });
    receive({ type: 'copyText', requestId: 2, text: 'both' });
    await settle();
    expect(clipboardWrites).toEqual(['both']);
    expect(posted).toContainEqual({ type: 'reply', requestId: 2, ok: true, value: { copied: true } });
  });
});

describe('compare panel page', () => {
  it('has a strict CSP with the nonce, one script, and escapes the title', () => {
    const html = renderCompareHtml({
      cspSource: 'https://webview.test',
      nonce: 'n0nce',
      scriptUri: 'https://webview.test/compare.js',
      panelStyleUri: 'https://webview.test/panel.css',
      styleUri: 'https://webview.test/compare.css',
      codiconsUri: 'https://webview.test/codicon.css',
      title: compareTitle({ imagePath: '/i/<b>.png' }, { imagePath: '/i/x.png' }),
    });
    expect(html).toContain("default-src 'none'");
    expect(html).toContain("script-src 'nonce-n0nce'");
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toContain('<b>.png');
    expect(html).toContain('&lt;b&gt;.png');
    for (const id of ['side-a', 'side-b', 'timestep', 'quantity', 'difference', 'legend-bar']) expect(html).toContain(`data-testid="${id}"`);
  });

  it('titles a comparison of two models on one image by its models', () => {
    expect(compareTitle({ imagePath: '/i/cat.png' }, { imagePath: '/i/cat.png', modelPath: '/m/new.onnx' })).toBe('Compare: cat.png (current model ↔ new.onnx)');
    expect(compareTitle({ imagePath: '/i/cat.png' }, { imagePath: '/i/dog.png' })).toBe('Compare: cat.png ↔ dog.png');
  });
});

describe('compare panels after a reload', () => {
  it('are restored only for comparisons the host opened', async () => {
    const opened = [compareKey({ imagePath: '/i/a.png' }, { imagePath: '/i/b.png' })];
    const memento = { get: () => opened, update: async () => undefined };
    const manager = new CompareManager(services, {} as never, memento as never);
    let disposed = 0;
    const stranger = { ...fakeWebviewPanel().panel, dispose: () => void disposed++ };
    await serializer!.deserializeWebviewPanel(stranger, { a: { imagePath: '/etc/shadow' }, b: { imagePath: '/i/b.png', modelPath: '/tmp/evil.onnx' } });
    await serializer!.deserializeWebviewPanel(stranger, 'not a state');
    expect(disposed).toBe(2);
    manager.dispose();
  });
});

describe('Compare with… from a model file (the end of a training)', () => {
  it('asks for an image near the trained folder, and opens nothing when the user backs out', async () => {
    const vscode = await import('vscode');
    const uri = (p: string) => vscode.Uri.file(p);
    let opened = 0;
    const manager = { open: async () => void opened++ } as unknown as CompareManager;
    await compareWith(services, manager, uri('/work/trainset/.rcnn-lens/models/new.onnx'), uri('/work/trainset'));
    expect(openDialogs).toHaveLength(1);
    expect(String(openDialogs[0].title)).toMatch(/compare new\.onnx with the current model/);
    expect((openDialogs[0].defaultUri as { fsPath: string }).fsPath).toBe('/work/trainset');
    expect(opened).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('Compare with… on two images selected together', () => {
  it('compares them at once, without a picker', async () => {
    const vscode = await import('vscode');
    const opened: unknown[][] = [];
    const manager = { open: async (...args: unknown[]) => void opened.push(args) } as unknown as CompareManager;
    const [a, b] = [vscode.Uri.file('/i/cat.png'), vscode.Uri.file('/i/dog.jpg')];
    await compareWith(services, manager, a, [a, b]);
    expect(opened).toEqual([[{ imagePath: '/i/cat.png' }, { imagePath: '/i/dog.jpg' }]]);
    expect(openDialogs).toEqual([]);
  });
});
