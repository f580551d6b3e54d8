/**
 * Entry of dist/webview/toolkit.js: the webview UI toolkit's components (two thirds of the
 * panel's script), in their own script so the first paint of a prediction does not wait
 * for them. webview/panel/toolkitLoader.ts loads it; defining the components upgrades the
 * <vscode-*> elements already in the page.
 */
import { registerToolkit } from '../shared/toolkit';

registerToolkit();
