/**
 * A value as exactly one word of a string command, quoted for its place there (shell-context.ts)
 * and for the shell that runs it: `sh` on POSIX systems, cmd.exe on Windows.
 */
import type { ShellContext } from './shell-context.js';

type Quotable = Exclude<ShellContext, { unsupported: string }>;

/** Characters no shell treats specially: such a value may stay bare (and the command may then run without one). */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;
/** What cmd.exe reads outside "…" (cross-spawn's list): each is escaped with `^`. */
const CMD_SPECIAL = /[()[\]%!^"`<>&|;, *?]/g;

export function quoteForShell(value: string, context: Quotable, platform: NodeJS.Platform = process.platform): string | { error: string } {
  return platform === 'win32' ? quoteForCmd(value, context) : quoteForSh(value, context);
}

function quoteForSh(value: string, context: Quotable): string | { error: string } {
  if (context.quote === 'comment') return ''; // the shell skips it, and a line break in the value would end the comment
  if (context.quote === 'arithmetic' && !/^-?[0-9]+$/.test(value)) return { error: 'inside "$((…))" the value must be a whole number' };
  let quoted = value;
  if (context.quote === 'none') quoted = SAFE_WORD.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
  else if (context.quote === 'double') quoted = value.replace(/[\\"$`]/g, '\\$&');
  else if (context.quote === 'single') quoted = value.replaceAll("'", "'\\''");
  // Each enclosing backquote takes one level of backslashes off before its text runs.
  for (let level = 0; level < context.backticks; level++) quoted = quoted.replace(/[\\`$]/g, '\\$&');
  return quoted;
}

/**
 * cmd.exe has no quoting that holds every character: references are safest outside "…", where the
 * value becomes one program argument quoted as the C runtime parses it, with every character cmd
 * reads escaped by `^` — cmd itself then sees no quotes at all, and `^%` spoils a %VARIABLE%.
 * Inside "…" (cmd's quotes cannot be escaped), `"` is doubled, which keeps cmd inside its quotes
 * and is one `"` to the C runtime, and `%` steps out of the quotes to be escaped.
 */
function quoteForCmd(value: string, context: Quotable): string | { error: string } {
  if (/[\r\n]/.test(value)) return { error: 'cmd.exe cannot pass a line break in an argument' };
  if (context.quote === 'double')
    return value
      .replace(/(\\*)$/, '$1$1')
      .replace(/(\\*)"/g, '$1$1""')
      .replaceAll('%', '"^%"');
  const argument = `"${value.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, '$1$1')}"`;
  return argument.replace(CMD_SPECIAL, '^$&');
}
