/**
 * The one rule for what devsup never prints, shared by every output (`check`, the port table,
 * `ports --json`, ports.json, state.json, `who`, messages that quote a command line): values whose
 * NAME looks secret, and secrets recognisable by their VALUE in free text. It sits below every layer
 * so each can apply it where it prints; a service's own log lines are its own and never pass here.
 */
export const MASK = '••••••';

const SECRET_NAME = /key|secret|token|pass|pwd|auth|credential|private|dsn|bearer|cookie|session/i;

// Up to the last `@` before the path, so a password holding an `@` is covered too.
const URL_USERINFO = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]*@/gi;
const BEARER = /\b(bearer\s+)[^\s'"]+/gi;
// `?token=…&…` in a URL: the value ends where the next parameter or the fragment starts.
const QUERY_PARAMETER = /([?&;])([^=&#\s]+)=[^&#\s'"]*/g;
// `NAME=value` in a command line, `--name=value`, `-Dname=value`: the value ends at a space.
const ASSIGNMENT = /(^|[\s,'"(])(-{0,2}[a-z_][\w.-]*)=("[^"]*"|'[^']*'|[^\s'"]*)/gi;
// `--name value`: a flag's next word, unless that is another flag.
const SPACED_FLAG = /(^|\s)(--?[a-z][\w.-]*)(\s+)("[^"]*"|'[^']*'|[^\s'"-]\S*)/gi;
const FLAG = /^--?[a-z][\w.-]*$/i;
// What each pattern above needs to match at all: an `@`, "bearer", an `=`, or a `-` starting a word.
const MAY_HOLD_SECRET = /[@=]|bearer|(?:^|\s)-/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `text` with every secret recognisable by its value (URL credentials, tokens, secret-named settings) masked. */
export function maskSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text; // most text: `check` masks every value of a large manifest
  return text
    .replace(URL_USERINFO, `$1${MASK}@`)
    .replace(BEARER, `$1${MASK}`)
    .replace(QUERY_PARAMETER, (match, before: string, name: string) => (isSecretName(name) ? `${before}${name}=${MASK}` : match))
    .replace(ASSIGNMENT, (match, before: string, name: string) => (isSecretName(name) ? `${before}${name}=${MASK}` : match))
    .replace(SPACED_FLAG, (match, before: string, flag: string, space: string) => (isSecretName(flag) ? `${before}${flag}${space}${MASK}` : match));
}

/** A command as a list of words: each masked by value, and the word after a secret-named flag (`--token`, `s3cret`) masked whole. */
export function maskSecretArgs(words: string[]): string[] {
  return words.map((word, index) => {
    const previous = words[index - 1];
    const isFlagValue = previous !== undefined && FLAG.test(previous) && isSecretName(previous) && !word.startsWith('-');
    return isFlagValue ? MASK : maskSecrets(word);
  });
}
