/**
 * Entry point of the compare panel's webview (bundled to dist/webview/compare.js): registers
 * the toolkit's components, sets up the controller, then tells the host it is ready (the
 * host holds its state until then).
 */
import type { ComparePersistedState, HostToCompare } from '../../src/shared/compareProtocol';
import { registerToolkit } from '../shared/toolkit';
import { vscodeApi } from '../shared/vscodeApi';
import { CompareController } from './compareController';
import { queryCompareDom } from './compareDom';

registerToolkit();
const controller = new CompareController(queryCompareDom(), vscodeApi<ComparePersistedState>());

window.addEventListener('message', (event: MessageEvent<HostToCompare>) => {
  const message = event.data;
  if (message && typeof message === 'object' && typeof message.type === 'string') controller.handle(message);
});

vscodeApi().postMessage({ type: 'ready' });
