/**
 * VS Code theme colours for canvas drawing. Canvas cannot use CSS variables, so they are
 * read from the computed style when drawing (cheap, and always matches the current theme).
 */

export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Distinct series colours from the theme's chart palette. */
export function chartSeriesColors(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-red', '#f14c4c'),
  ];
}
