/**
 * The training manifest: which images of a folder train the model, with which class.
 * Two sources:
 *   - class subfolders: an image's class is the name of the folder it lies in, at any
 *     depth below the chosen folder (`<folder>/a/b/cat/1.jpg` is a "cat"); images lying
 *     directly in the folder have no class and are left out;
 *   - a labels file of the folder: a human `reviewed` label always counts; a prediction
 *     counts only when the caller asks for predictions with a score ≥ `minScore`.
 * Paths and class names are data (folder names from a cloned repository, a labels file
 * from anywhere): every image path goes through folder/safePath.ts, links are not
 * followed, and a class name must be a name RCNN Lens could also sort into (classFolders.ts).
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { classFolderName, ClassNameError } from '../batch/classFolders';
import { effectiveLabel, formatOf, type LabelRecord } from '../labelsFile/records';
import { readLabelsFile } from '../labelsFile/read';
import { STATE_DIR, recordPath, toPosixRel, unsafePathReason } from '../folder/safePath';
import { TrainingError } from './errors';

export interface ManifestItem {
  /** `/`-separated, relative to the manifest's root. */
  path: string;
  label: string;
}

/** What the Python trainer reads (`--manifest`). */
export interface TrainManifest {
  root: string;
  classes: string[];
  items: ManifestItem[];
}

/** Images the Python side decodes (PIL); the same list the extension classifies minus AVIF. */
export const TRAIN_IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.gif', '.tif', '.tiff']);
/** Fewer than this in a class leaves nothing to validate on. */
export const MIN_IMAGES_PER_CLASS = 5;
/** A bound on what one manifest holds, so a hostile folder or labels file cannot exhaust memory. */
export const MAX_MANIFEST_ITEMS = 2_000_000;
const MAX_CLASSES = 10_000;
const SKIPPED_DIRS = new Set([STATE_DIR, 'node_modules', '.git']);

export interface ManifestOptions {
  minPerClass?: number;
  maxItems?: number;
  signal?: AbortSignal;
}

/** Images in class subfolders (any depth); symbolic links and dot folders are not entered. */
export async function manifestFromClassFolders(folder: string, options: ManifestOptions = {}): Promise<TrainManifest> {
  const root = path.resolve(folder);
  const items: ManifestItem[] = [];
  const maxItems = options.maxItems ?? MAX_MANIFEST_ITEMS;
  const pending = [root];
  while (pending.length) {
    if (options.signal?.aborted) throw new TrainingError('cancelled', 'cancelled');
    const dir = pending.pop()!;
    // Entries are never links (Dirent types come from lstat), but a folder may have been swapped since.
    if (dir !== root && (await unsafePathReason(root, dir))) continue;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: its images are simply not found
    }
    const label = dir === root ? undefined : path.basename(dir);
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) pending.push(abs);
      } else if (label !== undefined && e.isFile() && TRAIN_IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
        if (items.length >= maxItems) throw tooMany(maxItems);
        items.push({ path: toPosixRel(root, abs), label });
      }
    }
  }
  return checkedManifest(root, items, options);
}

export interface LabelsFileSource {
  labelsFile: string;
  /** Also use predictions with at least this score (0..1); undefined = human-reviewed labels only. */
  minScore?: number;
}

/** Labels of a labels file of the folder: `reviewed` labels win; predictions only above `minScore`. */
export async function manifestFromLabelsFile(folder: string, source: LabelsFileSource, options: ManifestOptions = {}): Promise<TrainManifest> {
  const root = path.resolve(folder);
  const records = await readLabelsFile(source.labelsFile, formatOf(source.labelsFile));
  if (!records.length) {
    throw new TrainingError('no_labels_file', `${source.labelsFile} is missing, empty or not an RCNN Lens labels file`, { labelsFile: source.labelsFile });
  }
  const byPath = new Map<string, string>();
  for (const r of records) {
    const label = trainingLabel(r, source.minScore);
    // The last record of a path wins, as when the pipeline reads its own output.
    if (label === undefined) byPath.delete(r.path);
    else byPath.set(r.path, label);
  }
  const maxItems = options.maxItems ?? MAX_MANIFEST_ITEMS;
  if (byPath.size > maxItems) throw tooMany(maxItems);
  const items: ManifestItem[] = [];
  for (const [rel, label] of byPath) {
    if (options.signal?.aborted) throw new TrainingError('cancelled', 'cancelled');
    const abs = recordPath(root, rel);
    // Outside the folder by spelling, through a link, or gone: not trained on (and never read).
    if (!abs || (await unsafePathReason(root, abs)) || !(await isRegularFile(abs))) continue;
    items.push({ path: toPosixRel(root, abs), label });
  }
  return checkedManifest(root, items, options);
}

async function isRegularFile(abs: string): Promise<boolean> {
  return (await lstat(abs).catch(() => undefined))?.isFile() ?? false;
}

function trainingLabel(r: LabelRecord, minScore: number | undefined): string | undefined {
  if (r.reviewed) return r.reviewed.label;
  if (r.error || minScore === undefined) return undefined;
  return (r.score ?? 0) >= minScore ? effectiveLabel(r) : undefined;
}

function tooMany(max: number): TrainingError {
  return new TrainingError('too_many_images', `more than ${max.toLocaleString('en-US')} images to train on; choose a smaller folder`, { max });
}

/** Class names are checked, classes counted, and the folder refused when it cannot train a classifier. */
function checkedManifest(root: string, items: ManifestItem[], options: ManifestOptions): TrainManifest {
  const counts = new Map<string, number>();
  for (const it of items) counts.set(it.label, (counts.get(it.label) ?? 0) + 1);
  for (const name of counts.keys()) {
    try {
      classFolderName(name);
    } catch (err) {
      if (err instanceof ClassNameError) throw new TrainingError('unsafe_class_name', err.message, { className: name });
      throw err;
    }
  }
  const classes = [...counts.keys()].sort();
  if (classes.length > MAX_CLASSES) {
    throw new TrainingError('too_many_classes', `${classes.length} classes: at most ${MAX_CLASSES} can be trained`, { classes: classes.length });
  }
  if (classes.length < 2) {
    throw new TrainingError(
      'too_few_classes',
      classes.length === 0
        ? `no labeled images in ${root}: put them in class subfolders (<class>/<image>) or review labels in a labels file`
        : `only one class ("${classes[0]}") in ${root}: a classifier needs at least 2 classes`,
      { classes },
    );
  }
  const minPerClass = options.minPerClass ?? MIN_IMAGES_PER_CLASS;
  const thin = classes.filter((c) => counts.get(c)! < minPerClass);
  if (thin.length) {
    const list = thin.map((c) => `"${c}" (${counts.get(c)})`).join(', ');
    throw new TrainingError('too_few_images', `too few images in ${thin.length === 1 ? 'class' : 'classes'} ${list}: each class needs at least ${minPerClass}`, {
      classes: Object.fromEntries(thin.map((c) => [c, counts.get(c)])),
      minPerClass,
    });
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, classes, items };
}

/** How many images each class has (for messages, the model card and the panel). */
export function classCounts(manifest: TrainManifest): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of manifest.classes) out[c] = 0;
  for (const it of manifest.items) out[it.label]++;
  return out;
}
