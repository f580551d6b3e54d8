/**
 * The review gallery panel: shows a labels file's records grouped by label, takes keyboard
 * reviews and writes them back into the labels file (batched, atomic), opens the classify
 * panel for an image. One panel per labels file; restored after a reload by the serializer.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readLabelsFile } from '../../core/batch/pipeline';
import { type ReviewChange, applyReviews } from '../../core/batch/review';
import { formatOf } from '../../core/batch/records';
import { isLocked } from '../../core/batch/lock';
import { labelsFilesWith } from '../../core/batch/runState';
import type { ThumbnailMaker } from '../../core/batch/thumbs';
import { answer } from '../../shared/rpc';
import {
  REVIEW_VIEW_TYPE,
  type HostToReview,
  type ReviewItem,
  type ReviewState,
  type ReviewToHost,
} from '../../shared/reviewProtocol';
import type { ExtensionServices } from '../services';
import { renderReviewHtml } from './reviewHtml';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { readOnnxHeader } from '../../core/model/onnxProto';

/** The class list in model output order (digit keys follow it), if the current model made these labels. */
async function modelLabels(modelPath: string, hash: string | undefined): Promise<string[] | undefined> {
  try {
    const bytes = await readFile(modelPath);
    if (hash && createHash('sha256').update(bytes).digest('hex').slice(0, 16) !== hash) return undefined;
    const labels = JSON.parse(readOnnxHeader(bytes).metadata['rcnn_lens.labels'] ?? 'null');
    return Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : undefined;
  } catch {
    return undefined;
  }
}

export class ReviewPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private pending: ReviewChange[] = [];
  private flushing: Promise<void> = Promise.resolve();
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
      panel.webview.onDidReceiveMessage((m: ReviewToHost) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(msg: HostToReview): void {
    if (!this.disposed) void this.panel.webview.postMessage(msg);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Re-reads the labels file and sends everything to the webview. */
  async refresh(): Promise<void> {
    const { folder, labelsFile } = this.state;
    let records;
    try {
      records = await readLabelsFile(labelsFile, formatOf(labelsFile));
    } catch (err) {
      this.post({ type: 'notice', level: 'error', text: `Cannot read ${labelsFile}: ${(err as Error).message}` });
      return;
    }
    const classes: string[] = [];
    const seen = new Set<string>();
    const items: ReviewItem[] = records.map((r) => {
      for (const t of r.topk ?? []) if (!seen.has(t.label)) seen.add(t.label);
      return {
        path: r.path,
        label: r.label,
        score: r.score,
        entropy: r.entropy,
        margin: r.margin,
        second: r.topk?.[1]?.label,
        reviewed: r.reviewed?.label,
        error: r.error,
      };
    });
    // Class order: the model's output order is not in the file; topk labels sorted is stable.
    classes.push(...[...seen].sort());
    const model = records.find((r) => r.model)?.model;
    const owner = await isLocked(folder);
    this.post({
      type: 'init',
      folderName: path.basename(folder),
      folder,
      labelsFile,
      classes: (await modelLabels(this.services.currentModel().modelPath, model?.hash)) ?? classes,
      imageBase: this.panel.webview.asWebviewUri(vscode.Uri.file(folder)).toString(),
      items,
      model,
      readOnlyReason: owner ? `A labeling run (process ${owner.pid}) is working on this folder; corrections are disabled until it finishes.` : undefined,
    });
  }

  private async onMessage(m: ReviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
      case 'reload':
        await this.refresh();
        return;
      case 'open': {
        const abs = path.join(this.state.folder, ...m.path.split('/'));
        const rel = path.relative(this.state.folder, abs);
        if (rel.startsWith('..') || path.isAbsolute(rel)) return; // never outside the folder
        await this.services.openClassifyPanel(vscode.Uri.file(abs));
        return;
      }
      case 'wantThumbs':
        this.sendThumbs(m.paths);
        return;
      case 'setLabels':
        await answer((msg) => this.post(msg), m.requestId, () => this.enqueue(m.changes));
        return;
    }
  }

  /** Thumbnails made by a labeling worker (sharp), cached under .rcnn-lens/thumbs; sent as they are ready. */
  private sendThumbs(paths: unknown): void {
    if (!Array.isArray(paths)) return;
    const { folder } = this.state;
    for (const p of paths.slice(0, 500)) {
      if (typeof p !== 'string') continue;
      const abs = path.join(folder, ...p.split('/'));
      const rel = path.relative(folder, abs);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue; // never outside the folder
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

  /** Corrections are written in batches: one atomic rewrite covers every key press since the last. */
  private enqueue(changes: ReviewChange[]): Promise<number> {
    this.pending.push(...changes);
    const run = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = [];
      if (!batch.length) return 0;
      try {
        const n = await applyReviews(this.state.folder, this.state.labelsFile, batch);
        // "both" formats: keep every output of the last run (labels.csv next to labels.jsonl) in step.
        for (const other of await this.otherOutputs()) {
          await applyReviews(this.state.folder, other, batch).catch((err: Error) =>
            this.services.output.warn(`review: ${other} not updated: ${err.message}`),
          );
        }
        return n;
      } catch (err) {
        this.services.output.warn(`review: could not save ${batch.length} correction(s): ${(err as Error).message}`);
        this.post({ type: 'notice', level: 'error', text: `Not saved: ${(err as Error).message}` });
        throw err;
      }
    });
    this.flushing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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
