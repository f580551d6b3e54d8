/**
 * The labels file format: one record per image, as JSON Lines (default) or CSV.
 *
 * JSONL record: {"path","label","score","topk":[{label,score}],"entropy","margin",
 *   "model":{"name","hash"},"size","mtime"} — or "error":{"code","message"} instead of
 *   label/score/topk for a file that could not be labeled — plus "reviewed":{"label","at"}
 *   once a human accepted (same label) or corrected (other label) it, plus "sha256":"<64 hex>"
 *   (the SHA-256 of the file's bytes) when the run hashed content (`--content-hash`,
 *   `rcnnLens.label.contentHash`); error rows carry it too when the file could be read.
 * In a folder organised in class subfolders, a record also carries "given" (the class its folder
 * names, when that is one of the model's labels), "givenScore" (the model's probability of it)
 * and "suspect" (in [0, 1], higher = the given label is more likely wrong; core/labeling/suspects.ts),
 * after "margin".
 * `label`/`score` are always the model's prediction; the label to use is
 * `reviewed.label ?? label` (see effectiveLabel). `size`/`mtime` make reruns incremental;
 * `sha256` lets a content-mode rerun reuse a file whose mtime changed but whose bytes did not.
 *
 * CSV: the same fields as columns (CSV_COLUMNS; `topk` as a JSON cell), `sha256` last and
 * empty when not hashed. Files written before that column existed (LEGACY_CSV_COLUMNS,
 * no `sha256`) are still read, and recognised as ours.
 * Text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR,
 * after any apostrophes) get one leading apostrophe in the CSV (the OWASP advice), which
 * the reader removes again: the JSONL and a CSV read back keep the true value.
 */
export interface TopEntry {
  label: string;
  score: number;
}

export interface LabelRecord {
  path: string;
  label?: string;
  score?: number;
  topk?: TopEntry[];
  entropy?: number;
  margin?: number;
  error?: { code: string; message: string };
  model: { name: string; hash: string };
  reviewed?: { label: string; at: string };
  size: number;
  mtime: number;
  /** Lower-case hex SHA-256 of the file's bytes; only in content mode. */
  sha256?: string;
  /** The class the image's folder names (a class subfolder); absent elsewhere. */
  given?: string;
  /** The model's probability of `given`. */
  givenScore?: number;
  /** How likely `given` is wrong, in [0, 1] (core/labeling/suspects.ts); set at the end of a run. */
  suspect?: number;
}

export type LabelFormat = 'jsonl' | 'csv';

export function effectiveLabel(r: LabelRecord): string | undefined {
  return r.reviewed?.label ?? r.label;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function toJsonLine(r: LabelRecord): string {
  // Fixed key order, so files diff well and reruns are byte-stable.
  const o: Record<string, unknown> = { path: r.path };
  if (r.error) {
    o.error = r.error;
  } else {
    o.label = r.label;
    o.score = round(r.score ?? 0);
    o.topk = (r.topk ?? []).map((t) => ({ label: t.label, score: round(t.score) }));
    if (r.entropy !== undefined) o.entropy = round(r.entropy);
    if (r.margin !== undefined) o.margin = round(r.margin);
    if (typeof r.given === 'string') {
      o.given = r.given;
      if (isFiniteNumber(r.givenScore)) o.givenScore = round(r.givenScore);
      if (isFiniteNumber(r.suspect)) o.suspect = round(r.suspect);
    }
  }
  if (r.reviewed) o.reviewed = r.reviewed;
  o.model = { name: r.model.name, hash: r.model.hash };
  o.size = r.size;
  o.mtime = r.mtime;
  // Last, so records without it stay byte-identical to those of earlier versions.
  if (isSha256Hex(r.sha256)) o.sha256 = r.sha256;
  return JSON.stringify(o);
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Given-label fields a record may carry only well-formed (a hand-edited file may hold anything). */
function dropMalformedGiven(r: LabelRecord): void {
  if (r.given !== undefined && (typeof r.given !== 'string' || r.error)) delete r.given;
  if (r.given === undefined || !(isFiniteNumber(r.givenScore) && r.givenScore >= 0 && r.givenScore <= 1)) delete r.givenScore;
  if (r.given === undefined || !(isFiniteNumber(r.suspect) && r.suspect >= 0 && r.suspect <= 1)) delete r.suspect;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `v` is a content hash as we write it (64 lower-case hex digits). */
export function isSha256Hex(v: unknown): v is string {
  return typeof v === 'string' && SHA256_HEX.test(v);
}

export function isLabelRecord(v: unknown): v is LabelRecord {
  if (!v || typeof v !== 'object') return false;
  const r = v as Partial<LabelRecord>;
  return (
    typeof r.path === 'string' &&
    !!r.model &&
    typeof r.model === 'object' &&
    typeof r.model.hash === 'string' &&
    (typeof r.label === 'string' || (!!r.error && typeof r.error.code === 'string'))
  );
}

export function parseJsonLine(line: string): LabelRecord | undefined {
  try {
    const v = JSON.parse(line);
    if (!isLabelRecord(v)) return undefined;
    // A hash we cannot have written (hand-edited) is dropped: it could only cause a wrong reuse.
    if (v.sha256 !== undefined && !isSha256Hex(v.sha256)) delete v.sha256;
    dropMalformedGiven(v);
    return v;
  } catch {
    return undefined;
  }
}

// ---- CSV (RFC 4180) ----

export const CSV_COLUMNS = [
  'path', 'label', 'score', 'topk', 'entropy', 'margin', 'error_code', 'error_message',
  'reviewed_label', 'reviewed_at', 'model_name', 'model_hash', 'size', 'mtime', 'sha256',
  'given', 'given_score', 'suspect',
] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');
type CsvColumn = (typeof CSV_COLUMNS)[number];
/** The columns of CSV files written before `sha256` existed: still read (rows without a hash). */
export const LEGACY_CSV_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.slice(0, CSV_COLUMNS.indexOf('sha256'));
export const LEGACY_CSV_HEADER = LEGACY_CSV_COLUMNS.join(',');
/** The columns of CSV files written before the given-label columns existed (rows without them). */
export const PRE_GIVEN_CSV_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.slice(0, CSV_COLUMNS.indexOf('given'));

/** The columns a CSV labels file of ours has, by its header row; undefined for a header that is not ours. */
export function csvColumnsOf(header: readonly string[] | string): readonly CsvColumn[] | undefined {
  const h = typeof header === 'string' ? header : header.join(',');
  if (h === CSV_HEADER) return CSV_COLUMNS;
  if (h === LEGACY_CSV_HEADER) return LEGACY_CSV_COLUMNS;
  if (h === PRE_GIVEN_CSV_COLUMNS.join(',')) return PRE_GIVEN_CSV_COLUMNS;
  return undefined;
}

const FORMULA_START = /^'*[=+\-@\t\r]/;

/** A text cell a spreadsheet will show as text, never evaluate. */
export function csvTextCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The true value of a text cell written by csvTextCell. */
export function fromCsvTextCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell;
}

export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsvLine(r: LabelRecord): string {
  const num = (x: number | undefined) => (x === undefined ? '' : String(round(x)));
  const text = csvTextCell;
  const cells = [
    text(r.path),
    r.error ? '' : text(r.label ?? ''),
    r.error ? '' : num(r.score),
    r.error ? '' : JSON.stringify((r.topk ?? []).map((t) => ({ label: t.label, score: round(t.score) }))),
    r.error ? '' : num(r.entropy),
    r.error ? '' : num(r.margin),
    text(r.error?.code ?? ''),
    text(r.error?.message ?? ''),
    text(r.reviewed?.label ?? ''),
    text(r.reviewed?.at ?? ''),
    text(r.model.name),
    text(r.model.hash),
    String(r.size),
    String(r.mtime),
    isSha256Hex(r.sha256) ? r.sha256 : '',
    r.error || typeof r.given !== 'string' ? '' : text(r.given),
    r.error || typeof r.given !== 'string' ? '' : num(r.givenScore),
    r.error || typeof r.given !== 'string' ? '' : num(r.suspect),
  ];
  return cells.map(csvField).join(',');
}

/** Splits CSV text into rows of fields (quoted fields may contain commas, quotes, newlines). */
export function parseCsv(text: string): string[][] {
  return [...csvRows(text)];
}

/**
 * The rows of CSV text one at a time (so a caller can yield to the event loop between
 * slices). Unquoted runs are taken with slice, not character by character.
 */
export function* csvRows(text: string): Generator<string[]> {
  const n = text.length;
  let i = 0;
  let row: string[] = [];
  while (i < n) {
    let field = '';
    if (text.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          field += text.slice(j);
          j = n;
          break;
        }
        field += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          field += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      i = j;
    }
    // The unquoted field (or what follows a closing quote) up to the next delimiter.
    let k = i;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 44 || c === 10 || c === 13) break;
      k++;
    }
    field += text.slice(i, k);
    row.push(field);
    if (k >= n) {
      yield row;
      return;
    }
    const c = text.charCodeAt(k);
    i = k + 1;
    if (c === 44 /* , */) {
      if (i >= n) {
        row.push('');
        yield row;
        return;
      }
      continue;
    }
    if (c === 13 && text.charCodeAt(i) === 10) i++;
    yield row;
    row = [];
  }
  if (row.length) yield row;
}

/** One data row of a CSV labels file whose header has `columns` (ours: CSV_COLUMNS, or LEGACY_CSV_COLUMNS). */
export function recordFromCsvRow(cells: readonly string[], columns: readonly CsvColumn[] = CSV_COLUMNS): LabelRecord | undefined {
  if (cells.length !== columns.length) return undefined;
  const get = (k: CsvColumn) => {
    const i = columns.indexOf(k);
    return i < 0 ? '' : fromCsvTextCell(cells[i]);
  };
  const num = (s: string) => (s === '' ? undefined : Number(s));
  const r: LabelRecord = {
    path: get('path'),
    model: { name: get('model_name'), hash: get('model_hash') },
    size: Number(get('size')),
    mtime: Number(get('mtime')),
  };
  if (get('error_code')) {
    r.error = { code: get('error_code'), message: get('error_message') };
  } else {
    r.label = get('label');
    r.score = num(get('score'));
    try {
      r.topk = JSON.parse(get('topk') || '[]');
    } catch {
      r.topk = [];
    }
    r.entropy = num(get('entropy'));
    r.margin = num(get('margin'));
  }
  if (get('reviewed_label')) r.reviewed = { label: get('reviewed_label'), at: get('reviewed_at') };
  if (isSha256Hex(get('sha256'))) r.sha256 = get('sha256');
  if (get('given')) {
    r.given = get('given');
    r.givenScore = num(get('given_score'));
    r.suspect = num(get('suspect'));
    dropMalformedGiven(r);
  }
  return isLabelRecord(r) ? r : undefined;
}

export function formatOf(file: string): LabelFormat {
  return file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
}

/**
 * The one parser of labels text: for each row (a JSONL line, or a CSV row after the header), its
 * record, or undefined where the row is not a record of ours (a torn tail, a blank line, a foreign row).
 */
function* labelRows(text: string, format: LabelFormat): Generator<LabelRecord | undefined> {
  if (format === 'csv') {
    let columns: readonly CsvColumn[] | undefined;
    for (const row of csvRows(text)) {
      if (!columns) {
        columns = csvColumnsOf(row) ?? CSV_COLUMNS;
        yield undefined;
      } else yield recordFromCsvRow(row, columns);
    }
    return;
  }
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    yield line.trim() ? parseJsonLine(line) : undefined;
  }
}

/** Parses a whole labels file. Rows that are not records are skipped (torn tails). */
export function parseLabelsText(text: string, format: LabelFormat): LabelRecord[] {
  // (synchronous: ~1 µs per record; callers on the extension host read files of ≤ 100k records)
  const out: LabelRecord[] = [];
  for (const r of labelRows(text, format)) if (r) out.push(r);
  return out;
}

/**
 * parseLabelsText in slices of `slice` rows, awaiting `pause` between them, so reading a
 * big labels file (CSV or JSONL) never blocks the extension host for long.
 */
export async function parseLabelsTextSliced(
  text: string,
  format: LabelFormat,
  pause: () => Promise<void>,
  slice = 2000,
): Promise<LabelRecord[]> {
  const out: LabelRecord[] = [];
  let n = 0;
  for (const r of labelRows(text, format)) {
    if (++n % slice === 0) await pause();
    if (r) out.push(r);
  }
  return out;
}

/**
 * Whether an existing file is one of ours (safe to replace): a CSV starting with our exact
 * header, or a JSONL whose first line is one of our records. An empty file counts as ours
 * (nothing to lose). Anything else belongs to the user.
 */
export function looksLikeOurs(head: string, format: LabelFormat): boolean {
  if (head.trim() === '') return true;
  const first = head.split(/\r?\n/, 1)[0];
  if (format === 'csv') return csvColumnsOf(first) !== undefined;
  return parseJsonLine(first) !== undefined;
}

/** One of our own JSON lines, as a row of `format` (without its newline). */
export function lineInFormat(jsonLine: string, format: LabelFormat): string {
  return format === 'csv' ? toCsvLine(JSON.parse(jsonLine) as LabelRecord) : jsonLine;
}
