import { describe, expect, test } from 'vitest';
import { formatIssue } from '../errors.js';
import { parseYaml } from './parse-yaml.js';
import { childOf, toPlain } from './yaml-node.js';

describe('parseYaml', () => {
  test('every value and key keeps its file, line and column', () => {
    const { root, issues } = parseYaml('services:\n  web:\n    command: node s.js\n    port: 8080\n', 'services.yaml');
    expect(issues).toEqual([]);
    const web = childOf(childOf(root, 'services'), 'web');
    expect(childOf(web, 'port')).toEqual({ kind: 'scalar', value: 8080, pos: { file: 'services.yaml', line: 4, column: 11 } });
    expect(web?.kind === 'map' && web.entries.get('command')?.keyPos).toEqual({ file: 'services.yaml', line: 3, column: 5 });
  });

  test('a duplicate key is an issue at the second occurrence', () => {
    const { issues } = parseYaml('services:\n  web: { command: a }\n  web: { command: b }\n', 'services.yaml');
    expect(issues.map(formatIssue)).toEqual(['services.yaml:3:3: duplicate key "web"']);
  });

  test('syntax errors are issues with positions, and no tree is returned', () => {
    const { root, issues } = parseYaml('services:\n  web: [a, b\n', 'x.yaml');
    expect(root).toBeUndefined();
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.file === 'x.yaml' && issue.line >= 2 && issue.message.startsWith('invalid YAML: '))).toBe(true);
  });

  test('the common syntax mistakes say what to do', () => {
    const messages = (text: string) => parseYaml(text, 'services.yaml').issues.map(formatIssue);
    expect(messages('services:\n  web:\n    command: node -e "x: y"\n')).toEqual([
      'services.yaml:3:14: invalid YAML: Nested mappings are not allowed in compact mappings — this value holds ": ", which YAML reads as a new key: put the whole value in quotes (command: \'node -e "a: b"\') or write it as a list',
    ]);
    expect(messages('services:\n  web:\n    command: echo hi\n     port: 3\n')[0]).toMatch(
      /^services\.yaml:3:14: invalid YAML: .* — check the indentation of the line below: it is deeper than its neighbours$/,
    );
    expect(messages('services:\n  web:\n    command: @x\n')).toEqual([
      'services.yaml:3:14: invalid YAML: Plain value cannot start with reserved character @ — put the value in quotes',
    ]);
    expect(messages('services:\n\tweb: {}\n')[0]).toMatch(
      /^services\.yaml:2:1: invalid YAML: Tabs are not allowed as indentation — indent with spaces$/,
    );
  });

  test('several documents are refused', () => {
    const { issues } = parseYaml('a: 1\n---\nb: 2\n', 'services.yaml');
    expect(issues.map((issue) => issue.message)).toEqual(['only one YAML document is allowed: remove the "---" separator']);
  });

  test('an empty file has no tree and no issues', () => {
    expect(parseYaml('# nothing yet\n', 'services.yaml')).toEqual({ root: undefined, issues: [] });
  });

  test('aliases and merge keys share settings; written keys win over merged ones', () => {
    const text = 'base: &base { restart: always, port: 1 }\nweb:\n  <<: *base\n  port: 2\nlist: [*base]\n';
    const { root, issues } = parseYaml(text, 'services.yaml');
    expect(issues).toEqual([]);
    expect(toPlain(root!)).toEqual({
      base: { restart: 'always', port: 1 },
      web: { port: 2, restart: 'always' },
      list: [{ restart: 'always', port: 1 }],
    });
  });

  test('an unknown or self-containing alias is an issue, not a hang', () => {
    expect(parseYaml('a: &a [*a]\n', 'f.yaml').issues.map(formatIssue)).toEqual(['f.yaml:1:8: alias "*a" refers to a value that contains it']);
    expect(parseYaml('a: *nope\n', 'f.yaml').issues.map(formatIssue)).toEqual(['f.yaml:1:4: alias "*nope" is not defined']);
  });

  test('keys that are not text are refused; numbers and null as keys are text', () => {
    expect(parseYaml('? [a]\n: 1\n', 'f.yaml').issues.map((issue) => issue.message)).toEqual(['a key must be plain text, not a list or a map']);
    expect(toPlain(parseYaml('8080: a\nnull: b\n', 'f.yaml').root!)).toEqual({ '8080': 'a', null: 'b' });
  });
});

/** `a` is a list of ten words; every later level a list of ten aliases of the level before (10^levels values). */
function aliasBomb(levels: number): string {
  const names = 'abcdefghij';
  const lines = [`a: &a [${Array(10).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `${names[i]}: &${names[i]} [${Array(10)
        .fill(`*${names[i - 1]}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nservices: {}\n`;
}

describe('hostile input', () => {
  test('an alias bomb is stopped while it expands, with one issue at the alias that passed the limit', () => {
    const text = aliasBomb(7);
    expect(text.length).toBeLessThan(500);
    const { root, issues } = parseYaml(text, 'f.yaml');
    expect(root).toBeUndefined();
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^f\.yaml:5:\d+: alias "\*d" expands this file's aliases to more than 100000 values: write the values out, or nest fewer aliases$/,
      ),
    ]);
  });

  test('sharing settings with <<: *base across 500 services stays far below the alias limit', () => {
    const base = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`K${i}`, i]));
    const services = Array.from({ length: 500 }, (_, i) => `  s${i}: { <<: *base, command: run-${i} }`);
    const { root, issues } = parseYaml(`base: &base ${JSON.stringify(base)}\nservices:\n${services.join('\n')}\n`, 'f.yaml');
    expect(issues).toEqual([]);
    expect(toPlain(childOf(childOf(root, 'services'), 's499')!)).toEqual({ ...base, command: 'run-499' });
  });

  test('70,000 keys in one map load, each kept once', () => {
    const lines = Array.from({ length: 70_000 }, (_, i) => `      KEY_${i}: value-${i}`);
    const { root, issues } = parseYaml(`services:\n  web:\n    command: x\n    env:\n${lines.join('\n')}\n`, 'f.yaml');
    expect(issues).toEqual([]);
    const env = childOf(childOf(childOf(root, 'services'), 'web'), 'env');
    expect(env?.kind === 'map' && env.entries.size).toBe(70_000);
    expect(childOf(env, 'KEY_69999')).toMatchObject({ value: 'value-69999', pos: { line: 70_004 } });
  });

  test('30,000 keys in a file left to the yaml library load too: its duplicate check, quadratic, stays off', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `      KEY_${i}: value-${i}`);
    const text = `shared: &shared 1\nservices:\n  web:\n    command: x\n    env:\n${lines.join('\n')}\n      KEY_7: again\n`;
    const { root, issues } = parseYaml(text, 'f.yaml');
    expect(issues.map(formatIssue)).toEqual(['f.yaml:30006:7: duplicate key "KEY_7"']);
    const env = childOf(childOf(childOf(root, 'services'), 'web'), 'env');
    expect(env?.kind === 'map' && env.entries.size).toBe(30_000);
  });

  test('duplicate keys are found in flow maps too, and keys that read as the same text are duplicates', () => {
    expect(parseYaml('a: { x: 1, y: 2, x: 3 }\n', 'f.yaml').issues.map(formatIssue)).toEqual(['f.yaml:1:18: duplicate key "x"']);
    expect(parseYaml('env:\n  1: a\n  "1": b\n', 'f.yaml').issues.map(formatIssue)).toEqual(['f.yaml:3:3: duplicate key "1"']);
  });

  test('a NUL byte in any value or key is an issue naming where it sits', () => {
    const text = [
      'env: { A: "x\\0y" }',
      'services:',
      '  web:',
      '    command: [node, "a\\0"]',
      '    cwd: "sub\\0"',
      '    env: { "B\\0": 1, C: "\\0" }',
      '    ready: { exec: "test\\0" }',
      '',
    ].join('\n');
    expect(parseYaml(text, 'f.yaml').issues.map(formatIssue)).toEqual([
      'f.yaml:1:11: env.A contains a NUL byte, which no process can receive: remove it',
      'f.yaml:4:21: command[1] contains a NUL byte, which no process can receive: remove it',
      'f.yaml:5:10: cwd contains a NUL byte, which no process can receive: remove it',
      'f.yaml:6:12: the key "B\\u0000" of env contains a NUL byte, which no process can receive: remove it',
      'f.yaml:6:25: env.C contains a NUL byte, which no process can receive: remove it',
      'f.yaml:7:20: ready.exec contains a NUL byte, which no process can receive: remove it',
    ]);
  });

  test('unknown and unsupported tags are issues at the tag; the standard ones are fine', () => {
    const text = 'a: !foo x\nb: !!js/function y\nc: !!set {x}\nd: !custom\n  e: 1\nf: !!binary aGk=\n';
    expect(parseYaml(text, 'f.yaml').issues.map(formatIssue)).toEqual([
      'f.yaml:1:4: unknown tag !foo: devsup reads plain YAML values; remove the tag',
      'f.yaml:2:4: unknown tag !!js/function: devsup reads plain YAML values; remove the tag',
      'f.yaml:3:4: unknown tag !!set: devsup reads plain YAML values; remove the tag',
      'f.yaml:4:4: unknown tag !custom: devsup reads plain YAML values; remove the tag',
      'f.yaml:6:4: unknown tag !!binary: devsup reads plain YAML values; remove the tag',
    ]);
    const standard = 'a: !!str 1\nb: !!int "2"\nc: !!bool true\nd: !!null ""\ne: !!float 1.5\nf: !!map {}\ng: !!seq []\nh: ! x\n';
    const { root, issues } = parseYaml(standard, 'f.yaml');
    expect(issues).toEqual([]);
    expect(toPlain(root!)).toEqual({ a: '1', b: 2, c: true, d: null, e: 1.5, f: {}, g: [], h: 'x' });
  });
});
