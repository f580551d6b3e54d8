/**
 * The host's own record of which panels it opened, most recent first, kept in workspaceState.
 * A serializer restores only what is on it: a webview's saved state comes from the webview and
 * must not choose files to decode or models to load by itself.
 */
import type * as vscode from 'vscode';

export class OpenedRecord {
  constructor(
    private readonly memento: vscode.Memento,
    private readonly key: string,
    private readonly max: number,
  ) {}

  has(item: string): boolean {
    return this.list().includes(item);
  }

  list(): string[] {
    return this.memento.get<string[]>(this.key, []);
  }

  async remember(item: string): Promise<void> {
    await this.memento.update(this.key, [item, ...this.list().filter((k) => k !== item)].slice(0, this.max));
  }
}
