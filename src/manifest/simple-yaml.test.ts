import { describe, expect, test } from 'vitest';
import { parseWithLibrary, type ParsedYaml } from './parse-yaml.js';
import { readSimpleYaml, resolvePlain } from './simple-yaml.js';
import { childOf, type YamlNode } from './yaml-node.js';
import { randomFrom } from '../../test/helpers/seeded-random.js';

/** A tree as plain data: map entries in written order (toEqual would not compare a Map's order), positions as `line:column`. */
function plain(node: YamlNode | undefined): unknown {
  if (node === undefined) return undefined;
  const at = `${node.pos.line}:${node.pos.column}`;
  switch (node.kind) {
    case 'scalar':
      return { at, value: node.value };
    case 'list':
      return { at, items: node.items.map(plain) };
    case 'map':
      return { at, entries: [...node.entries].map(([key, entry]) => [key, `${entry.keyPos.line}:${entry.keyPos.column}`, plain(entry.node)]) };
  }
}

const comparable = ({ root, issues }: ParsedYaml) => ({ root: plain(root), issues });

/** The simple reader's result, which must exist and be the library's. */
function expectReadAlike(text: string): void {
  const simple = readSimpleYaml(text, 'f.yaml');
  expect(simple, `gave up on ${JSON.stringify(text)}`).toBeDefined();
  expect(comparable(simple!), JSON.stringify(text)).toEqual(comparable(parseWithLibrary(text, 'f.yaml')));
}

describe('readSimpleYaml reads the common shape as the library does', () => {
  test.each([
    ['nested maps', 'services:\n  web:\n    command: node server.js\n    port: 8080\n  db:\n    command: postgres\n'],
    ['lists, under a key or at its indentation', 'a:\n  - x\n  - y\nb:\n- z\n-\n- w\n'],
    ['maps in lists', 'a:\n  - b: 1\n    c: 2\n  -   d: 3\n      e:\n  - f\ng: h\n'],
    ['a list under a key of a map in a list', '- a:\n  - x\n- b:\n- c\n'],
    ['empty values, with spaces and comments after them', 'a:\nb:   \nc:   # note\nd: 1\n'],
    ['comments and blank lines anywhere', '# head\n\na: 1 # one\n   # deeper\n# shallower\n  \nb:\n  # inside\n  c: d#not-a-comment\n'],
    ['quoted keys and values', `"a b": 'c''d'\n'e': "f\\tg\\u00e9\\x41\\U0001F600\\\\\\"\\/\\ "\nh: "# x" # y\ni: ''\nj: ""\n`],
    ['keys that read as other types', 'null: 1\n~: 2\n1.0: 3\n0x10: 4\n.inf: 5\ntrue: 6\n-0: 7\n0o17: 8\n'],
    [
      'plain values of every core type',
      'a: 0123\nb: 0x1F\nc: 1_000\nd: +12\ne: 1.\nf: .5\ng: 1e3\nh: -.inf\ni: 0o17\nj: 12345678901234567890\nk: -0\nl: .NaN\nm: False\nn: ~\no: nULL\n',
    ],
    ['plain values with indicators inside', 'a: b[0], {c}\nb: x#y\nc: -p\nd: http://x:80/y\ne: a :b\nf: 日本語 café\n'],
    [
      'odd keys and values',
      `-: x\na:: x\na]: b\na,b: c\na\\: b\n\u00a0k: 1\nv: b\u00a0\nw: 0b101\n1e400: x\na"b: c\nq: ''''\nr: b,\ns: x%\n"": 1\n😀: 😀\n`,
    ],
    ['flow collections', 'a: [x, "y", 1, [], {}]\nb: { c: [d, {e: f}], "g": \'h\', 8: null, c: 2 }\n'],
    ['flow collections in a list', 'a:\n  - [node, server.js, -p, "3000", "a\\0"]   # c\n  - {port: 3000, url: http://h:80/p}\n'],
    ['CRLF line ends', 'a:\r\n  b: 1\r\n  c:\r\n  - "x"\r\n'],
    ['a root indented past column 1', '  a: 1\n  b:\n    - 2\n'],
    ['only comments', '# nothing yet\n\n'],
    ['an empty text', ''],
  ])('%s', (_, text) => expectReadAlike(text));

  test('duplicate keys, and NUL bytes in keys and values, are the same issues', () => {
    expectReadAlike('env:\n  A: 1\n  A: 2\n  "B\\0": x\n  C: "\\0"\nlist:\n  - "a\\x00"\n');
  });

  test('a large map is read, and its last duplicate found', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `    KEY_${i}: value-${i}`);
    const text = `services:\n  web:\n    env:\n${lines.join('\n')}\n    KEY_7: again\n`;
    const simple = readSimpleYaml(text, 'f.yaml')!;
    expect(simple.issues).toEqual([{ file: 'f.yaml', line: 20_004, column: 5, message: 'duplicate key "KEY_7"' }]);
  });
});

describe('readSimpleYaml leaves everything else to the library', () => {
  test.each([
    [
      'flow collections over lines, with empty entries or keys without values',
      'a: [x,\n  y]\n',
      'a: [x, y,]\n',
      'a: [x, , y]\n',
      'a: {x}\n',
      'a: [x: 1]\n',
    ],
    ['block scalars', 'a: |\n  x\n'],
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['merge keys', 'a:\n  <<: {}\n'],
    ['tags', 'a: !foo x\n'],
    ['values over several lines', 'a: b\n  c\n', 'a: "b\n  c"\n'],
    ['a map on the line of a key', 'a: b: c\n'],
    ['bad indentation', 'a:\n   b: 1\n  c: 2\n'],
    ['tabs, control characters, a BOM inside, a CR alone', 'a:\tb\n', 'a: x\x01\n', 'a: \x00\n', 'a: x\u0085\n', 'a: \ufeffx\n', 'a: 1\rb: 2\n'],
    ['document markers and directives', '---\na: 1\n', '%YAML 1.2\n---\na: 1\n'],
    ['a scalar document', 'hello\n'],
    ['an unknown escape', 'a: "\\q"\n'],
    ['a long key', `${'k'.repeat(1100)}: 1\n`],
    ['nesting deeper than 100 levels', Array.from({ length: 120 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')],
  ])('%s', (_, ...texts) => {
    for (const text of texts) expect(readSimpleYaml(text, 'f.yaml')).toBeUndefined();
  });
});

test('plain values are typed as the library types them', () => {
  const words = ['~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'off', '0', '-0', '+0', '007', '0o17', '0o8', '0x1F'];
  words.push('0xG', '1_000', '1.', '.5', '-.5', '+1.5e3', '1E-3', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'nan', '1.2.3', '1e', '.', '-x');
  for (const word of words) {
    const value = childOf(parseWithLibrary(`a: ${word}\n`, 'f.yaml').root, 'a');
    expect(value?.kind, word).toBe('scalar');
    expect(resolvePlain(word), word).toEqual(value?.kind === 'scalar' && value.value);
  }
});

/** Keys and values the simple reader reads, tricky ones included; then ones it leaves to the library (or that are errors). */
const KEYS = ['a', 'b', 'web', 'a b', 'a:b', 'null', '~', '1', '1.0', '"1"', "'q'", '"k\\0"', '-k', 'x#y', 'a ', 'ü'];
const ODD_KEYS = ['x #y', '<<', '"a": ', '? a', '&a k', '[k]', '"k"x'];
const VALUES = [
  ...['x', 'node server.js', '3000', '-1', '1e3', '.inf', 'true', 'NULL', '~', '0x1F', '0o7', '-p', '--flag', ':80', '?x', 'a:b', 'x # c', 'x#c'],
  ...['x [y]', 'a, b', '"q"', "'q'", '"a\\tb"', '"a\\0"', '"\\x41\\u00e9"', "'it''s'", "''", '""', '" s "', '"a" # c', 'café', 'x   ', '---', '...'],
];
const FLOW_VALUES = ['[a, b]', '[]', '{}', '{a: 1}', '{ a: 1, b: [x, "y"] }', '[node, server.js, -p, "3000"]', '[[1, [2]], {}]', '[ a , b ]'];
FLOW_VALUES.push(
  '{a: 1, a: 2}',
  '["a\\0"]',
  '{"k\\0": v}',
  '[http://h:80/p]',
  '{u: http://h:80}',
  '[a:b]',
  '[a: b]',
  '{a: }',
  '[a, b,]',
  '[x #y]',
  '{a, b}',
);
FLOW_VALUES.push(
  '[a,b]',
  '{a:1}',
  '{ "k": v }',
  "{'k': v}",
  '[-p, -]',
  '[~, null, 1e3, .inf]',
  '{1: a, "1": b}',
  '[a]  # c',
  '[a] b',
  '[a]]',
  '{a: [b}',
);
const ODD_VALUES = ['a: b', 'a:', '-', '"\\q"', '"open', '"a" b', '"a"#c', '&a x', '*a', '!t x', '|', '>', '@x', '`x', '%x', '# c'];

/** A random block at `indent`: maps, lists, scalars from the pools above, with comments, blank lines and the odd mistake. */
function randomBlock(random: () => number, depth: number, indent: number): string[] {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const key = () => pick(random() < 0.95 ? KEYS : ODD_KEYS);
  const value = () => pick(random() < 0.8 ? VALUES : random() < 0.7 ? FLOW_VALUES : ODD_VALUES);
  const spaces = (n: number) => ' '.repeat(n);
  const lines: string[] = [];
  const nested = (at: number) => (depth < 4 ? randomBlock(random, depth + 1, at) : [`${spaces(at)}${key()}: ${value()}`]);
  const isList = random() < 0.4;
  for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
    const shape = random();
    if (isList) {
      if (shape < 0.5) lines.push(`${spaces(indent)}- ${value()}`);
      else if (shape < 0.75) lines.push(`${spaces(indent)}-`, ...nested(indent + pick([1, 2, 4])));
      else {
        const gap = pick([1, 1, 3]);
        lines.push(`${spaces(indent)}-${spaces(gap)}${key()}: ${value()}`);
        if (random() < 0.5) lines.push(`${spaces(indent + 1 + gap)}${key()}:`, ...nested(indent + 1 + gap + pick([0, 2])));
      }
    } else if (shape < 0.5) lines.push(`${spaces(indent)}${key()}:${pick([' ', '  '])}${value()}`);
    else if (shape < 0.6) lines.push(`${spaces(indent)}${key()}:${pick(['', '  ', ' # c'])}`);
    else lines.push(`${spaces(indent)}${key()}:`, ...nested(indent + pick([0, 1, 2, 4])));
  }
  return lines.flatMap((line) => {
    const noise = random();
    if (noise < 0.03) return [line, pick(['', '  # c', '#', '   '])];
    if (noise < 0.05) return [` ${line}`];
    if (noise < 0.06) return [line.replace(/^ /, '')];
    if (noise < 0.065) return [line.replace(' ', '\t')];
    return [line];
  });
}

test('random documents: whatever the simple reader reads, it reads as the library does', () => {
  const random = randomFrom(20_240_601);
  let read = 0;
  const runs = 3000;
  for (let run = 0; run < runs; run++) {
    const lineEnd = random() < 0.1 ? '\r\n' : '\n';
    const text = randomBlock(random, 0, random() < 0.1 ? 2 : 0).join(lineEnd) + lineEnd;
    const simple = readSimpleYaml(text, 'f.yaml');
    if (simple === undefined) continue;
    read++;
    expect(comparable(simple), JSON.stringify(text)).toEqual(comparable(parseWithLibrary(text, 'f.yaml')));
  }
  expect(read).toBeGreaterThan(runs / 10); // the comparison is not vacuous
});
