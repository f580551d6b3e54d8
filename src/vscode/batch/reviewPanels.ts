/**
 * The open review panels, one per labels file: Open Review, the serializer that restores
 * them after a reload, and the refresh after a sort or undo renamed a folder's paths.
 * Owns the thumbnail worker the panels share.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lastRunOutputs } from '../../core/folder/runState';
import { ThumbnailMaker } from '../../core/batch/thumbs';
import { REVIEW_VIEW_TYPE, type ReviewState } from '../../shared/reviewProtocol';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposable';
import { LAST_RUN_KEY, type LastRun, fileUriArg, isDirectory, outputsFor, registerReportingCommand } from './batchCommandSupport';
import { labeledFolderOf } from './labeledFolder';
import { ReviewPanel } from './reviewPanel';
import { OPENED_REVIEWS_KEY, rememberReview, restorableReview } from './reviewRestore';

export class ReviewPanels extends Disposable {
  private readonly panels = new Map<string, ReviewPanel>();
  /** Review thumbnails: made by a labeling worker process (sharp), never on the extension host. */
  private readonly thumbs: ThumbnailMaker;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: ExtensionServices,
  ) {
    super();
    this.thumbs = this._register(new ThumbnailMaker({ script: services.distPath('labelWorker.js') }));
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
    this._register(registerReportingCommand(services, 'rcnnLens.openReview', 'Open Review', (arg) => this.openReviewCommand(arg)));
    this._register(
      vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => this.restore(panel, state),
      }),
    );
  }

  /** Opens (or reveals and refreshes) the review of a labels file. */
  async open(state: ReviewState): Promise<void> {
    // Remember what the host opened: only these are restored after a reload. Not awaited
    // before the lookup, so a second open of the same file finds the panel the first made.
    const { workspaceState } = this.context;
    const remembered = workspaceState.update(OPENED_REVIEWS_KEY, rememberReview(workspaceState.get<ReviewState[]>(OPENED_REVIEWS_KEY), state));
    const existing = this.panels.get(state.labelsFile);
    if (existing) {
      existing.reveal();
      await existing.refresh();
    } else {
      this.track(ReviewPanel.create(this.services, state, this.thumbs));
    }
    await remembered;
  }

  /** Review panels of `folder` show its labels file as it is now (a sort or undo renamed its paths). */
  async refreshFolder(folder: string): Promise<void> {
    for (const p of [...this.panels.values()]) {
      if (path.resolve(p.state.folder) !== path.resolve(folder)) continue;
      await p.refresh().catch((err: Error) => this.services.output.warn(`review: refresh of ${p.state.labelsFile} failed: ${err.message}`));
    }
  }

  /** The review of a labels file, or of a folder's last run (its current settings if none is recorded). */
  async reviewOf(target: vscode.Uri): Promise<ReviewState> {
    if (!(await isDirectory(target))) return { folder: await labeledFolderOf(target.fsPath), labelsFile: target.fsPath };
    // The last run's labels file (state.json), whatever the settings say now.
    const last = await lastRunOutputs(target.fsPath);
    return { folder: target.fsPath, labelsFile: last?.[0]?.file ?? outputsFor(target.fsPath)[0].file };
  }

  private async openReviewCommand(arg?: unknown): Promise<void> {
    const uri = fileUriArg(arg);
    const state = uri ? await this.reviewOf(uri) : await this.reviewFromPalette();
    if (state) await this.open(state);
  }

  /** From the palette: the last run of this workspace, else a labels file the user picks. */
  private async reviewFromPalette(): Promise<ReviewState | undefined> {
    const last = this.context.workspaceState.get<LastRun>(LAST_RUN_KEY);
    if (last) return last;
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      filters: { Labels: ['jsonl', 'csv'] },
      openLabel: 'Open Review',
    });
    return picked?.[0] ? this.reviewOf(picked[0]) : undefined;
  }

  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    // The webview's state is not trusted: restore only a review this host opened itself.
    const s = restorableReview(this.context.workspaceState.get<ReviewState[]>(OPENED_REVIEWS_KEY), state);
    if (!s) {
      panel.dispose();
      return;
    }
    this.track(new ReviewPanel(panel, this.services, s, this.thumbs));
  }

  private track(panel: ReviewPanel): void {
    this.panels.set(panel.state.labelsFile, panel);
    panel.onDispose.event(() => {
      if (this.panels.get(panel.state.labelsFile) === panel) this.panels.delete(panel.state.labelsFile);
    });
  }
}
