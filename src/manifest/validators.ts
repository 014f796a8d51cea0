import { constants } from 'node:os';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import type { PortRange } from './service-spec.js';
import { parseDuration } from './durations.js';
import { environment } from './env-record.js';
import { describeUnknownKey } from './foreign-keys.js';
import { didYouMean, listChoices, suggest } from './suggest.js';
import type { MapNode, YamlNode } from './yaml-node.js';

/**
 * Small readers shared by the manifest's sections. Each checks one value, records an issue when it is
 * wrong and returns the typed value, or undefined when the value is absent or wrong (the caller then
 * falls back to the default, so every other check still runs and all problems are reported at once).
 */

export function addIssue(issues: ManifestIssue[], pos: SourcePosition, message: string): void {
  issues.push({ ...pos, message });
}

/** `NAME must be EXPECTED, not "x"` (or `, but is empty`). */
export function reportWrong(issues: ManifestIssue[], node: YamlNode, name: string, expected: string, hint = ''): void {
  addIssue(issues, node.pos, `${name} must be ${expected}${describeActual(node)}${hint}`);
}

function describeActual(node: YamlNode): string {
  if (node.kind === 'list') return node.items.length === 0 ? ', but is an empty list' : ', not a list';
  if (node.kind === 'map') return node.entries.size === 0 ? ', but is an empty map' : ', not a map';
  if (node.value === null) return ', but is empty';
  return `, not ${typeof node.value === 'string' ? `"${node.value}"` : String(node.value)}`;
}

export function checkKeys(map: MapNode, allowed: readonly string[], issues: ManifestIssue[]): void {
  for (const [key, entry] of map.entries) {
    if (!allowed.includes(key)) addIssue(issues, entry.keyPos, `unknown key "${key}"${describeUnknownKey(key, allowed)}`);
  }
}

export function readMap(node: YamlNode | undefined, name: string, expected: string, issues: ManifestIssue[]): MapNode | undefined {
  if (node === undefined || node.kind === 'map') return node;
  reportWrong(issues, node, name, expected);
  return undefined;
}

export function readString(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): string | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && typeof node.value === 'string' && node.value.trim() !== '') return node.value;
  reportWrong(issues, node, name, 'a non-empty string');
  return undefined;
}

export function readBoolean(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): boolean | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value;
  reportWrong(issues, node, name, 'true or false');
  return undefined;
}

/** One string or a list of strings (globs, paths), always returned as a list. */
export function readStringList(node: YamlNode | undefined, name: string, what: string, issues: ManifestIssue[]): string[] | undefined {
  if (node === undefined) return undefined;
  const items = node.kind === 'list' ? node.items : [node];
  const values = items.map((item) => (item.kind === 'scalar' && typeof item.value === 'string' && item.value !== '' ? item.value : undefined));
  if (values.every((value): value is string => value !== undefined)) return values;
  reportWrong(issues, node, name, `a ${what} or a list of ${what}s`);
  return undefined;
}

export function readChoice<T extends string>(
  node: YamlNode | undefined,
  name: string,
  choices: readonly T[],
  issues: ManifestIssue[],
): T | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && choices.includes(node.value as T)) return node.value as T;
  const hint = node.kind === 'scalar' && typeof node.value === 'string' ? didYouMean(node.value, choices) : '';
  reportWrong(issues, node, name, listChoices(choices), hint);
  return undefined;
}

export function readNonNegativeInteger(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): number | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && Number.isInteger(node.value) && (node.value as number) >= 0) return node.value as number;
  reportWrong(issues, node, name, 'a whole number, 0 or more');
  return undefined;
}

export function readDuration(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): number | undefined {
  if (node === undefined) return undefined;
  const ms = node.kind === 'scalar' && (typeof node.value === 'string' || typeof node.value === 'number') ? parseDuration(node.value) : undefined;
  if (ms !== undefined) return ms;
  reportWrong(issues, node, name, 'a duration like "500ms", "5s" or "1m", or a number of milliseconds');
  return undefined;
}

/** A preferred port: 1–65535 or `auto`. */
export function readPort(node: YamlNode, name: string, issues: ManifestIssue[]): number | 'auto' | undefined {
  const value = node.kind === 'scalar' ? node.value : undefined;
  if (value === 'auto' || (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535)) return value as number | 'auto';
  if (value === 0) addIssue(issues, node.pos, `${name} 0 is not allowed: use "auto" for any free port`);
  else if (Number.isInteger(value)) addIssue(issues, node.pos, `${name} ${String(value)} is out of range: use 1–65535`);
  else reportWrong(issues, node, name, 'a port number from 1 to 65535 or "auto"');
  return undefined;
}

/** A range written `"A-B"` with 1 ≤ A ≤ B ≤ 65535; undefined (no issue) when `text` is not that shape. */
export function parsePortRange(text: string): PortRange | 'invalid' | undefined {
  const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  return from >= 1 && from <= to && to <= 65535 ? { from, to } : 'invalid';
}

export function readPortRange(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): PortRange | undefined {
  if (node === undefined) return undefined;
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
  const range = text === undefined ? undefined : parsePortRange(text);
  if (range === 'invalid') addIssue(issues, node.pos, `${name} "${text}" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535`);
  else if (range === undefined) reportWrong(issues, node, name, 'a range like "10000-10999"');
  return range === 'invalid' ? undefined : range;
}

/** Environment values: strings, numbers and booleans, all kept as strings. */
export function readEnv(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): Record<string, string> {
  const env = environment(); // (also faster to fill than `{}`: nothing to look up above it)
  const map = readMap(node, name, 'a map of variable names to values', issues);
  for (const [key, { node: value, keyPos }] of map?.entries ?? []) {
    // The OS keeps a variable as one "NAME=value" string: a name with "=" would reach the program cut at it.
    if (key === '' || key.includes('=')) {
      addIssue(
        issues,
        keyPos,
        `${name} has a variable named ${JSON.stringify(key)}: a name must be non-empty and without "=", or no process receives it as written`,
      );
      continue;
    }
    if (value.kind === 'scalar' && value.value !== null) env[key] = String(value.value);
    else reportWrong(issues, value, `${name}.${key}`, 'a string, a number or true/false');
  }
  return env;
}

/** `TERM` or `SIGTERM` (any case) → `SIGTERM`, if the OS knows the signal. */
export function readSignal(node: YamlNode | undefined, name: string, issues: ManifestIssue[]): NodeJS.Signals | undefined {
  if (node === undefined) return undefined;
  const known = Object.keys(constants.signals);
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    const upper = node.value.toUpperCase();
    const signal = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (known.includes(signal)) return signal as NodeJS.Signals;
    // Compare bare names: the shared "SIG" would make every short typo look close to some signal.
    const near = suggest(
      signal.slice(3),
      known.map((name) => name.slice(3)),
    );
    addIssue(issues, node.pos, `${name} "${node.value}" is not a known signal${near ? ` — did you mean "SIG${near}"?` : ''}`);
    return undefined;
  }
  reportWrong(issues, node, name, 'a signal name like "SIGTERM" or "INT"');
  return undefined;
}
