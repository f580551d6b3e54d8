/**
 * The questions "Train Model on Folder…" asks, each a quick pick whose first item is the
 * usual answer (Enter, Enter, Enter trains on the class subfolders from the model in use).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainSettings } from '../../core/training/trainJob';

interface Pick<T> extends vscode.QuickPickItem {
  value: T;
}

async function pick<T>(items: Pick<T>[], title: string): Promise<T | undefined> {
  if (items.length === 1) return items[0].value;
  return (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
}

type Source = { labelsFile?: string; minScore?: number };

/** Class subfolders, or the folder's labels file (reviewed labels, optionally confident predictions). */
export async function askSource(folder: string): Promise<Source | undefined> {
  const labelsFile = ['labels.jsonl', 'labels.csv'].map((f) => path.join(folder, f)).find((f) => existsSync(f));
  const items: Pick<Source | 'min'>[] = [{ label: 'Class subfolders', description: '<class>/<image>, at any depth', value: {} }];
  if (labelsFile) {
    items.push(
      { label: `${path.basename(labelsFile)}: reviewed labels`, description: 'the labels a person accepted or corrected', value: { labelsFile } },
      { label: `${path.basename(labelsFile)}: reviewed labels and confident predictions…`, description: 'predictions above a score you choose', value: 'min' },
    );
  }
  const source = await pick(items, 'RCNN Lens: train on which labels?');
  if (source !== 'min') return source;
  const text = await vscode.window.showInputBox({
    title: 'RCNN Lens: lowest score of a prediction to train on',
    value: '0.9',
    ignoreFocusOut: true,
    validateInput: (v) => (Number(v) >= 0 && Number(v) <= 1 && v.trim() !== '' ? undefined : 'a number between 0 and 1'),
  });
  return text === undefined ? undefined : { labelsFile, minScore: Number(text) };
}

/** The model to fine-tune ('none' = from scratch); the model in use first. */
export async function askFrom(currentModel: string, bundledModel: string): Promise<string | undefined> {
  const items: Pick<string>[] = [];
  const isBundled = path.resolve(currentModel) === path.resolve(bundledModel);
  items.push({ label: 'Fine-tune the model in use', description: isBundled ? 'the bundled CIFAR-10 model' : path.basename(currentModel), value: currentModel });
  if (!isBundled) items.push({ label: 'Fine-tune the bundled model', description: 'CIFAR-10', value: bundledModel });
  items.push({ label: 'Train from scratch', value: 'none' }, { label: 'Fine-tune another ONNX model…', value: 'other' });
  const from = await pick(items, 'RCNN Lens: start from which model?');
  if (from !== 'other') return from;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Fine-tune This Model', filters: { 'ONNX model': ['onnx'] } });
  return picked?.[0]?.fsPath;
}

/** Freeze the CNN? Undefined = the trainer decides (frozen for small folders). */
export async function askFreeze(from: string): Promise<{ freezeCnn?: boolean } | undefined> {
  if (from === 'none') return {};
  return pick<{ freezeCnn?: boolean }>(
    [
      { label: 'Automatic', description: 'freeze the CNN for small folders', value: {} },
      { label: 'Freeze the CNN', description: 'train the recurrent part and the classifier only', value: { freezeCnn: true } },
      { label: 'Train the whole network', value: { freezeCnn: false } },
    ],
    'RCNN Lens: fine-tune which layers?',
  );
}

/** Training length from the settings rcnnLens.train.epochs / maxMinutes (0 minutes: no limit). */
function lengthSettings(): { epochs?: number; minutes?: number } {
  const c = vscode.workspace.getConfiguration('rcnnLens.train');
  const epochs = c.get<number>('epochs');
  const minutes = c.get<number>('maxMinutes');
  return {
    epochs: Number.isInteger(epochs) && epochs! >= 1 ? epochs : undefined,
    minutes: typeof minutes === 'number' && minutes > 0 ? minutes : undefined,
  };
}

export async function askSettings(folder: string, out: string, currentModel: string, bundledModel: string): Promise<TrainSettings | undefined> {
  const source = await askSource(folder);
  if (!source) return undefined;
  const from = await askFrom(currentModel, bundledModel);
  if (!from) return undefined;
  const freeze = await askFreeze(from);
  if (!freeze) return undefined;
  return { out, from, ...source, ...freeze, ...lengthSettings() };
}
