import type * as vscode from 'vscode';

/** Owns child disposables and releases them together (the vscode-hexeditor pattern). */
export abstract class Disposable implements vscode.Disposable {
  private readonly children: vscode.Disposable[] = [];
  protected isDisposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this.isDisposed) d.dispose();
    else this.children.push(d);
    return d;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    while (this.children.length) this.children.pop()?.dispose();
  }
}
