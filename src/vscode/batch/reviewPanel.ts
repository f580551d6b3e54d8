/**
 * The review gallery panel: shows a labels file's records grouped by label, takes keyboard
 * reviews and writes them back into the labels file (batched, atomic), opens the classify
 * panel for an image. One panel per labels file; restored after a reload by the serializer.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readLabelsFile } from '../../core/labelsFile/read';
import { type ReviewChange, type ReviewOutcome, applyReviews } from '../../core/batch/review';
import { formatOf } from '../../core/labelsFile/records';
import { isLocked } from '../../core/folder/lock';
import { recordPath as recordFile } from '../../core/folder/safePath';
import { labelsFilesWith } from '../../core/folder/runState';
import type { ThumbnailMaker } from '../../core/batch/thumbs';
import { receiveChecked, replier, toWireError, type WireError } from '../../shared/messaging';
import {
  REVIEW_VIEW_TYPE,
  type HostToReview,
  type ReviewItem,
  type ReviewResponses,
  type ReviewState,
  type ReviewToHost,
} from '../../shared/reviewProtocol';
import type { ExtensionServices } from '../services';
import { fileStamp } from '../../core/util/fileStamp';
import { ModelLabelsCache } from './modelLabels';
import { int8VariantPath } from '../../core/model/variants';
import { renderReviewHtml } from './reviewHtml';
import { ReviewVocabulary, parseReviewMessage } from './reviewMessages';
import { ReviewWriteQueue, UnknownReviewPathsError } from './reviewWriteQueue';
import { moveToPredictedClassFolder } from '../../core/labeling/acceptPrediction';

const answer = replier<ReviewResponses>();

/** A refused or lost correction says why in the closed set of codes. */
function saveError(err: unknown): WireError {
  if (err instanceof RefusedChangeError) return { code: 'bad_request', message: err.message };
  if (err instanceof UnknownReviewPathsError) return { code: 'stale', message: err.message };
  return toWireError(err, 'io');
}

class RefusedChangeError extends Error {}

/** Shared by every review panel: the model file is hashed once per version, not per refresh. */
const modelLabelsCache = new ModelLabelsCache();

/** What refresh() derives from the labels file, kept while the file's size and modification time stay the same. */
interface LabelsSnapshot {
  version: string;
  items: ReviewItem[];
  /** Every label the records' top-k lists name, sorted. */
  topkLabels: string[];
  model: { name: string; hash: string } | undefined;
}

export class ReviewPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly writes: ReviewWriteQueue;
  /** The records and labels last sent to the webview: all its messages may name. */
  private vocabulary = ReviewVocabulary.empty;
  private snapshot: LabelsSnapshot | undefined;
  private disposed = false;
  readonly onDispose = new vscode.EventEmitter<void>();

  static options(services: ExtensionServices, folder: string): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableForms: false,
      retainContextWhenHidden: false,
      // The labeled folder and the extension's media and webview bundle: nothing else.
      localResourceRoots: [
        vscode.Uri.file(folder),
        vscode.Uri.joinPath(services.extensionUri, 'media'),
        vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview'),
      ],
    };
  }

  static create(services: ExtensionServices, state: ReviewState, thumbs?: ThumbnailMaker): ReviewPanel {
    const panel = vscode.window.createWebviewPanel(
      REVIEW_VIEW_TYPE,
      `Review: ${path.basename(state.folder)}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      ReviewPanel.options(services, state.folder),
    );
    return new ReviewPanel(panel, services, state, thumbs);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: ExtensionServices,
    readonly state: ReviewState,
    private readonly thumbs?: ThumbnailMaker,
  ) {
    this.writes = new ReviewWriteQueue(state.labelsFile, (changes) => this.writeBatch(changes));
    panel.webview.options = ReviewPanel.options(services, state.folder);
    panel.title = `Review: ${path.basename(state.folder)}`;
    panel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.png');
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = renderReviewHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview', 'review.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(services.extensionUri, 'media', 'review.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.onRawMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(msg: HostToReview): void {
    if (!this.disposed) void this.panel.webview.postMessage(msg);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Re-reads the labels file (unless unchanged since the last time) and sends everything to the webview. */
  async refresh(): Promise<void> {
    const { folder, labelsFile } = this.state;
    let snapshot: LabelsSnapshot;
    try {
      snapshot = await this.readSnapshot();
    } catch (err) {
      this.post({ type: 'notice', level: 'error', text: `Cannot read ${labelsFile}: ${(err as Error).message}` });
      return;
    }
    const owner = await isLocked(folder);
    const { modelPath } = this.services.currentModel();
    // A folder labeled by the model's int8 variant has the same classes, in the same order.
    const modelClasses =
      (await modelLabelsCache.labelsFor(modelPath, snapshot.model?.hash)) ??
      (snapshot.model?.hash ? await modelLabelsCache.labelsFor(int8VariantPath(modelPath), snapshot.model.hash) : undefined);
    // Class order: the model's output order is not in the file; topk labels sorted is stable.
    const classes = modelClasses ?? snapshot.topkLabels;
    this.vocabulary = new ReviewVocabulary(snapshot.items, classes);
    this.post({
      type: 'init',
      folderName: path.basename(folder),
      folder,
      labelsFile,
      classes,
      imageBase: this.panel.webview.asWebviewUri(vscode.Uri.file(folder)).toString(),
      items: snapshot.items,
      model: snapshot.model,
      readOnlyReason: owner ? `A labeling run (process ${owner.pid}) is working on this folder; corrections are disabled until it finishes.` : undefined,
    });
  }

  private async readSnapshot(): Promise<LabelsSnapshot> {
    const { labelsFile } = this.state;
    const version = await fileStamp(labelsFile);
    if (this.snapshot?.version === version) return this.snapshot;
    const records = await readLabelsFile(labelsFile, formatOf(labelsFile));
    const topkLabels = new Set<string>();
    const items: ReviewItem[] = records.map((r) => {
      for (const t of r.topk ?? []) topkLabels.add(t.label);
      return {
        path: r.path,
        label: r.label,
        score: r.score,
        entropy: r.entropy,
        margin: r.margin,
        second: r.topk?.[1]?.label,
        topk: r.topk?.map((t) => ({ label: t.label, score: t.score })),
        reviewed: r.reviewed?.label,
        error: r.error,
        given: r.given,
        suspect: r.suspect,
      };
    });
    const model = records.find((r) => r.model)?.model;
    this.snapshot = { version, items, topkLabels: [...topkLabels].sort(), model };
    return this.snapshot;
  }

  /** A message from the webview: checked, handled, and never an unhandled rejection in the host. */
  private onRawMessage(raw: unknown): void {
    receiveChecked(raw, parseReviewMessage, (m) => void this.onCheckedMessage(m), () =>
      this.services.output.warn(`review: ignored a malformed message from the review webview`),
    );
  }

  private async onCheckedMessage(message: ReviewToHost): Promise<void> {
    try {
      await this.onMessage(message);
    } catch (err) {
      this.services.output.error(`review: handling "${message.type}" failed: ${(err as Error).stack ?? err}`);
    }
  }

  private async onMessage(m: ReviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
      case 'reload':
        await this.refresh();
        return;
      case 'open': {
        const abs = this.recordFile(m.path);
        if (abs) await this.services.openClassifyPanel(vscode.Uri.file(abs));
        return;
      }
      case 'wantThumbs':
        this.sendThumbs(m.paths);
        return;
      case 'setLabels':
        await answer((msg) => this.post(msg), m, () => this.saveCorrections(m.changes), saveError);
        return;
      case 'moveToPrediction':
        await answer((msg) => this.post(msg), m, () => this.moveToPrediction(m.path), saveError);
        return;
    }
  }

  /** The absolute file of one of the review's records; undefined for any other path (never outside the folder). */
  private recordFile(relPath: string): string | undefined {
    return this.vocabulary.hasPath(relPath) ? recordFile(this.state.folder, relPath) : undefined;
  }

  /** Thumbnails made by a labeling worker (sharp), cached under .rcnn-lens/thumbs; sent as they are ready. */
  private sendThumbs(paths: readonly string[]): void {
    const { folder } = this.state;
    for (const p of paths) {
      if (!this.recordFile(p)) continue;
      const reply = (url: string | null) => this.post({ type: 'thumbs', items: [{ path: p, url }] });
      if (!this.thumbs) {
        reply(null);
        continue;
      }
      this.thumbs.thumbnail(folder, p).then(
        (file) => reply(this.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString()),
        () => reply(null),
      );
    }
  }

  /** Only changes to the review's own records, to labels it knows; resolves once they are on disk. */
  private async saveCorrections(changes: ReviewChange[]): Promise<number> {
    const refusal = this.vocabulary.refusal(changes);
    if (refusal) throw new RefusedChangeError(refusal);
    try {
      return await this.writes.enqueue(changes);
    } catch (err) {
      if (err instanceof UnknownReviewPathsError) void this.reloadAfterLostChanges(err);
      throw err;
    }
  }

  /** Moves one of the review's images into the folder of its prediction, after the corrections queued before it; then shows the file as it is. */
  private async moveToPrediction(relPath: string): Promise<number> {
    if (!this.vocabulary.hasPath(relPath)) throw new RefusedChangeError(`${relPath} is not in this labels file`);
    const { folder, labelsFile } = this.state;
    const result = await this.writes.afterWrites(() => moveToPredictedClassFolder({ folder, labelsFile, path: relPath }));
    this.services.output.info(`review: moved ${relPath} into the folder of its prediction (Undo Last Sort puts it back)`);
    await this.refresh();
    return result.sorted;
  }

  /** The gallery shows paths the file no longer has: show the file as it is now, and say what was not saved. */
  private async reloadAfterLostChanges(err: UnknownReviewPathsError): Promise<void> {
    await this.refresh();
    this.post({ type: 'notice', level: 'error', text: `Not saved: ${err.message}. The review was reloaded; make the correction again.` });
  }

  /** One batch of corrections into the labels file, and into the run's other outputs (labels.csv next to labels.jsonl). */
  private async writeBatch(changes: ReviewChange[]): Promise<ReviewOutcome> {
    const { folder, labelsFile } = this.state;
    let outcome: ReviewOutcome;
    try {
      outcome = await applyReviews(folder, labelsFile, changes);
    } catch (err) {
      this.services.output.warn(`review: could not save ${changes.length} correction(s): ${(err as Error).message}`);
      throw err;
    }
    if (outcome.unknownPaths.length) this.services.output.warn(`review: not in ${labelsFile}: ${outcome.unknownPaths.join(', ')}`);
    for (const other of await this.otherOutputs()) {
      await applyReviews(folder, other, changes).catch((err: Error) => this.services.output.warn(`review: ${other} not updated: ${err.message}`));
    }
    return outcome;
  }

  /** The last run's other outputs (state.json); for runs recorded before it, the sibling of the other format if present. */
  private async otherOutputs(): Promise<string[]> {
    const files = await labelsFilesWith(this.state.folder, this.state.labelsFile);
    if (files.length > 1) return files.slice(1);
    const sibling = this.state.labelsFile.replace(/\.(jsonl|csv)$/i, (m) => (m.toLowerCase() === '.csv' ? '.jsonl' : '.csv'));
    return sibling !== this.state.labelsFile && (await stat(sibling).catch(() => undefined)) ? [sibling] : [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
    this.onDispose.fire();
    this.onDispose.dispose();
  }
}
