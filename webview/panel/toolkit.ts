/** Registers the webview UI toolkit components the panel's markup uses. */
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
