// Character classes, defined once: what a path or file name may contain, and
// how user text is shown in a message or a generated comment so that it stays
// on one line.

/**
 * Paths and file names: letters, digits and . _ - + /. Nothing any target splits
 * on: not a comma (dnsmasq fields, a second initrd, NFS mount options), a colon
 * (SERVER:/path), a space or tab (kernel parameters, exports), a semicolon
 * (dhcpd), an equals sign (KEY=value in option 129 and the kernel command line),
 * and no quote, bracket, brace, $, #, backslash or control character.
 */
export const PATH_CHARS = /^[A-Za-z0-9._+/-]+$/;
export const PATH_CHARS_DOC = 'letters, digits and . _ - + /';

const NAMED: Record<string, string> = {
  '"': 'a double quote', "'": 'a single quote', '`': 'a backquote', '{': 'a brace', '}': 'a brace', '[': 'a bracket', ']': 'a bracket',
  ';': 'a semicolon', '\\': 'a backslash', $: 'a dollar sign', '#': 'a hash sign', '<': 'an angle bracket', '>': 'an angle bracket',
  '|': 'a pipe', '\n': 'a newline', '\x00': 'a NUL byte', ',': 'a comma', ':': 'a colon', ' ': 'a space', '\t': 'a tab', '=': 'an equals sign',
};

/** Names a character in words, so that a message stays on one line and unambiguous. */
export const describeChar = (c: string): string => NAMED[c] ?? `character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/** User text fit for a one-line message or a comment: control characters as \n, \t or \xNN. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const n = c.charCodeAt(0);
    return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).padStart(2, '0')}`;
  });
}
