/**
 * Entry point of the classify panel's webview (bundled to dist/webview/panel.js).
 * Sets up the UI, then tells the host it is ready: the host holds its state messages
 * until then, so none can arrive before the listener exists.
 */
import type { HostToPanel, PanelPersistedState } from '../../src/shared/protocol';
import { vscodeApi } from '../shared/vscodeApi';
import { PanelController } from './panelController';
import { queryPanelDom } from './panelDom';
import { registerToolkit } from '../shared/toolkit';

registerToolkit();
const vscode = vscodeApi<PanelPersistedState>();
const controller = new PanelController(queryPanelDom(), vscode);

window.addEventListener('message', (event: MessageEvent<HostToPanel>) => {
  const message = event.data;
  if (message && typeof message === 'object' && typeof message.type === 'string') controller.handle(message);
});

vscode.postMessage({ type: 'ready' });
