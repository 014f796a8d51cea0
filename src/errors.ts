/**
 * Errors that leave devsup through its one door, `cli/main.ts`, which prints `message` (and `hint`)
 * as one paragraph and exits with `exitCode`: 1 for a runtime failure, 2 for a usage or manifest error.
 * Deep code throws these; nothing below `cli/` calls `process.exit`.
 */
export class DevsupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A usage mistake on the command line (unknown flag, missing argument). */
export class UsageError extends DevsupError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint ?? 'Run `devsup --help` for the commands and their options.');
  }
}

/** Where in which file a problem sits; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** One problem found in a manifest, printed as `file:line:col: message`. */
export interface ManifestIssue extends SourcePosition {
  message: string;
}

export function formatIssue(issue: ManifestIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${shortenLongWords(issue.message)}`;
}

/** A key or value of megabytes, quoted whole, would drown its message and every one after it: its middle is left out. */
function shortenLongWords(message: string): string {
  return message.replace(/\S{201,}/g, (word) => `${word.slice(0, 80)}…(${word.length.toLocaleString('en-US')} characters)…${word.slice(-20)}`);
}

/** How many problems of a manifest are printed: more would scroll the first, which may cause the rest, out of sight. */
export const MAX_ISSUES_SHOWN = 100;

/** Every problem of a manifest at once (the first MAX_ISSUES_SHOWN of them printed); nothing is started when this is thrown. */
export class ManifestError extends DevsupError {
  constructor(readonly issues: ManifestIssue[]) {
    const more = issues.length - MAX_ISSUES_SHOWN;
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map(formatIssue);
    if (more > 0) shown.push(`…and ${more.toLocaleString('en-US')} more problems: fix these first, then run \`devsup check\` again.`);
    super(shown.join('\n'), 2);
  }
}

/** Another devsup already runs on this manifest; `detached`: in the background (`devsup up -d`), with no terminal to find it in. */
export class InstanceRunningError extends DevsupError {
  constructor(
    readonly pid: number,
    manifestFile: string,
    detached = false,
  ) {
    super(
      detached
        ? `devsup is already running for ${manifestFile} in the background (pid ${pid}, started with \`devsup up -d\`).`
        : `devsup is already running for ${manifestFile} (pid ${pid}).`,
      1,
      detached
        ? '`devsup attach` follows it; `devsup ports` shows its ports, `devsup logs` its output, and `devsup down` stops it.'
        : 'Use `devsup ports` to see its ports, `devsup logs` for its output, or `devsup down` to stop it.',
    );
  }
}

/** A read or control command found no running instance. */
export class NoInstanceError extends DevsupError {
  constructor(folder: string) {
    super(`devsup is not running in ${folder}`, 1);
  }
}

/** The message of anything thrown, for a sentence that says what went wrong. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
