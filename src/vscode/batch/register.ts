/**
 * VS Code face of batch labeling: wires Label Folder, Open Review (with the review panel
 * serializer), Sort Into Class Folders… and Undo Last Sort. Each is a Disposable class of
 * its own; this file only builds them and hands them to the extension's subscriptions.
 */
import type * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposable';
import { LabelFolderCommand } from './labelFolderCommand';
import { ReviewPanels } from './reviewPanels';
import { SortCommand, UndoSortCommand } from './sortCommands';

export { outputsFor } from './batchCommandSupport';
export { progressMessage } from './progressMessage';

export class BatchFeatures extends Disposable {
  readonly reviews: ReviewPanels;
  readonly labelFolder: LabelFolderCommand;
  readonly undoSort: UndoSortCommand;
  readonly sort: SortCommand;

  constructor(context: vscode.ExtensionContext, services: ExtensionServices) {
    super();
    this.reviews = this._register(new ReviewPanels(context, services));
    this.labelFolder = this._register(new LabelFolderCommand(context, services, this.reviews));
    this.undoSort = this._register(new UndoSortCommand(context, services, this.reviews));
    this.sort = this._register(new SortCommand(context, services, this.reviews, this.undoSort));
  }
}

export function registerBatchFeatures(context: vscode.ExtensionContext, services: ExtensionServices): void {
  context.subscriptions.push(new BatchFeatures(context, services));
}
