/**
 * The `${…}` language of `command`, `env` and `url`: parsed once to check every reference at load
 * time, rendered after ports are allocated. Only `${` and `$$` are special, so a shell's `$HOME`
 * in a command string passes through untouched.
 */
import { suggest } from './suggest.js';

export type Reference =
  | { kind: 'port'; service?: string; name?: string } // no service: this one; no name: its primary port
  | { kind: 'ports'; service: string } // the primary ports of every replica of the service, comma-separated
  | { kind: 'url'; service: string }
  | { kind: 'var'; name: string; fallback?: string };

/** Literal text, or a reference with the `${…}` text it was written as. */
export type TemplatePart = string | { ref: Reference; text: string };

export type ParsedTemplate = { parts: TemplatePart[] } | { error: string };

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1 || dollar === template.length - 1) {
      literal += template.slice(i);
      break;
    }
    literal += template.slice(i, dollar);
    const next = template[dollar + 1];
    if (next === '$') {
      literal += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const close = template.indexOf('}', dollar + 2);
      if (close === -1) return { error: `unclosed "\${" in "${template}"` };
      const text = template.slice(dollar, close + 1);
      const ref = parseReference(template.slice(dollar + 2, close));
      if (ref === undefined) return { error: describeInvalidReference(text, template.slice(dollar + 2, close)) };
      if (literal !== '') parts.push(literal);
      parts.push({ ref, text });
      literal = '';
      i = close + 1;
    } else {
      literal += '$';
      i = dollar + 1;
    }
  }
  if (literal !== '') parts.push(literal);
  return { parts };
}

export function parseReference(body: string): Reference | undefined {
  if (body === 'port') return { kind: 'port' };
  const own = /^ports\.(.+)$/s.exec(body);
  if (own) return { kind: 'port', name: own[1] };
  const variable = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(body);
  if (variable) return { kind: 'var', name: variable[1]!, ...(variable[2] !== undefined && { fallback: variable[2] }) };
  const named = /^(.+?)\.ports\.(.+)$/s.exec(body);
  if (named) return { kind: 'port', service: named[1], name: named[2] };
  const other = /^(.+)\.(port|ports|url)$/s.exec(body);
  if (other) return other[2] === 'url' ? { kind: 'url', service: other[1]! } : { kind: other[2] as 'port' | 'ports', service: other[1]! };
  return undefined;
}

/** What is wrong with `${body}`, with the nearest valid spelling when there is one (`${api.prot}` → `${api.port}`). */
function describeInvalidReference(text: string, body: string): string {
  const dotted = /^(.+)\.([^.]+)$/s.exec(body);
  const field = dotted ? suggest(dotted[2]!, ['port', 'url']) : undefined;
  if (dotted && field) return `invalid reference "${text}" — did you mean "\${${dotted[1]}.${field}}"?`;
  const variable = /^([A-Za-z_][A-Za-z0-9_]*)(?::[-=?+]?|[-=?+])(.*)$/s.exec(body); // shell forms: ${VAR-x} ${VAR:=x} ${VAR:x}
  if (variable) return `invalid reference "${text}": a default is written \${${variable[1]}:-${variable[2]}}`;
  return `invalid reference "${text}": use \${port}, \${ports.NAME}, \${SERVICE.port}, \${SERVICE.ports}, \${SERVICE.ports.NAME}, \${SERVICE.url}, \${VAR} or \${VAR:-default}`;
}

/** `lookup` also gets the reference's number among the template's references (0 for the first). */
export function renderTemplate(parts: TemplatePart[], lookup: (ref: Reference, text: string, index: number) => string): string {
  let index = 0;
  return parts.map((part) => (typeof part === 'string' ? part : lookup(part.ref, part.text, index++))).join('');
}
