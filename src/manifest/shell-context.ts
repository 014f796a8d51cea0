/**
 * Where each `${…}` of a string command sits, as the shell that runs it reads the text around it:
 * outside quotes, inside "…" or '…', inside `$(…)` or backticks (a fresh unquoted context, even
 * within "…"). The value is quoted for that place (shell-quote.ts). Constructs whose quoting this
 * small lexer cannot follow for certain (a here-document, `$'…'`, `${x:-…}`, `case` inside `$(…)`)
 * make every later reference unsupported: a wrong guess there would let a value reach the shell
 * unquoted.
 */
import type { TemplatePart } from './interpolate.js';

export type ShellContext =
  /** `backticks`: how many `…` enclose it; each strips one level of backslashes before its text is run. */
  { quote: 'none' | 'double' | 'single' | 'arithmetic'; backticks: number } | { quote: 'comment' } | { unsupported: string };

/** One character of the template's literal text, or a reference by its number. */
type Token = string | number;

const ESCAPED = 'a backslash right before it would undo the quoting of its value; remove the backslash';
const JOINED = 'a "$" right before it would make the value part of a shell expansion; remove the "$"';
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const PLAIN_PARAMETER = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[#@*?!$-])$/;

/** One context per reference, in order; for cmd.exe on Windows, for POSIX `sh` elsewhere. */
export function findShellContexts(parts: TemplatePart[], platform: NodeJS.Platform = process.platform): ShellContext[] {
  const tokens: Token[] = [];
  const contexts: ShellContext[] = [];
  for (const part of parts) {
    // A character at a time: spread into push's arguments, a command of 200 kB overflowed the stack.
    if (typeof part === 'string') for (const character of part) tokens.push(character);
    else tokens.push(contexts.push({ unsupported: 'devsup could not tell where it sits' }) - 1); // until the lexer places it
  }
  if (platform === 'win32') placeForCmd(tokens, contexts);
  else new ShLexer(contexts).script(tokens, 0, 0, false);
  return contexts;
}

/** cmd.exe knows only "…" (no escapes inside) and `^` outside it; `%NAME%` expands in both. */
function placeForCmd(tokens: Token[], contexts: ShellContext[]): void {
  let quoted = false;
  tokens.forEach((token, i) => {
    if (typeof token !== 'number') {
      if (token === '"' && (quoted || tokens[i - 1] !== '^')) quoted = !quoted;
      return;
    }
    const before = tokens[i - 1];
    if (before === '%') contexts[token] = { unsupported: 'a "%" right before it would make the value part of a %VARIABLE%; remove the "%"' };
    else if (before === '^' && !quoted)
      contexts[token] = { unsupported: 'a "^" right before it would undo the quoting of its value; remove the "^"' };
    else contexts[token] = { quote: quoted ? 'double' : 'none', backticks: 0 };
  });
}

class ShLexer {
  private lost: string | undefined; // once set, the lexer no longer knows where it is

  constructor(private readonly contexts: ShellContext[]) {}

  /** Unquoted shell text from `i`: to the end, or past the `)` that closes it when `nested` (`$(…)`). */
  script(t: Token[], i: number, backticks: number, nested: boolean): number {
    let depth = 0;
    let wordStart = true;
    while (i < t.length) {
      const c = t[i]!;
      if (typeof c === 'number') this.place(c, { quote: 'none', backticks });
      else if (c === '\\') i = this.escaped(t, i);
      else if (c === "'") i = this.singleQuoted(t, i + 1, backticks) - 1;
      else if (c === '"') i = this.doubleQuoted(t, i + 1, backticks) - 1;
      else if (c === '`') i = this.backquoted(t, i + 1, backticks, false) - 1;
      else if (c === '$') i = this.dollar(t, i, backticks, false) - 1;
      else if (c === '#' && wordStart) i = this.comment(t, i) - 1;
      else if (c === '<' && t[i + 1] === '<') this.lose('a here-document ("<<")');
      else if (nested && c === '(') depth += 1;
      else if (nested && c === ')') {
        if (depth === 0) return i + 1;
        depth -= 1;
      } else if (
        nested &&
        wordStart &&
        t
          .slice(i, i + 5)
          .join('')
          .match(/^case(?:\s|$)/)
      )
        this.lose('"case" inside "$(…)"');
      wordStart = typeof c === 'string' && WORD_BREAK.has(c);
      i += 1;
    }
    return i;
  }

  private place(ref: number, context: ShellContext): void {
    this.contexts[ref] =
      this.lost === undefined
        ? context
        : {
            unsupported: `devsup cannot follow the shell's quoting after ${this.lost}; pass the value in env (NAME: "\${…}") and write "$NAME" in the command`,
          };
  }

  private lose(what: string): void {
    this.lost ??= what;
  }

  /** A backslash outside quotes: the next character is literal. Returns the index of that character. */
  private escaped(t: Token[], i: number): number {
    const next = t[i + 1];
    if (typeof next === 'number') this.place(next, { unsupported: ESCAPED });
    return i + 1;
  }

  private singleQuoted(t: Token[], i: number, backticks: number): number {
    for (; i < t.length && t[i] !== "'"; i++) {
      const c = t[i]!;
      if (typeof c === 'number') this.place(c, { quote: 'single', backticks });
    }
    return i + 1;
  }

  private doubleQuoted(t: Token[], i: number, backticks: number): number {
    for (; i < t.length && t[i] !== '"'; i++) {
      const c = t[i]!;
      if (typeof c === 'number') this.place(c, { quote: 'double', backticks });
      else if (c === '\\' && typeof t[i + 1] === 'number') i = this.escaped(t, i);
      else if (c === '\\' && '$`"\\\n'.includes(String(t[i + 1]))) i += 1;
      else if (c === '`') i = this.backquoted(t, i + 1, backticks, true) - 1;
      else if (c === '$') i = this.dollar(t, i, backticks, true) - 1;
    }
    return i + 1;
  }

  /**
   * `…`: its text, with one level of backslashes taken off (before `$`, a backtick, `\`, and `"`
   * within double quotes), runs as a script of its own. Returns the index after the closing backtick.
   */
  private backquoted(t: Token[], i: number, backticks: number, inDouble: boolean): number {
    const body: Token[] = [];
    for (; i < t.length && t[i] !== '`'; i++) {
      const next = t[i + 1];
      if (t[i] === '\\' && typeof next === 'string' && ('$`\\'.includes(next) || (inDouble && next === '"'))) i += 1;
      body.push(t[i]!);
    }
    this.script(body, 0, backticks + 1, false);
    return i + 1;
  }

  /** `$` at `i`: `$(…)`, `$((…))`, `${name}`, `$$`, or a lone `$`. Returns the index after what it starts. */
  private dollar(t: Token[], i: number, backticks: number, inDouble: boolean): number {
    const next = t[i + 1];
    if (typeof next === 'number') {
      this.place(next, { unsupported: JOINED });
      return i + 2;
    }
    if (next === '(' && t[i + 2] === '(') return this.arithmetic(t, i + 3, backticks);
    if (next === '(') return this.script(t, i + 2, backticks, true);
    if (next === '$') return i + 2;
    if (next === "'" && !inDouble) this.lose(`"$'"`);
    if (next !== '{') return i + 1;
    const close = t.indexOf('}', i + 2);
    const name = close === -1 ? undefined : t.slice(i + 2, close);
    if (name?.every((c) => typeof c === 'string') && PLAIN_PARAMETER.test(name.join(''))) return close + 1;
    this.lose('a shell "${…}" expansion with an operator');
    return i + 2;
  }

  /** `$((…))`: a reference there must be a number. Returns the index after the closing `))`. */
  private arithmetic(t: Token[], i: number, backticks: number): number {
    for (let depth = 0; i < t.length; i++) {
      const c = t[i]!;
      if (typeof c === 'number') this.place(c, { quote: 'arithmetic', backticks });
      else if (c === '$') i = this.dollar(t, i, backticks, false) - 1;
      else if (c === '(') depth += 1;
      else if (c === ')' && depth > 0) depth -= 1;
      else if (c === ')' && t[i + 1] === ')') return i + 2;
      else if (c === "'" || c === '"' || c === '`' || c === '\\') this.lose('quotes inside "$((…))"');
    }
    return i;
  }

  /** `#` starting a word: the shell ignores the rest of the line. Returns the index of the newline. */
  private comment(t: Token[], i: number): number {
    for (; i < t.length && t[i] !== '\n'; i++) {
      const c = t[i]!;
      if (typeof c === 'number') this.place(c, { quote: 'comment' });
    }
    return i;
  }
}
