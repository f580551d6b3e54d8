/** The class picker (l): every class, not only the ten with digit keys, filtered as the user types. */
import { pickerKeyAction } from './keyboard';
import { filterClasses } from './model';
import { type ReviewDom, el } from './reviewDom';

export class ClassPicker {
  /** The flat index being relabelled; -1 while closed. */
  private target = -1;
  private classes: readonly string[] = [];

  constructor(
    private readonly dom: ReviewDom,
    /** Called with the picked label when the user confirms. */
    private readonly onPick: (flatIndex: number, label: string) => void,
  ) {
    const { pickerFilter, picker } = dom;
    pickerFilter.addEventListener('input', () => this.fill());
    pickerFilter.addEventListener('keydown', (e) => this.onKey(e));
    picker.addEventListener('keydown', (e) => this.onKey(e));
    picker.addEventListener('dblclick', () => this.close(true));
  }

  open(flatIndex: number, classes: readonly string[], current: string | undefined): void {
    this.target = flatIndex;
    this.classes = classes;
    this.dom.pickerFilter.value = '';
    this.fill();
    if (current) this.dom.picker.value = current;
    this.dom.pickerBox.hidden = false;
    this.dom.pickerFilter.focus();
  }

  private fill(): void {
    const list = filterClasses(this.classes, this.dom.pickerFilter.value);
    const { picker } = this.dom;
    picker.replaceChildren(
      ...list.map((c) => {
        const o = el('option', undefined, c);
        o.value = c;
        return o;
      }),
    );
    picker.size = Math.max(2, Math.min(12, list.length));
    if (list.length) picker.selectedIndex = 0;
  }

  private close(apply: boolean): void {
    const target = this.target;
    const label = this.dom.picker.value;
    this.dom.pickerBox.hidden = true;
    this.target = -1;
    this.dom.scroller.focus();
    if (apply && target >= 0 && label) this.onPick(target, label);
  }

  private onKey(e: KeyboardEvent): void {
    const { picker, pickerFilter } = this.dom;
    const action = pickerKeyAction(e.key, e.target === pickerFilter, picker.selectedIndex, picker.options.length);
    if (!action) return;
    if (action.kind === 'close') this.close(action.apply);
    else picker.selectedIndex = action.index;
    e.preventDefault();
    e.stopPropagation();
  }
}
