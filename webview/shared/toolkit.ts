/**
 * The one component layer of both webviews (classify panel and review gallery): the
 * VS Code webview UI toolkit's components, registered once, plus the few helpers that
 * make its dropdown behave like a <select> for our code.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
  );
}

/** The toolkit's dropdown and checkbox, as far as the panel uses them. */
export interface ToolkitDropdown extends HTMLElement {
  value: string;
  disabled: boolean;
}

export interface ToolkitCheckbox extends HTMLElement {
  checked: boolean;
}

/**
 * Sets a toolkit dropdown's value. Freshly added options are slotted asynchronously, so
 * the option is also marked selected, which the dropdown honours once it sees it.
 */
export function setDropdown(dropdown: ToolkitDropdown, value: string): void {
  for (const option of Array.from(dropdown.querySelectorAll('vscode-option'))) {
    option.toggleAttribute('selected', option.getAttribute('value') === value);
  }
  if (dropdown.value !== value) dropdown.value = value;
}

export function toolkitOption(value: string, text: string): HTMLElement {
  const option = document.createElement('vscode-option');
  option.setAttribute('value', value);
  option.textContent = text;
  return option;
}
