/**
 * Entry point of the classify panel's webview (bundled to dist/webview/panel.js).
 * Sets up the UI, then tells the host it is ready: the host holds its state messages
 * until then, so none can arrive before the listener exists. The toolkit's components
 * come in their own script (toolkitLoader.ts), fetched meanwhile; the result's first
 * paint does not wait for them.
 */
import type { HostToPanel, PanelPersistedState } from '../../src/shared/protocol';
import { vscodeApi } from '../shared/vscodeApi';
import { markStage } from './paintTiming';
import { PanelController } from './panelController';
import { queryPanelDom } from './panelDom';
import { toolkitLoader } from './toolkitLoader';

markStage('script');
const script = document.currentScript as HTMLScriptElement | null;
const dom = queryPanelDom();
const toolkit = toolkitLoader(dom.panel.dataset.toolkitSrc, script?.nonce ?? '');
const vscode = vscodeApi<PanelPersistedState>();
const controller = new PanelController(dom, vscode, toolkit);

window.addEventListener('message', (event: MessageEvent<HostToPanel>) => {
  const message = event.data;
  if (message && typeof message === 'object' && typeof message.type === 'string') {
    markStage(`${message.type}-received`);
    controller.handle(message);
  }
});

vscode.postMessage({ type: 'ready' });
markStage('ready-sent');
// Fetched now, while the host answers: a request still open when the panel closes would hold up
// the next panel's webview (VS Code's service worker cannot update while a fetch is pending).
void toolkit().catch(() => undefined);
