/**
 * VS Code face of batch labeling: Label Folder (progress notification with count, rate,
 * ETA and Cancel; decoding and inference in worker processes, so the host stays
 * responsive), Open Review, Sort Into Class Folders…, Undo Last Sort, and the review
 * panel serializer.
 */
import { CUDA_LIBS_ENV } from '../../core/runtime/cudaLibraries';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LockedError } from '../../core/batch/lock';
import {
  CancelledError,
  ForeignOutputError,
  type LabelProgress,
  type OutputSpec,
  assertWritableOutputs,
  runLabelJob,
} from '../../core/batch/pipeline';
import { OutputPathError, resolveOutputs } from '../../core/batch/outputs';
import { formatOf } from '../../core/batch/records';
import { lastRunOutputs } from '../../core/batch/runState';
import { ThumbnailMaker } from '../../core/batch/thumbs';
import { hasUndoableSort, sortIntoClassFolders, undoLastSort } from '../../core/batch/sort';
import { REVIEW_VIEW_TYPE, type ReviewState } from '../../shared/reviewProtocol';
import type { ExtensionServices } from '../services';
import { labelOutputSettings, labelPrecisionSetting, labelScanSettings, maxPixelsSetting, topKSetting } from '../settings';
import { type LabelModelChoice, PrecisionError, chooseLabelModel } from '../../core/model/variants';
import { labeledFolderOf } from './labeledFolder';
import { ReviewPanel } from './reviewPanel';
import { OPENED_REVIEWS_KEY, rememberReview, restorableReview } from './reviewRestore';
import { sortDoneMessage, undoDoneMessage, type RememberedSort } from './sortMessages';

const LAST_RUN_KEY = 'rcnnLens.batch.lastRun';
const LAST_SORT_KEY = 'rcnnLens.batch.lastSort';

interface LastRun {
  folder: string;
  labelsFile: string;
}

function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('rcnnLens');
}

/** The configured outputs, inside `folder` (OutputPathError otherwise); an untrusted workspace's own value is ignored. */
export function outputsFor(folder: string): OutputSpec[] {
  const { file, format } = labelOutputSettings();
  return resolveOutputs(folder, file, format);
}

function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.ceil(s)} s left`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s left` : `${Math.floor(m / 60)} h ${m % 60} min left`;
}

export function progressMessage(p: LabelProgress): string {
  switch (p.phase) {
    case 'starting':
    case 'scanning':
      return p.scanned ? `Scanning the folder… ${p.scanned.toLocaleString('en-US')} images so far` : 'Scanning the folder…';
    case 'hashing':
      return `Checking ${(p.hashed ?? 0).toLocaleString('en-US')} / ${(p.hashTotal ?? 0).toLocaleString('en-US')} files with a new modification time by content…`;
    case 'loading':
      return `Loading the model (${p.total.toLocaleString('en-US')} images to label${p.reused ? `, ${p.reused.toLocaleString('en-US')} unchanged` : ''})…`;
    case 'writing':
      return 'Writing the labels file…';
    case 'done':
      return 'Done';
    default: {
      const parts = [`${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} images`];
      if (p.rate > 0) parts.push(`${p.rate.toFixed(0)} img/s`);
      const eta = formatEta(p.etaSeconds);
      if (eta) parts.push(eta);
      if (p.errors) parts.push(`${p.errors} error${p.errors === 1 ? '' : 's'}`);
      if (p.reused) parts.push(`${p.reused.toLocaleString('en-US')} unchanged`);
      return parts.join(' · ');
    }
  }
}

/** A failure to show as it is: the message already says what went wrong, in the user's terms. */
class UserFacingError extends Error {}

/** Whether `uri` is a folder; a target that is gone is a UserFacingError, not VS Code's generic "command failed". */
async function isDirectory(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') throw new UserFacingError(`${uri.fsPath} does not exist (moved or deleted?).`);
    throw err;
  }
}

async function pickFolder(arg: unknown, title: string): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && arg.scheme === 'file') return (await isDirectory(arg)) ? arg.fsPath : path.dirname(arg.fsPath);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: folders[0]?.uri,
    openLabel: title,
  });
  return picked?.[0]?.fsPath;
}

export function registerBatchFeatures(context: vscode.ExtensionContext, services: ExtensionServices): void {
  const running = new Map<string, AbortController>();
  const panels = new Map<string, ReviewPanel>();
  // Review thumbnails: made by a labeling worker process (sharp), never on the extension host.
  const thumbs = new ThumbnailMaker({ script: services.distPath('labelWorker.js') });
  const log = (line: string) => services.output.info(`label: ${line}`);

  /** A command body whose unexpected failures are logged and shown with the command's name. */
  const reportingFailures =
    (title: string, body: (arg?: unknown) => Promise<void>) =>
    async (arg?: unknown): Promise<void> => {
      try {
        await body(arg);
      } catch (err) {
        if (err instanceof UserFacingError || err instanceof OutputPathError) {
          void vscode.window.showErrorMessage(`${title}: ${err.message}`);
          return;
        }
        services.output.error(`label: ${title} failed: ${(err as Error).stack ?? err}`);
        void vscode.window.showErrorMessage(`${title} failed: ${(err as Error).message}`, 'Show Log').then((c) => {
          if (c) services.output.show(true);
        });
      }
    };

  /** Review panels of `folder` show its labels file as it is now (a sort or undo renamed its paths). */
  const refreshReviewsOf = async (folder: string): Promise<void> => {
    for (const p of [...panels.values()]) {
      if (path.resolve(p.state.folder) !== path.resolve(folder)) continue;
      await p.refresh().catch((err: Error) => services.output.warn(`review: refresh of ${p.state.labelsFile} failed: ${err.message}`));
    }
  };

  const openReview = async (state: ReviewState): Promise<void> => {
    // Remember what the host opened: only these are restored after a reload. Not awaited
    // before the lookup, so a second open of the same file finds the panel the first made.
    const remembered = context.workspaceState.update(OPENED_REVIEWS_KEY, rememberReview(context.workspaceState.get<ReviewState[]>(OPENED_REVIEWS_KEY), state));
    const existing = panels.get(state.labelsFile);
    if (existing) {
      existing.reveal();
      await existing.refresh();
    } else {
      track(ReviewPanel.create(services, state, thumbs));
    }
    await remembered;
  };
  const track = (panel: ReviewPanel) => {
    panels.set(panel.state.labelsFile, panel);
    panel.onDispose.event(() => {
      if (panels.get(panel.state.labelsFile) === panel) panels.delete(panel.state.labelsFile);
    });
  };

  const labelFolder = async (arg?: unknown): Promise<void> => {
    const folder = await pickFolder(arg, 'Label Folder');
    if (!folder) return;
    if (running.has(folder)) {
      void vscode.window.showWarningMessage(`RCNN Lens is already labeling ${path.basename(folder)}. Cancel that run first or wait for it to finish.`);
      return;
    }
    let outputs: OutputSpec[];
    try {
      outputs = outputsFor(folder);
    } catch (err) {
      if (err instanceof OutputPathError) {
        void vscode.window.showErrorMessage(err.message);
        return;
      }
      throw err;
    }
    let force = false;
    try {
      await assertWritableOutputs(outputs);
    } catch (err) {
      if (!(err instanceof ForeignOutputError)) throw err;
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(err.file)} already exists in ${path.basename(folder)} and was not written by RCNN Lens.`,
        { modal: true, detail: 'Overwrite it, or write the labels to another file?' },
        'Overwrite',
        'Save As…',
      );
      if (choice === 'Overwrite') force = true;
      else if (choice === 'Save As…') {
        const uri = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(folder, 'rcnn-labels.jsonl')),
          filters: { 'JSON Lines': ['jsonl'], CSV: ['csv'] },
        });
        if (!uri) return;
        outputs = [{ file: uri.fsPath, format: formatOf(uri.fsPath) }];
        try {
          await assertWritableOutputs(outputs);
        } catch (e) {
          if (e instanceof ForeignOutputError) {
            void vscode.window.showErrorMessage(e.message);
            return;
          }
          throw e;
        }
      } else return;
    }

    const model = services.currentModel();
    let labelModel: LabelModelChoice;
    try {
      labelModel = await chooseLabelModel(model.modelPath, labelPrecisionSetting(), model.provider);
    } catch (e) {
      if (!(e instanceof PrecisionError)) throw e;
      void vscode.window.showErrorMessage(e.message);
      return;
    }
    const controller = new AbortController();
    running.set(folder, controller);
    const name = path.basename(folder);
    log(`labeling ${folder} with ${labelModel.modelPath}${labelModel.cpuVariantPath ? ` (on the CPU: ${labelModel.cpuVariantPath})` : ''} (${model.provider})`);
    try {
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Labeling ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let lastPct = 0;
          let lastReport = 0;
          return runLabelJob(
            {
              folder,
              outputs,
              force,
              ...labelModel,
              provider: model.provider,
              batchSize: cfg().get<number>('label.batchSize', 0) || undefined,
              // Which files are read, and how big: only the user's own values in a restricted workspace.
              ...labelScanSettings(),
              contentHash: cfg().get<boolean>('label.contentHash', false),
              maxPixels: maxPixelsSetting(),
              topK: topKSetting(),
              workerScript: services.distPath('labelWorker.js'),
              workerEnv: model.cudaLibs ? { [CUDA_LIBS_ENV]: model.cudaLibs } : undefined,
            },
            {
              signal: controller.signal,
              log,
              onProgress: (p) => {
                const now = Date.now();
                if (now - lastReport < 250 && ((p.phase === 'labeling' && p.done < p.total) || p.phase === 'scanning' || p.phase === 'hashing')) return;
                lastReport = now;
                const pct = p.phase === 'labeling' && p.total ? (100 * p.done) / p.total : p.phase === 'done' ? 100 : lastPct;
                progress.report({ message: progressMessage(p), increment: Math.max(0, pct - lastPct) });
                lastPct = Math.max(lastPct, pct);
              },
            },
          );
        },
      );
      const labelsFile = summary.outputs[0];
      await context.workspaceState.update(LAST_RUN_KEY, { folder, labelsFile } satisfies LastRun);
      const errs = Object.entries(summary.errorCodes).map(([c, n]) => `${n} ${c}`).join(', ');
      log(
        `done: ${summary.files} images, ${summary.labeled} labeled (${summary.imagesPerSecond.toFixed(0)} img/s), ${summary.reused} unchanged${summary.reusedByContent ? ` (${summary.reusedByContent} by content: new modification time, same bytes)` : ''}, ${summary.errors} errors${errs ? ` (${errs})` : ''}, ${summary.workerRestarts} worker restart(s)`,
      );
      for (const w of summary.warnings) services.output.warn(`label: ${w}`);
      await openReview({ folder, labelsFile });
      void vscode.window
        .showInformationMessage(
          `Labeled ${summary.files.toLocaleString('en-US')} images in ${name}${summary.errors ? ` (${summary.errors} could not be read${errs ? `: ${errs}` : ''})` : ''}. Wrote ${path.basename(labelsFile)}.`,
          'Sort Into Class Folders…',
          'Show Log',
        )
        .then((c) => {
          if (c === 'Sort Into Class Folders…') void vscode.commands.executeCommand('rcnnLens.sortIntoClassFolders', vscode.Uri.file(folder));
          if (c === 'Show Log') services.output.show(true);
        });
    } catch (err) {
      if (err instanceof CancelledError) {
        log(`cancelled: ${folder}`);
        void vscode.window.showInformationMessage(`Labeling ${name} was cancelled. Run Label Folder again to resume where it stopped.`);
      } else if (err instanceof LockedError) {
        void vscode.window.showWarningMessage(err.message);
      } else {
        services.output.error(`label: ${(err as Error).stack ?? err}`);
        void vscode.window.showErrorMessage(`Labeling ${name} failed: ${(err as Error).message}`, 'Show Log').then((c) => {
          if (c) services.output.show(true);
        });
      }
    } finally {
      running.delete(folder);
    }
  };

  /** The review of a labels file, or of a folder's last run (its current settings if none is recorded). */
  const reviewOf = async (target: vscode.Uri): Promise<ReviewState> => {
    if (!(await isDirectory(target))) return { folder: await labeledFolderOf(target.fsPath), labelsFile: target.fsPath };
    // The last run's labels file (state.json), whatever the settings say now.
    const last = await lastRunOutputs(target.fsPath);
    return { folder: target.fsPath, labelsFile: last?.[0]?.file ?? outputsFor(target.fsPath)[0].file };
  };

  /** From the palette: the last run of this workspace, else a labels file the user picks. */
  const reviewFromPalette = async (): Promise<ReviewState | undefined> => {
    const last = context.workspaceState.get<LastRun>(LAST_RUN_KEY);
    if (last) return last;
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      filters: { Labels: ['jsonl', 'csv'] },
      openLabel: 'Open Review',
    });
    return picked?.[0] ? reviewOf(picked[0]) : undefined;
  };

  const openReviewCommand = async (arg?: unknown): Promise<void> => {
    const state = arg instanceof vscode.Uri && arg.scheme === 'file' ? await reviewOf(arg) : await reviewFromPalette();
    if (state) await openReview(state);
  };

  const sortCommand = async (arg?: unknown): Promise<void> => {
    const folderArg = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg : await pickFolder(undefined, 'Sort This Folder').then((f) => (f ? vscode.Uri.file(f) : undefined));
    if (!folderArg) return; // the picker was cancelled: so is the sort
    const { folder, labelsFile } = await reviewOf(folderArg);
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
      r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sorting ${path.basename(folder)}`, cancellable: true },
        (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let last = 0;
          return sortIntoClassFolders({
            folder,
            labelsFile,
            mode: mode.value,
            reviewThreshold: threshold,
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
    } catch (err) {
      await refreshReviewsOf(folder); // a sort that stopped part way has moved some files already
      void vscode.window.showErrorMessage(`Sorting failed: ${(err as Error).message}`);
      return;
    }
    // A move renamed the records' paths: a gallery still showing the old ones would lose the next correction.
    await refreshReviewsOf(folder);
    log(`sorted ${r.sorted} file(s) of ${folder} into ${r.dest} (${mode.value}); journal ${r.journal}`);
    const remembered: RememberedSort = { folder, journal: r.journal, mode: mode.value, dest: r.dest, sorted: r.sorted };
    await context.workspaceState.update(LAST_SORT_KEY, remembered);
    const c = await vscode.window.showInformationMessage(sortDoneMessage(remembered, threshold), 'Undo');
    if (c === 'Undo') await undoCommand(vscode.Uri.file(folder));
  };

  /** From the palette: the last run's folder when it has a sort to undo, else a folder the user picks. */
  const undoFolderFromPalette = async (): Promise<string | undefined> => {
    const last = context.workspaceState.get<LastRun>(LAST_RUN_KEY)?.folder;
    if (last && (await hasUndoableSort(last))) return last;
    return pickFolder(undefined, 'Undo Sort Here');
  };

  const undoCommand = async (arg?: unknown): Promise<void> => {
    const folder = arg instanceof vscode.Uri && arg.scheme === 'file' ? await pickFolder(arg, 'Undo Sort Here') : await undoFolderFromPalette();
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
      log(`undo: restored ${r.restored} file(s) in ${folder}${r.problems.length ? `; problems: ${r.problems.join('; ')}` : ''}${r.warnings.length ? `; notes: ${r.warnings.join('; ')}` : ''}`);
      if (r.problems.length) void vscode.window.showWarningMessage(`Restored ${r.restored} file(s); ${r.problems.length} could not be restored (see the log).`);
      else {
        const kept = r.warnings.length ? ` ${r.warnings.length} class folder(s) with files added since the sort were kept (see the log).` : '';
        const remembered = context.workspaceState.get<RememberedSort>(LAST_SORT_KEY);
        void vscode.window.showInformationMessage(`${undoDoneMessage(folder, r.journal, r.restored, remembered)}${kept}`);
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Undo failed: ${(err as Error).message}`);
    } finally {
      await refreshReviewsOf(folder);
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('rcnnLens.labelFolder', reportingFailures('Label Folder', labelFolder)),
    vscode.commands.registerCommand('rcnnLens.openReview', reportingFailures('Open Review', openReviewCommand)),
    vscode.commands.registerCommand('rcnnLens.sortIntoClassFolders', reportingFailures('Sort Into Class Folders', sortCommand)),
    vscode.commands.registerCommand('rcnnLens.undoLastSort', reportingFailures('Undo Last Sort', undoCommand)),
    vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The webview's state is not trusted: restore only a review this host opened itself.
        const s = restorableReview(context.workspaceState.get<ReviewState[]>(OPENED_REVIEWS_KEY), state);
        if (!s) {
          panel.dispose();
          return;
        }
        track(new ReviewPanel(panel, services, s, thumbs));
      },
    }),
    {
      dispose: () => {
        for (const c of running.values()) c.abort();
        for (const p of [...panels.values()]) p.dispose();
        thumbs.dispose();
      },
    },
  );
}
