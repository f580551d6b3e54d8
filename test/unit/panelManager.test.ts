/**
 * Opening the classify panel twice for one image (a double-click in the review gallery)
 * must end with one tracked panel, even while the workspace memento is slow to save.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ClassifierBackend } from '../../src/vscode/panel/classifierBackend';
import { PanelManager } from '../../src/vscode/panel/panelManager';
import type { ExtensionServices } from '../../src/vscode/services';

const created: string[] = [];

vi.mock('vscode', () => ({
  ViewColumn: { Beside: -2 },
  window: { registerWebviewPanelSerializer: () => ({ dispose: () => undefined }) },
}));

vi.mock('../../src/vscode/panel/classifyPanel', () => {
  class FakeClassifyPanel {
    readonly panel = { viewColumn: 1 };
    reveals = 0;
    constructor(readonly image: { toString(): string }) {}
    static create(_services: unknown, _backend: unknown, image: { toString(): string }) {
      created.push(image.toString());
      return new FakeClassifyPanel(image);
    }
    reveal(): void {
      this.reveals++;
    }
    async classify(): Promise<boolean> {
      return true;
    }
    onDidDispose(): { dispose(): void } {
      return { dispose: () => undefined };
    }
    dispose(): void {}
  }
  return { ClassifyPanel: FakeClassifyPanel };
});

/** A memento whose update takes as long as the test wants. */
function slowMemento() {
  const values = new Map<string, unknown>();
  const pending: Array<() => void> = [];
  return {
    pending,
    memento: {
      get: <T>(key: string, fallback?: T) => (values.has(key) ? values.get(key) : fallback) as T,
      update: (key: string, value: unknown) =>
        new Promise<void>((resolve) =>
          pending.push(() => {
            values.set(key, value);
            resolve();
          }),
        ),
      keys: () => [...values.keys()],
    },
  };
}

describe('classify panels', () => {
  it('one panel per image, even when the second open comes before the memento is saved', async () => {
    const { memento, pending } = slowMemento();
    const services = { output: { warn: () => undefined } } as unknown as ExtensionServices;
    const manager = new PanelManager(services, {} as ClassifierBackend, memento as never);
    const image = { fsPath: '/images/cat.png', toString: () => 'file:///images/cat.png' };
    const first = manager.open(image as never);
    const second = manager.open(image as never);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(created).toEqual(['file:///images/cat.png']);
    for (const finish of pending) finish();
    expect(memento.get('rcnnLens.openedPanelImages')).toEqual(['/images/cat.png']);
  });
});
