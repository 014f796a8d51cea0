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
    expect(messages('services:\n  web:\n    command: echo hi\n     port: 3\n')[0]).toMatch(/^services\.yaml:3:14: invalid YAML: .* — check the indentation of the line below: it is deeper than its neighbours$/);
    expect(messages('services:\n  web:\n    command: @x\n')).toEqual(['services.yaml:3:14: invalid YAML: Plain value cannot start with reserved character @ — put the value in quotes']);
    expect(messages('services:\n\tweb: {}\n')[0]).toMatch(/^services\.yaml:2:1: invalid YAML: Tabs are not allowed as indentation — indent with spaces$/);
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
