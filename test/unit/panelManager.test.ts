/**
 * Opening the classify panel twice for one image (a double-click in the review gallery)
 * must end with one tracked panel, even while the workspace memento is slow to save; a
 * further image goes to the open panel unless rcnnLens.panel.reuse is off.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ClassifierBackend } from '../../src/vscode/panel/classifierBackend';
import { PanelManager } from '../../src/vscode/panel/panelManager';
import type { ExtensionServices } from '../../src/vscode/services';

const created: string[] = [];
const settings = new Map<string, unknown>();

vi.mock('vscode', () => ({
  ViewColumn: { Beside: -2 },
  window: { registerWebviewPanelSerializer: () => ({ dispose: () => undefined }) },
  workspace: {
    getConfiguration: () => ({ get: (key: string, fallback: unknown) => (settings.has(key) ? settings.get(key) : fallback) }),
  },
}));

vi.mock('../../src/vscode/panel/classifyPanel', () => {
  class FakeClassifyPanel {
    readonly panel = { viewColumn: 1, active: false };
    reveals = 0;
    shown: string[] = [];
    constructor(public image: { toString(): string }) {}
    showImage(image: { toString(): string }): void {
      this.image = image;
      this.shown.push(image.toString());
    }
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

  it('a further image goes to the open panel (no new webview), or to a new one with panel.reuse off', async () => {
    created.length = 0;
    const services = { output: { warn: () => undefined } } as unknown as ExtensionServices;
    const uri = (name: string) => ({ fsPath: `/images/${name}`, toString: () => `file:///images/${name}` });
    const reusing = new PanelManager(services, {} as ClassifierBackend, slowMemento().memento as never);
    await reusing.open(uri('cat.png') as never);
    await reusing.open(uri('dog.png') as never);
    expect(created).toEqual(['file:///images/cat.png']);
    // the panel is now found under its new image: opening dog.png again only reveals it
    await reusing.open(uri('dog.png') as never);
    expect(created).toEqual(['file:///images/cat.png']);

    created.length = 0;
    settings.set('panel.reuse', false);
    const separate = new PanelManager(services, {} as ClassifierBackend, slowMemento().memento as never);
    await separate.open(uri('cat.png') as never);
    await separate.open(uri('dog.png') as never);
    expect(created).toEqual(['file:///images/cat.png', 'file:///images/dog.png']);
    settings.clear();
  });
});
