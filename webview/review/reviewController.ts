/**
 * The review gallery's controller: takes the host's messages and the user's input, changes
 * GalleryState, and has the views draw it. The view (sort, filters, selection, scroll
 * position) is kept in the webview's state: VS Code reloads a hidden tab.
 */
import { RequestTracker } from '../../src/shared/messaging';
import type { HostToReview, ReviewInit, ReviewResponses, ReviewState, ReviewToHost } from '../../src/shared/reviewProtocol';
import { setDropdown, toolkitOption } from '../shared/toolkit';
import type { VsCodeApi } from '../shared/vscodeApi';
import { ClassPicker } from './classPicker';
import { GalleryView } from './galleryView';
import { type GalleryAction, galleryKeyAction } from './keyboard';
import { type SavedView, type SortKey, type StatusFilter, type ViewOptions, canMoveToPrediction, effective, readSavedView } from './model';
import type { ReviewDom } from './reviewDom';
import { GalleryState } from './reviewState';
import { renderSummary } from './summaryView';

/** The serializer reads folder and labelsFile (and checks them against its own record); the view is ours. */
export type PersistedReview = ReviewState & { view?: SavedView };

export class ReviewController {
  private readonly state = new GalleryState();
  private readonly gallery: GalleryView;
  private readonly picker: ClassPicker;
  private readonly tracker = new RequestTracker<ReviewToHost, ReviewResponses>();
  /** The view saved before this page was (re)loaded; applied to the first init of the same labels file. */
  private readonly savedState: PersistedReview | undefined;
  private viewToRestore: SavedView | undefined;
  /** After a move the host sends the file again: the item to select then (the one after the moved image). */
  private selectAfterReload: string | undefined;

  constructor(
    private readonly dom: ReviewDom,
    private readonly vscode: VsCodeApi<PersistedReview>,
  ) {
    this.gallery = new GalleryView(dom, this.state);
    this.picker = new ClassPicker(dom, (index, label) => {
      void this.setLabel(index, label);
      this.select(index + 1);
    });
    this.savedState = vscode.getState();
    this.viewToRestore = readSavedView(this.savedState?.view);
  }

  post(msg: ReviewToHost): void {
    this.vscode.postMessage(msg);
  }

  handle(msg: HostToReview): void {
    switch (msg.type) {
      case 'init':
        this.init(msg);
        break;
      case 'updated':
        this.state.applyUpdates(msg.changes);
        this.relayout(false);
        this.renderSummary();
        break;
      case 'thumbs':
        this.gallery.showThumbs(this.state.gotThumbs(msg.items));
        break;
      case 'notice':
        this.setStatus(msg.text, msg.level === 'error');
        break;
      case 'reply':
        this.tracker.settle(msg);
        break;
    }
  }

  private init(msg: ReviewInit): void {
    this.state.load(msg);
    // The first init after a (re)load puts back the view saved for this labels file.
    const restore = this.viewToRestore && this.savedState?.labelsFile === msg.labelsFile ? this.viewToRestore : undefined;
    this.viewToRestore = undefined;
    if (restore) this.applyOptions(restore.options);
    this.dom.title.textContent = `Review: ${msg.folderName}`;
    this.fillLabelFilter(restore?.options.label);
    this.renderSummary();
    this.relayout(true, restore?.selectedPath ?? this.selectAfterReload);
    this.selectAfterReload = undefined;
    if (restore) {
      this.dom.scroller.scrollTop = restore.scrollTop;
      this.renderVisible();
    }
    this.saveView();
    this.dom.scroller.focus();
  }

  /** Arranges the items anew (rearrange: sort/filter changed) and draws the rows in view. */
  relayout(rearrange: boolean, preferredPath?: string): void {
    this.state.relayout(this.options(), this.dom.scroller.clientWidth - 16, rearrange, preferredPath);
    this.gallery.reset();
    this.setStatus(this.state.countText());
    this.dom.root.dataset.state = 'ready';
    this.renderVisible();
    this.saveView();
  }

  /** Draws the rows in view and asks the host for the thumbnails they need. */
  renderVisible(): void {
    const want = this.state.thumbsToAsk(this.gallery.renderVisible());
    if (want.length) this.post({ type: 'wantThumbs', paths: want });
  }

  get hasData(): boolean {
    return this.state.data !== undefined;
  }

  select(flatIndex: number): void {
    const prev = this.state.selected;
    if (!this.state.select(flatIndex)) return;
    this.gallery.rerenderRowOf(prev);
    this.gallery.rerenderRowOf(this.state.selected);
    this.gallery.scrollToSelected();
    this.renderVisible();
    this.saveView();
    this.setStatus(this.state.selectionText());
  }

  /** A click on a cell: select it and open its image. */
  clickItem(flatIndex: number, path: string): void {
    this.select(flatIndex);
    this.post({ type: 'open', path });
  }

  onKey(e: KeyboardEvent): void {
    const t = e.target instanceof HTMLElement ? e.target : undefined;
    const { state } = this;
    const action = galleryKeyAction(
      { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, targetTag: t?.tagName, targetEditable: t?.isContentEditable },
      { count: state.count, selected: state.selected, itemAt: (i) => state.itemAt(i), classes: state.classes },
    );
    if (!action) return;
    this.run(action);
    e.preventDefault();
  }

  private run(action: GalleryAction): void {
    switch (action.kind) {
      case 'select':
        this.select(action.index);
        return;
      case 'label':
        if (action.label) void this.setLabel(action.index, action.label);
        this.select(action.index + 1);
        return;
      case 'clear':
        void this.setLabel(action.index, null);
        return;
      case 'picker':
        this.openPicker(action.index);
        return;
      case 'open':
        this.post({ type: 'open', path: this.state.itemAt(action.index)!.path });
        return;
      case 'move':
        void this.moveToPrediction(action.index);
        return;
    }
  }

  private openPicker(flatIndex: number): void {
    const it = this.state.itemAt(flatIndex);
    if (!it || !this.state.classes.length || it.error) return;
    this.picker.open(flatIndex, this.state.classes, it.reviewed ?? it.label);
  }

  /** Shows the correction at once; the host writes it, and a refusal puts the old label back. */
  private async setLabel(flatIndex: number, label: string | null): Promise<void> {
    const it = this.state.itemAt(flatIndex);
    if (!it || it.error) return;
    if (this.state.readOnlyReason) {
      this.setStatus(`Not saved: ${this.state.readOnlyReason}`, true);
      return;
    }
    const before = it.reviewed;
    it.reviewed = label ?? undefined;
    this.gallery.rerenderRowOf(flatIndex);
    this.gallery.rerenderHeaders();
    try {
      await this.tracker.request((m) => this.post(m), { type: 'setLabels', changes: [{ path: it.path, label }] });
    } catch (err) {
      it.reviewed = before;
      this.gallery.rerenderRowOf(flatIndex);
      this.gallery.rerenderHeaders();
      this.setStatus(`Not saved: ${(err as Error).message}`, true);
      return;
    }
    this.renderSummary();
  }

  /** Moves the image into the folder of its prediction; the host then sends the labels file again. */
  private async moveToPrediction(flatIndex: number): Promise<void> {
    const it = this.state.itemAt(flatIndex);
    if (!it) return;
    if (!canMoveToPrediction(it)) {
      this.setStatus(`${it.path}: its folder already names its prediction, or it is not in a class folder`);
      return;
    }
    if (this.state.readOnlyReason) {
      this.setStatus(`Not moved: ${this.state.readOnlyReason}`, true);
      return;
    }
    this.selectAfterReload = this.state.itemAt(flatIndex + 1)?.path;
    try {
      await this.tracker.request((m) => this.post(m), { type: 'moveToPrediction', path: it.path });
      this.setStatus(`Moved ${it.path} into the ${it.label} folder (Undo Last Sort puts it back)`);
    } catch (err) {
      this.selectAfterReload = undefined;
      this.setStatus(`Not moved: ${(err as Error).message}`, true);
    }
  }

  private renderSummary(): void {
    renderSummary(this.dom, this.state.items, this.state.classes, (label) => {
      setDropdown(this.dom.labelFilter, this.dom.labelFilter.value === label ? '' : label);
      this.relayout(true);
    });
  }

  private setStatus(text: string, error = false): void {
    this.dom.status.textContent = text;
    this.dom.status.classList.toggle('is-error', error);
  }

  private fillLabelFilter(wanted = this.dom.labelFilter.value): void {
    const labels = new Set<string>(this.state.classes);
    for (const it of this.state.items) labels.add(effective(it));
    this.dom.labelFilter.replaceChildren(toolkitOption('', 'All'), ...[...labels].sort().map((l) => toolkitOption(l, l)));
    setDropdown(this.dom.labelFilter, labels.has(wanted) ? wanted : '');
  }

  options(): ViewOptions {
    const { dom } = this;
    return {
      sort: dom.sort.value as SortKey,
      label: dom.labelFilter.value,
      status: dom.statusFilter.value as StatusFilter,
      threshold: Number(dom.threshold.value),
      group: dom.group.checked,
    };
  }

  private applyOptions(o: ViewOptions): void {
    const { dom } = this;
    setDropdown(dom.sort, o.sort);
    setDropdown(dom.statusFilter, o.status);
    dom.threshold.value = String(o.threshold);
    dom.thresholdOut.textContent = o.threshold.toFixed(2);
    dom.group.checked = o.group;
    // The label filter gets its options in fillLabelFilter, which applies o.label.
  }

  /** Saves the view with the webview's state, so showing the tab again puts it back. */
  saveView(): void {
    const { data } = this.state;
    if (!data) return;
    this.vscode.setState({
      folder: data.folder,
      labelsFile: data.labelsFile,
      view: { options: this.options(), selectedPath: this.state.selectedPath(), scrollTop: this.dom.scroller.scrollTop },
    });
  }
}
