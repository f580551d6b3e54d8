/**
 * What a key does in the gallery and in the class picker, as data: the controller carries
 * it out. Keyboard review: j/k or arrows move, Home/End jump, Enter accepts, 1–9/0 relabel
 * to a class, l picks any class from a list, o opens the image in the classify panel,
 * u clears a review, m moves an image whose class folder disagrees with the prediction into
 * the predicted class's folder (Undo Last Sort reverts). No DOM, so it is unit-tested.
 */
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import { acceptedLabel, classForKey, focusTakesKeys } from './model';

export type GalleryAction =
  | { kind: 'select'; index: number }
  /** Label `index` (when `label` is set), then select the next item. */
  | { kind: 'label'; index: number; label: string | undefined }
  | { kind: 'clear'; index: number }
  | { kind: 'picker'; index: number }
  | { kind: 'open'; index: number }
  /** Move the image into the folder of its prediction (accept the prediction of a file in the wrong class folder). */
  | { kind: 'move'; index: number };

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The focused element's tag and whether it is editable: keys go to it when it has keys of its own. */
  targetTag?: string;
  targetEditable?: boolean;
}

export interface GalleryContext {
  /** Items shown. */
  count: number;
  /** Selected flat index, -1 for none. */
  selected: number;
  itemAt(flatIndex: number): ReviewItem | undefined;
  classes: readonly string[];
}

/** The action of a key press in the gallery; undefined: not ours (the browser keeps it). */
export function galleryKeyAction(e: KeyInput, ctx: GalleryContext): GalleryAction | undefined {
  if (e.targetTag !== undefined && focusTakesKeys(e.targetTag, e.targetEditable)) return undefined;
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  if (!ctx.count) return undefined;
  const cur = ctx.selected < 0 ? 0 : ctx.selected;
  switch (e.key) {
    case 'j':
    case 'ArrowRight':
    case 'ArrowDown':
      return { kind: 'select', index: cur + 1 };
    case 'k':
    case 'ArrowLeft':
    case 'ArrowUp':
      return { kind: 'select', index: cur - 1 };
    case 'Home':
      return { kind: 'select', index: 0 };
    case 'End':
      return { kind: 'select', index: ctx.count - 1 };
    case 'Enter': {
      // Accept: confirms the model's label, but never replaces a human correction with it.
      const it = ctx.itemAt(cur);
      return { kind: 'label', index: cur, label: it ? acceptedLabel(it) : undefined };
    }
    case 'l':
      return { kind: 'picker', index: cur };
    case 'o':
      return { kind: 'open', index: cur };
    case 'u':
      return { kind: 'clear', index: cur };
    case 'm':
      return { kind: 'move', index: cur };
  }
  const cls = classForKey(e.key, ctx.classes);
  return cls ? { kind: 'label', index: cur, label: cls } : undefined;
}

export type PickerAction = { kind: 'close'; apply: boolean } | { kind: 'highlight'; index: number };

/** The action of a key in the class picker (its filter field or its list); undefined: not ours. */
export function pickerKeyAction(key: string, inFilter: boolean, highlighted: number, options: number): PickerAction | undefined {
  if (key === 'Escape') return { kind: 'close', apply: false };
  if (key === 'Enter') return { kind: 'close', apply: true };
  if (inFilter && (key === 'ArrowDown' || key === 'ArrowUp')) {
    // Moving through the list while typing; an empty list keeps its (absent) highlight.
    if (!options) return { kind: 'highlight', index: highlighted };
    return { kind: 'highlight', index: (highlighted + (key === 'ArrowDown' ? 1 : options - 1)) % options };
  }
  return undefined;
}
