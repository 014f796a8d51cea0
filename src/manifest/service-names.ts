/** What a service may be called: letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** What a profile may be called, the same: DEVSUP_PROFILES separates them with commas. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The service names a manifest's text declares, found without parsing or validating it, for shell
 * completion: a YAML manifest's keys of the top-level `services:` block map (flow style `{…}` has
 * none to find), a Procfile's `name:` lines. Only valid service names come back, so none carries
 * anything a shell would act on.
 */
export function serviceNamesIn(text: string, kind: 'yaml' | 'procfile'): string[] {
  const names = kind === 'procfile' ? procfileNames(text) : yamlServiceKeys(text);
  return [...new Set(names)].filter((name) => SERVICE_NAME.test(name));
}

/**
 * The profile names a manifest's text gives its services, found without parsing it, for shell
 * completion: each `profiles:` key's one name, flow list (`[debug, tools]`) or block list (`- debug`
 * lines after it). Only valid profile names come back.
 */
export function profileNamesIn(text: string): string[] {
  const names: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const value = /^\s+profiles\s*:(.*)$/
      .exec(line)?.[1]
      ?.replace(/\s#.*$/, '')
      .trim();
    if (value === undefined) return;
    if (value !== '') {
      for (const name of value.replace(/^\[|\]$/g, '').split(',')) names.push(name);
      return;
    }
    // Indexes, not a slice of the rest: copying it for each `profiles:` made a long manifest quadratic.
    for (let next = index + 1; next < lines.length; next++) {
      const item = lines[next]!;
      if (/^\s*(#.*)?$/.test(item)) continue;
      const entry = /^\s*-\s+(.*)$/.exec(item)?.[1];
      if (entry === undefined) break;
      names.push(entry.replace(/\s#.*$/, ''));
    }
  });
  const unquoted = names.map((name) => name.trim().replace(/^(["'])(.*)\1$/, '$2'));
  return [...new Set(unquoted)].filter((name) => PROFILE_NAME.test(name));
}

function procfileNames(text: string): string[] {
  return text.split(/\r?\n/).flatMap((line) => /^\s*([^#:\s][^:\s]*)\s*:/.exec(line)?.[1] ?? []);
}

/** `services:` at the start of a line, then the keys indented as its first key is; its block ends at the next line that is not indented. */
function yamlServiceKeys(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^services\s*:\s*(#.*)?$/.test(line));
  if (start === -1) return [];
  const keys: string[] = [];
  let indent: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue; // blank or comment
    if (!/^\s/.test(line)) break;
    const match = /^(\s+)(?:"([^"]+)"|'([^']+)'|([^\s#'"][^:#]*?))\s*:(?:\s|$)/.exec(line);
    indent ??= match?.[1];
    if (match && match[1] === indent) keys.push(match[2] ?? match[3] ?? match[4]!);
  }
  return keys;
}
