/**
 * Strings that came from files (a run's name and dataset, archive entry names, a model's text)
 * are shown as plain text: no terminal escape sequences (colours, clear-screen, a new window
 * title), no other C0/C1 control characters (a bell), no bidirectional overrides or isolates
 * that reorder what is shown. Used by the command line and the renderer alike.
 */

/** CSI and OSC/string sequences first, so their parameters go with them, then single controls. */
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)|\x1b[ -/]*[0-~]/g;
/** C0 (but tab and line feed), DEL, C1, and the bidi embeddings, overrides, isolates and marks. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` without control characters; tabs and line breaks become spaces unless `multiline`. */
export function plainText(s: string, options: { multiline?: boolean } = {}): string {
  const out = s.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
  return options.multiline ? out : out.replace(/[\t\n]/g, ' ');
}
