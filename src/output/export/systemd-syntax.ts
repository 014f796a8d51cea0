import { DevsupError } from '../../errors.js';

/**
 * Values as systemd reads them in a unit file (systemd.syntax(7), systemd.service(5) "Command
 * lines"): `%` starts a specifier everywhere, `$` a variable in command lines only, and quoted
 * words take C escapes. Each function writes a value so that systemd reads back exactly it.
 */

const CONTROL = /(?!\t)\p{Cc}/u; // a tab is fine inside quotes

/** A word that needs no quotes: nothing systemd or a reader could take for syntax. */
const PLAIN_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;

/** One word of ExecStart= and its kin: double-quoted with C escapes, `%` and `$` doubled, unless plain. */
export function commandWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return quotedWord(word);
}

function quotedWord(word: string): string {
  const escaped = word.replace(/[\\"%$\p{Cc}]/gu, (char) => {
    if (char === '%') return '%%';
    if (char === '$') return '$$';
    if (char === '\\' || char === '"') return `\\${char}`;
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `"${escaped}"`;
}

/** A command line; a program starting with `-`, `@`, `+`, `!` or `:` is quoted, or systemd would read a prefix. */
export function commandLine(argv: string[]): string {
  return argv.map((word, index) => (index === 0 && /^[-@+!:]/.test(word) ? quotedWord(word) : commandWord(word))).join(' ');
}

/**
 * `Environment="NAME=value"`: no variable expansion there, but specifiers and quoting. A line
 * break cannot be written in one, for certain, on every systemd: such a value is refused, with
 * where it can go instead.
 */
export function environmentAssignment(service: string, name: string, value: string): string {
  if (CONTROL.test(value))
    throw new DevsupError(
      `service "${service}": env ${name} holds a line break or another control character, which a systemd Environment= line cannot hold.`,
      2,
      `Put ${name} in an env file (env_file:): the unit reads it from there with EnvironmentFile=.`,
    );
  return `"${`${name}=${value}`.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%')}"`;
}

/** A path setting (WorkingDirectory=, EnvironmentFile=): the rest of the line, specifiers doubled. */
export function unitPath(file: string, what: string): string {
  if (CONTROL.test(file) || /\s$/.test(file) || file.includes('\\'))
    throw new DevsupError(
      `${what} ${JSON.stringify(file)} has a character a systemd unit cannot hold in a path (a line break, a backslash, trailing space).`,
      2,
      'Rename the folder or file, or export from a checkout whose path has none.',
    );
  return file.replace(/%/g, '%%');
}

/** Free text (Description=): specifiers doubled, line breaks made spaces. */
export function unitText(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ').replace(/%/g, '%%');
}

/** `5000` ms → `5s`, `1500` → `1500ms`: the time spans systemd takes. */
export function timeSpan(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
