/** Lets the event loop run (the extension host must stay responsive during long loops). */
export function breathe(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
