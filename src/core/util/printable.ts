/**
 * Text from files and models (file names, class names, error messages that quote them) is
 * shown to people in a terminal and in VS Code's output panel. Control characters in it
 * could clear the screen, retitle the terminal, hide text or fake lines (ESC[2J, ESC]0;…BEL,
 * a carriage return, bidirectional overrides). These helpers show them as visible escapes
 * (`\x1b`, `\u202e`) instead. JSON output needs none of this: JSON.stringify escapes them.
 */

/** C0 and C1 controls, DEL, and the bidirectional embedding/override/isolate marks. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of untrusted text (a file name, a label): every control character escaped, newlines too. */
export function printableLine(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** Untrusted multi-line text (an error message): newlines kept, every other control escaped. */
export function printable(text: string): string {
  return text.replace(CONTROLS_EXCEPT_NEWLINE, escape);
}
