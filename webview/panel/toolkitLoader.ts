/**
 * Loads dist/webview/toolkit.js once, on demand, with the page's nonce (the CSP admits no
 * other script). Until it has run, the <vscode-*> elements are undefined: the stylesheet
 * keeps them invisible, and nothing may set their properties (a property set on an element
 * before its upgrade would hide the component's own accessor).
 */
export type ToolkitReady = () => Promise<void>;

export function toolkitLoader(src: string | undefined, nonce: string): ToolkitReady {
  let loaded: Promise<void> | undefined;
  return () =>
    (loaded ??= new Promise<void>((resolve, reject) => {
      if (!src) {
        reject(new Error('the page does not name the toolkit script'));
        return;
      }
      const script = document.createElement('script');
      script.nonce = nonce;
      script.src = src;
      script.addEventListener('load', () => resolve());
      script.addEventListener('error', () => reject(new Error(`could not load ${src}`)));
      document.body.append(script);
    }));
}
