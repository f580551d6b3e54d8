/** Works out which image(s) a classify command is about. */
import * as path from 'node:path';
import * as vscode from 'vscode';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'bmp'];

export function looksLikeImage(uri: vscode.Uri): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(uri.path).slice(1).toLowerCase());
}

function uriOfActiveTab(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}

/**
 * From the explorer (one uri, or the multi-selection), the editor title, or the
 * active tab; falls back to a file picker so the palette command always does something.
 */
export async function resolveImageTargets(arg?: unknown, multi?: unknown): Promise<vscode.Uri[]> {
  if (Array.isArray(multi) && multi.length > 1 && multi.every((u) => u instanceof vscode.Uri)) {
    // A multi-selection may hold folders and other files: keep the images.
    return (multi as vscode.Uri[]).filter((u) => u.scheme === 'file' && looksLikeImage(u));
  }
  if (arg instanceof vscode.Uri) return [arg];
  const active = uriOfActiveTab();
  if (active && active.scheme === 'file' && looksLikeImage(active)) return [active];
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Classify',
    filters: { Images: IMAGE_EXTENSIONS },
  });
  return picked ?? [];
}
