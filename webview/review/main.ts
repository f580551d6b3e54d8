/**
 * Entry point of the review gallery webview (bundled to dist/webview/review.js): looks up
 * the markup, wires the user's input to the controller, then tells the host it is ready.
 * State, views and keys live in their own modules (reviewState, galleryView, keyboard, …).
 */
import type { HostToReview } from '../../src/shared/reviewProtocol';
import { registerToolkit } from '../shared/toolkit';
import { vscodeApi } from '../shared/vscodeApi';
import { type PersistedReview, ReviewController } from './reviewController';
import { queryReviewDom } from './reviewDom';

registerToolkit();
const dom = queryReviewDom();
const controller = new ReviewController(dom, vscodeApi<PersistedReview>());

window.addEventListener('message', (event: MessageEvent<HostToReview>) => {
  const m = event.data;
  if (m && typeof m === 'object' && typeof m.type === 'string') controller.handle(m);
});

let frame = 0;
dom.scroller.addEventListener('scroll', () => {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    controller.renderVisible();
    controller.saveView();
  });
});
dom.scroller.addEventListener('click', (e) => {
  const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-testid="review-item"]');
  if (!cell) return;
  if (e.detail > 1) return; // the second click of a double-click: the first one already opened it
  controller.clickItem(Number(cell.dataset.flat), cell.dataset.path!);
});
document.addEventListener('keydown', (e) => controller.onKey(e));
for (const c of [dom.sort, dom.labelFilter, dom.statusFilter, dom.group]) c.addEventListener('change', () => controller.relayout(true));
dom.threshold.addEventListener('input', () => {
  dom.thresholdOut.textContent = Number(dom.threshold.value).toFixed(2);
  controller.relayout(true);
});
new ResizeObserver(() => {
  if (controller.hasData) controller.relayout(false);
}).observe(dom.scroller);

controller.post({ type: 'ready' });
