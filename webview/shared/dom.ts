/** Small DOM helpers shared by the webviews. */

/** The element with data-testid=`id` under `root`, checked to be of the expected class. */
export function byTestId<T extends Element>(root: ParentNode, id: string, ctor: abstract new (...args: never[]) => T): T {
  const found = root.querySelector(`[data-testid="${id}"]`);
  if (!(found instanceof ctor)) throw new Error(`panel markup is missing [data-testid=${id}] (${ctor.name})`);
  return found;
}

/** Creates an element with text and attributes; children are appended in order. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** Shows or hides an element through the `hidden` attribute (styled by panel.css). */
export function setShown(node: HTMLElement, shown: boolean): void {
  node.hidden = !shown;
}
