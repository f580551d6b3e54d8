/**
 * Class names as folder names. A class name comes from a model or a labels file, both of
 * which may be hostile: ".git" or ".rcnn-lens" as a class would move images into those
 * folders. The mapping, used the same way by sort, undo and review:
 *   - `/ \ : * ? " < > |` and control characters become `_`;
 *   - a name that is then empty, starts with a dot (".", "..", ".git"), ends with a dot or
 *     a space, is a reserved Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with
 *     or without an extension: "aux.txt"), or is longer than 120 UTF-8 bytes is refused.
 * Two labels that map to the same folder (also ignoring case) are refused together.
 */
export const MAX_CLASS_FOLDER_BYTES = 120;

export class ClassNameError extends Error {
  readonly code = 'unsafe_class_name';
  constructor(message: string) {
    super(message);
    this.name = 'ClassNameError';
  }
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Why `name` (after replacing separators) cannot be a folder name, or undefined. */
function unsafeReason(name: string): string | undefined {
  if (!name.trim()) return 'it is empty';
  if (name.startsWith('.')) return 'it starts with a dot (hidden or special folders such as .git)';
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space';
  if (RESERVED.test(name)) return 'it is a reserved device name on Windows';
  if (Buffer.byteLength(name, 'utf8') > MAX_CLASS_FOLDER_BYTES) return `it is longer than ${MAX_CLASS_FOLDER_BYTES} bytes`;
  return undefined;
}

/** The folder name of a class, or a ClassNameError saying why it has none. */
export function classFolderName(label: string): string {
  // eslint-disable-next-line no-control-regex
  const mapped = label.replace(/[/\\:*?"<>|\u0000-\u001f\u007f-\u009f]/g, '_');
  const reason = unsafeReason(mapped);
  if (reason) {
    throw new ClassNameError(
      `class name ${JSON.stringify(label)} cannot be a folder name: ${reason}. Rename the class (or relabel these files) before sorting.`,
    );
  }
  return mapped;
}

/**
 * The folder of every class in `labels`, checked all at once before anything moves:
 * throws for the first label with no safe folder, or two labels sharing one.
 */
export function classFolderMap(labels: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const byFolded = new Map<string, string>();
  for (const label of labels) {
    if (out.has(label)) continue;
    const folder = classFolderName(label);
    const other = byFolded.get(folder.toLowerCase());
    if (other !== undefined) {
      throw new ClassNameError(
        `class names ${JSON.stringify(other)} and ${JSON.stringify(label)} map to the same folder "${folder}" (or differ only in case); not sorting anything`,
      );
    }
    byFolded.set(folder.toLowerCase(), label);
    out.set(label, folder);
  }
  return out;
}

/** Whether `name` is a folder name some class name maps to (undo checks journals with it). */
export function isClassFolderName(name: string): boolean {
  try {
    return classFolderName(name) === name;
  } catch {
    return false;
  }
}
