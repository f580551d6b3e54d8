/**
 * The frame every RCNN Lens webview shares: strict CSP, one stylesheet, one nonce'd
 * script, HTML-escaped values. Pure (no vscode import) so it can be unit-tested.
 */
export interface WebviewDocumentOptions {
  /** The full Content-Security-Policy value. */
  csp: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** Stylesheets loaded before styleUri (the codicon font's), so the panel's own rules win. */
  extraStyleUris?: readonly string[];
  title: string;
  /** Trusted markup for <body>, already escaped where it interpolates values. */
  body: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** For double-quoted attribute values: leaves single quotes readable (the CSP is full of them). */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function webviewDocument(o: WebviewDocumentOptions): string {
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(o.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${(o.extraStyleUris ?? []).map((u) => `<link rel="stylesheet" href="${e(u)}">\n`).join('')}<link rel="stylesheet" href="${e(o.styleUri)}">
<title>${e(o.title)}</title>
</head>
<body>
${o.body}
<script nonce="${e(o.nonce)}" src="${e(o.scriptUri)}"></script>
</body>
</html>`;
}
