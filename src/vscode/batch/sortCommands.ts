/**
 * Sort Into Class Folders… and Undo Last Sort. Both refresh the folder's open reviews
 * afterwards: a move renames the records' paths, and a gallery still showing the old
 * ones would lose the next correction.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hasUndoableSort, sortIntoClassFolders, undoLastSort } from '../../core/batch/sort';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposable';
import { LAST_RUN_KEY, LAST_SORT_KEY, type LastRun, cfg, fileUriArg, pickFolder, registerReportingCommand } from './batchCommandSupport';
import type { ReviewPanels } from './reviewPanels';
import { sortDoneMessage, undoDoneMessage, type RememberedSort } from './sortMessages';

type SortMode = 'move' | 'copy';

export class UndoSortCommand extends Disposable {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: ExtensionServices,
    private readonly reviews: ReviewPanels,
  ) {
    super();
    this._register(registerReportingCommand(services, 'rcnnLens.undoLastSort', 'Undo Last Sort', (arg) => this.run(arg)));
  }

  async run(arg?: unknown): Promise<void> {
    const uri = fileUriArg(arg);
    const folder = uri ? await pickFolder(uri, 'Undo Sort Here') : await this.folderFromPalette();
    if (!folder) return;
    if (!(await hasUndoableSort(folder))) {
      void vscode.window.showInformationMessage(`There is no sort to undo in ${path.basename(folder)}.`);
      return;
    }
    try {
      const r = await undoLastSort(folder);
      if (!r.journal) {
        void vscode.window.showInformationMessage(`There is no sort to undo in ${path.basename(folder)}.`);
        return;
      }
      this.services.output.info(
        `label: undo: restored ${r.restored} file(s) in ${folder}${r.problems.length ? `; problems: ${r.problems.join('; ')}` : ''}${r.warnings.length ? `; notes: ${r.warnings.join('; ')}` : ''}`,
      );
      if (r.problems.length) void vscode.window.showWarningMessage(`Restored ${r.restored} file(s); ${r.problems.length} could not be restored (see the log).`);
      else {
        const kept = r.warnings.length ? ` ${r.warnings.length} class folder(s) with files added since the sort were kept (see the log).` : '';
        const remembered = this.context.workspaceState.get<RememberedSort>(LAST_SORT_KEY);
        void vscode.window.showInformationMessage(`${undoDoneMessage(folder, r.journal, r.restored, remembered)}${kept}`);
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Undo failed: ${(err as Error).message}`);
    } finally {
      await this.reviews.refreshFolder(folder);
    }
  }

  /** From the palette: the last run's folder when it has a sort to undo, else a folder the user picks. */
  private async folderFromPalette(): Promise<string | undefined> {
    const last = this.context.workspaceState.get<LastRun>(LAST_RUN_KEY)?.folder;
    if (last && (await hasUndoableSort(last))) return last;
    return pickFolder(undefined, 'Undo Sort Here');
  }
}

export class SortCommand extends Disposable {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: ExtensionServices,
    private readonly reviews: ReviewPanels,
    private readonly undo: UndoSortCommand,
  ) {
    super();
    this._register(registerReportingCommand(services, 'rcnnLens.sortIntoClassFolders', 'Sort Into Class Folders', (arg) => this.run(arg)));
  }

  async run(arg?: unknown): Promise<void> {
    const folderArg = fileUriArg(arg) ?? (await pickFolder(undefined, 'Sort This Folder').then((f) => (f ? vscode.Uri.file(f) : undefined)));
    if (!folderArg) return; // the picker was cancelled: so is the sort
    const { folder, labelsFile } = await this.reviews.reviewOf(folderArg);
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Move', description: `into ${path.basename(folder)}/<class>/`, value: 'move' as const },
        { label: 'Copy', description: `into ${path.basename(folder)}-sorted/<class>/`, value: 'copy' as const },
      ],
      { title: 'Sort into class folders (ImageFolder layout); Undo Last Sort restores the layout', placeHolder: 'Move or copy the images?' },
    );
    if (!mode) return;
    const threshold = cfg().get<number>('label.reviewThreshold', 0);
    let r;
    try {
      r = await this.sort(folder, labelsFile, mode.value, threshold);
    } catch (err) {
      await this.reviews.refreshFolder(folder); // a sort that stopped part way has moved some files already
      void vscode.window.showErrorMessage(`Sorting failed: ${(err as Error).message}`);
      return;
    }
    await this.reviews.refreshFolder(folder);
    this.services.output.info(`label: sorted ${r.sorted} file(s) of ${folder} into ${r.dest} (${mode.value}); journal ${r.journal}`);
    const remembered: RememberedSort = { folder, journal: r.journal, mode: mode.value, dest: r.dest, sorted: r.sorted };
    await this.context.workspaceState.update(LAST_SORT_KEY, remembered);
    const c = await vscode.window.showInformationMessage(sortDoneMessage(remembered, threshold), 'Undo');
    if (c === 'Undo') await this.undo.run(vscode.Uri.file(folder));
  }

  private sort(folder: string, labelsFile: string, mode: SortMode, reviewThreshold: number) {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Sorting ${path.basename(folder)}`, cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let last = 0;
        return sortIntoClassFolders({
          folder,
          labelsFile,
          mode,
          reviewThreshold,
          signal: controller.signal,
          onProgress: (done, total) => {
            const pct = (100 * done) / Math.max(1, total);
            if (pct - last >= 1) {
              progress.report({ message: `${done} / ${total}`, increment: pct - last });
              last = pct;
            }
          },
        });
      },
    );
  }
}
