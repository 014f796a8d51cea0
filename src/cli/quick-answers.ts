/** Help that `devsup` prints without loading itself, rendered from the command list when it is built. */
export interface QuickAnswers {
  /** With MANIFEST_REFERENCE_SLOT where the path of docs/manifest.md goes: the installed one, known only when it runs. */
  overview: string;
  /** Each command's help, by name (hidden commands too). */
  commands: Record<string, string>;
}

export const MANIFEST_REFERENCE_SLOT = '\u0000manifest-reference\u0000';

const HELP = new Set(['--help', '-h']);
const VERSION = new Set(['--version', '-V', '-v']);

/**
 * What `argv` asks for when it is one of the plain forms of help, with the words main.ts reads the
 * same way: nothing, `--help`, `-h` or `help` (the overview); `help COMMAND`, `COMMAND --help` or
 * `COMMAND -h` of a known command; `--version`, `-V` or `-v`. Undefined for anything else, which
 * main.ts answers, as it does every form with more words.
 */
export function quickAnswer(argv: string[], answers: QuickAnswers): { text: string } | 'version' | undefined {
  const [first, second, ...more] = argv;
  if (more.length > 0) return undefined;
  if (second === undefined) {
    if (first === undefined || first === 'help' || HELP.has(first)) return { text: answers.overview };
    return VERSION.has(first) ? 'version' : undefined;
  }
  const name = first === 'help' ? second : HELP.has(second) ? first! : undefined;
  return name !== undefined && Object.hasOwn(answers.commands, name) ? { text: answers.commands[name]! } : undefined;
}
