/**
 * "Compare with…": from an image (Explorer, editor, palette) pick a second image, or
 * another model to run on the same image; from a model file (the end of a training)
 * compare it with the current model on an image the user picks. A second model is loaded
 * and checked before any panel opens: a bad file gets a clear error and changes nothing.
 */
import { opendir } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareSource } from '../../shared/compareProtocol';
import { whatIsWrongWithModel } from '../commands/modelChoiceMessage';
import { IMAGE_EXTENSIONS, looksLikeImage, resolveImageTargets } from '../commands/imageTarget';
import type { ExtensionServices } from '../services';
import type { CompareManager } from './compareManager';
import { OtherModel } from './otherModel';

/** Images of the first one's folder offered in the quick pick; the dialog reaches any other. */
const MAX_SIBLINGS = 200;
/** Entries read from that folder at most, so a huge folder does not stall the picker. */
const MAX_ENTRIES_SCANNED = 5000;

type SecondChoice = { kind: 'image'; imagePath: string } | { kind: 'model'; modelPath: string };

interface PickItem extends vscode.QuickPickItem {
  choose?: () => Promise<SecondChoice | undefined>;
}

export async function compareWith(services: ExtensionServices, manager: CompareManager, arg?: unknown, extra?: unknown): Promise<void> {
  if (arg instanceof vscode.Uri && path.extname(arg.fsPath).toLowerCase() === '.onnx') {
    await compareModelWithCurrent(services, manager, arg.fsPath, extra instanceof vscode.Uri ? extra : undefined);
    return;
  }
  const pair = selectedPair(extra);
  if (pair) {
    await manager.open({ imagePath: pair[0].fsPath }, { imagePath: pair[1].fsPath });
    return;
  }
  const [first] = arg instanceof vscode.Uri ? [arg] : await resolveImageTargets();
  if (!first) return;
  if (first.scheme !== 'file' || !looksLikeImage(first)) {
    void vscode.window.showErrorMessage(`RCNN Lens: ${path.basename(first.fsPath)} is not an image RCNN Lens can classify.`);
    return;
  }
  const second = await pickSecond(first.fsPath);
  if (!second) return;
  const a: CompareSource = { imagePath: first.fsPath };
  if (second.kind === 'image') {
    await manager.open(a, { imagePath: second.imagePath });
    return;
  }
  const other = await loadOtherModel(services, second.modelPath);
  if (other) await manager.open(a, { imagePath: first.fsPath, modelPath: second.modelPath }, other);
}

/** The end of a training: the new model (B) against the current one (A) on an image of the user's choice. */
async function compareModelWithCurrent(services: ExtensionServices, manager: CompareManager, modelPath: string, near?: vscode.Uri): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Compare on This Image',
    title: `RCNN Lens: compare ${path.basename(modelPath)} with the current model on which image?`,
    filters: { Images: IMAGE_EXTENSIONS },
    defaultUri: near,
  });
  const image = picked?.[0];
  if (!image) return;
  const other = await loadOtherModel(services, modelPath);
  if (other) await manager.open({ imagePath: image.fsPath }, { imagePath: image.fsPath, modelPath }, other);
}

/** Two images selected together in the Explorer: compared at once, no picker. */
function selectedPair(selection: unknown): [vscode.Uri, vscode.Uri] | undefined {
  if (!Array.isArray(selection) || selection.length !== 2) return undefined;
  const images = selection.filter((u): u is vscode.Uri => u instanceof vscode.Uri && u.scheme === 'file' && looksLikeImage(u));
  return images.length === 2 ? [images[0], images[1]] : undefined;
}

async function pickSecond(firstPath: string): Promise<SecondChoice | undefined> {
  const browseImage: PickItem = { label: '$(file-media) Another image…', description: 'with the current model', choose: () => browse('image') };
  const browseModel: PickItem = { label: '$(symbol-structure) Another model…', description: `${path.basename(firstPath)} with an ONNX model file`, choose: () => browse('model') };
  const siblings = (await siblingImages(firstPath)).map((p): PickItem => ({ label: path.basename(p), choose: async () => ({ kind: 'image', imagePath: p }) }));
  const items: PickItem[] = [browseImage, browseModel];
  if (siblings.length) items.push({ label: `Images beside ${path.basename(firstPath)}`, kind: vscode.QuickPickItemKind.Separator }, ...siblings);
  const picked = await vscode.window.showQuickPick(items, {
    title: `RCNN Lens: compare ${path.basename(firstPath)} with…`,
    placeHolder: 'Another image (same model), or another model (same image)',
    matchOnDescription: true,
  });
  return picked?.choose?.();
}

async function browse(kind: 'image' | 'model'): Promise<SecondChoice | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: kind === 'image' ? 'Compare With This Image' : 'Compare With This Model',
    filters: kind === 'image' ? { Images: IMAGE_EXTENSIONS } : { 'ONNX model': ['onnx'] },
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  return kind === 'image' ? { kind, imagePath: uri.fsPath } : { kind, modelPath: uri.fsPath };
}

/** Image files beside `imagePath` (not itself), sorted by name, at most MAX_SIBLINGS. */
export async function siblingImages(imagePath: string): Promise<string[]> {
  const dir = path.dirname(imagePath);
  const found: string[] = [];
  let scanned = 0;
  try {
    for await (const entry of await opendir(dir)) {
      if (++scanned > MAX_ENTRIES_SCANNED) break;
      const full = path.join(dir, entry.name);
      if (entry.isFile() && full !== imagePath && looksLikeImage(vscode.Uri.file(full))) found.push(full);
    }
  } catch {
    return []; // an unreadable folder only costs the shortcut list; the dialog still works
  }
  return found.sort((x, y) => x.localeCompare(y)).slice(0, MAX_SIBLINGS);
}

/** Loads and checks B's model in a worker of its own; on failure says why and returns undefined. */
export async function loadOtherModel(services: ExtensionServices, modelPath: string): Promise<OtherModel | undefined> {
  const other = new OtherModel(services, modelPath);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RCNN Lens: loading ${path.basename(modelPath)} to compare` },
      () => other.load(),
    );
    return other;
  } catch (err) {
    other.dispose();
    const message = `RCNN Lens cannot compare with ${path.basename(modelPath)}: ${whatIsWrongWithModel(err)} Nothing was changed.`;
    services.output.error(`Compare with…: ${modelPath} cannot be used.\n${err instanceof Error ? err.message : String(err)}`);
    void vscode.window.showErrorMessage(message, 'Show Details').then((c) => c && services.output.show(true));
    return undefined;
  }
}
