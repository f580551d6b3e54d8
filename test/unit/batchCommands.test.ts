/**
 * The batch commands as Disposable classes, on a fake `vscode`: what they register and
 * release, how a command reports a failure, and a sort undone from its notification with
 * the folder's open reviews refreshed after each step.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import * as vscode from 'vscode';
import { outputsFor } from '../../src/vscode/batch/batchCommandSupport';
import { BatchFeatures } from '../../src/vscode/batch/register';
import type { ExtensionServices } from '../../src/vscode/services';
import { tmpDir } from '../fixtures/hostile/helpers';

/** What the fake vscode saw, and the answers its dialogs give. */
const fake = vi.hoisted(() => ({
  commands: new Map<string, (arg?: unknown) => Promise<void>>(),
  serializers: new Map<string, unknown>(),
  shown: [] as Array<{ level: string; text: string }>,
  answers: { quickPick: undefined as unknown, info: undefined as string | undefined, openDialog: undefined as unknown },
  missing: new Set<string>(),
}));

vi.mock('vscode', async () => {
  const { FakeEventEmitter } = await import('../fixtures/vscodeFake');
  class Uri {
    readonly scheme = 'file';
    constructor(readonly fsPath: string) {}
    get path() {
      return this.fsPath;
    }
    static file(p: string) {
      return new Uri(p);
    }
    static joinPath(base: Uri, ...parts: string[]) {
      return new Uri([base.fsPath, ...parts].join('/'));
    }
    toString() {
      return `file://${this.fsPath}`;
    }
  }
  class FileSystemError extends Error {
    constructor(readonly code: string) {
      super(code);
    }
  }
  const disposable = (onDispose: () => void) => ({ dispose: onDispose });
  const show = (level: string) => async (text: string) => {
    fake.shown.push({ level, text });
    return level === 'info' ? fake.answers.info : undefined;
  };
  return {
    EventEmitter: FakeEventEmitter,
    Uri,
    FileSystemError,
    FileType: { File: 1, Directory: 2 },
    ProgressLocation: { Notification: 15 },
    commands: {
      registerCommand: (id: string, run: (arg?: unknown) => Promise<void>) => {
        fake.commands.set(id, run);
        return disposable(() => fake.commands.delete(id));
      },
      executeCommand: async () => undefined,
    },
    window: {
      registerWebviewPanelSerializer: (viewType: string, s: unknown) => {
        fake.serializers.set(viewType, s);
        return disposable(() => fake.serializers.delete(viewType));
      },
      showErrorMessage: show('error'),
      showWarningMessage: show('warning'),
      showInformationMessage: show('info'),
      showQuickPick: async () => fake.answers.quickPick,
      showOpenDialog: async () => fake.answers.openDialog,
      withProgress: (_o: unknown, task: (p: unknown, t: unknown) => unknown) =>
        task({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) }),
    },
    workspace: {
      isTrusted: true,
      workspaceFolders: [],
      getConfiguration: () => ({ get: (_k: string, d: unknown) => d, inspect: () => undefined }),
      fs: {
        stat: async (uri: Uri) => {
          if (fake.missing.has(uri.fsPath)) throw new FileSystemError('FileNotFound');
          return { type: existsSync(uri.fsPath) && !/\.\w+$/.test(uri.fsPath) ? 2 : 1 };
        },
      },
    },
  };
});


function memento() {
  const values = new Map<string, unknown>();
  return { get: <T>(k: string) => values.get(k) as T | undefined, update: async (k: string, v: unknown) => void values.set(k, v), keys: () => [...values.keys()] };
}

function setup() {
  const logged: string[] = [];
  const output = { info: (l: string) => logged.push(l), warn: (l: string) => logged.push(l), error: (l: string) => logged.push(l), show: () => undefined };
  const services = {
    extensionUri: vscode.Uri.file('/ext'),
    output,
    distPath: (f: string) => `/ext/dist/${f}`,
    currentModel: () => ({ modelPath: '/m/model.onnx', provider: 'cpu' }),
  } as unknown as ExtensionServices;
  const context = { workspaceState: memento(), subscriptions: [] as Array<{ dispose(): void }> } as unknown as vscode.ExtensionContext;
  const features = new BatchFeatures(context, services);
  return { features, context, logged };
}

beforeEach(() => {
  fake.shown.length = 0;
  fake.missing.clear();
  fake.answers = { quickPick: undefined, info: undefined, openDialog: undefined };
});

describe('batch commands as Disposable classes', () => {
  it('register the four commands and the review serializer, and release them all on dispose', () => {
    const { features } = setup();
    expect([...fake.commands.keys()].sort()).toEqual(['rcnnLens.labelFolder', 'rcnnLens.openReview', 'rcnnLens.sortIntoClassFolders', 'rcnnLens.undoLastSort']);
    expect([...fake.serializers.keys()]).toEqual(['rcnnLens.reviewPanel']);
    features.dispose();
    expect(fake.commands.size).toBe(0);
    expect(fake.serializers.size).toBe(0);
  });

  it('a command on a folder that is gone says so with its name, not as a generic failure', async () => {
    const { features } = setup();
    fake.missing.add('/gone/folder');
    await fake.commands.get('rcnnLens.labelFolder')!(vscode.Uri.file('/gone/folder'));
    expect(fake.shown).toEqual([{ level: 'error', text: 'Label Folder: /gone/folder does not exist (moved or deleted?).' }]);
    expect(features.labelFolder.isRunning('/gone/folder')).toBe(false);
    features.dispose();
  });

  it('the restore of a review this host did not open closes the panel instead', async () => {
    const { features } = setup();
    let disposed = 0;
    const serializer = fake.serializers.get('rcnnLens.reviewPanel') as { deserializeWebviewPanel(p: unknown, s: unknown): Promise<void> };
    await serializer.deserializeWebviewPanel({ dispose: () => disposed++ }, { folder: '/etc', labelsFile: '/etc/passwd' });
    expect(disposed).toBe(1);
    features.dispose();
  });

  it('Undo Last Sort on a folder without a sort says there is nothing to undo', async () => {
    const { features } = setup();
    const folder = tmpDir('rl-cmd-undo-');
    await fake.commands.get('rcnnLens.undoLastSort')!(vscode.Uri.file(folder));
    expect(fake.shown).toEqual([{ level: 'info', text: `There is no sort to undo in ${path.basename(folder)}.` }]);
    features.dispose();
  });

  it('a sort moves the files, refreshes the reviews, and its Undo button restores the layout', async () => {
    const { features, context } = setup();
    const folder = tmpDir('rl-cmd-sort-');
    const model = { name: 'm', hash: '0123456789abcdef' };
    const records: LabelRecord[] = ['a.jpg', 'b.jpg'].map((p, i) => ({ path: p, label: i ? 'dog' : 'cat', score: 0.9, topk: [{ label: i ? 'dog' : 'cat', score: 0.9 }], model, size: 1, mtime: 1 }));
    for (const r of records) writeFileSync(path.join(folder, r.path), 'x');
    writeFileSync(outputsFor(folder)[0].file, records.map((r) => toJsonLine(r) + '\n').join(''));
    const refreshed: string[] = [];
    const refreshFolder = features.reviews.refreshFolder.bind(features.reviews);
    features.reviews.refreshFolder = async (f: string) => {
      refreshed.push(f);
      await refreshFolder(f);
    };
    fake.answers.quickPick = { label: 'Move', value: 'move' };
    fake.answers.info = 'Undo';
    await fake.commands.get('rcnnLens.sortIntoClassFolders')!(vscode.Uri.file(folder));
    // Sorted into cat/ and dog/, then undone from the notification: the files are back.
    expect(fake.shown[0]).toMatchObject({ level: 'info' });
    expect(fake.shown.at(-1)).toMatchObject({ level: 'info', text: expect.stringContaining('2') });
    expect(readFileSync(path.join(folder, 'a.jpg'), 'utf8')).toBe('x');
    expect(existsSync(path.join(folder, 'cat', 'a.jpg'))).toBe(false);
    expect(refreshed).toEqual([folder, folder]);
    expect(context.workspaceState.get('rcnnLens.batch.lastSort')).toMatchObject({ folder, mode: 'move', sorted: 2 });
    features.dispose();
  });
});
