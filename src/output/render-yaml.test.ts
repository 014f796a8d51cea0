import { Document } from 'yaml';
import { describe, expect, test } from 'vitest';
import { emptyMap, scalarNode, toPlain, type YamlNode } from '../manifest/yaml-node.js';
import { renderBlockYaml } from './render-yaml.js';
import { randomFrom } from '../../test/helpers/seeded-random.js';

const pos = { file: 'f.yaml', line: 1, column: 1 };

/** Plain data as nodes; a JS Map's keys keep their order, as a manifest's do (a plain object puts "1" first). */
function nodeOf(value: unknown): YamlNode {
  if (Array.isArray(value)) return { kind: 'list', items: value.map(nodeOf), pos };
  if (value instanceof Map || (typeof value === 'object' && value !== null)) {
    const map = emptyMap(pos);
    for (const [key, item] of value instanceof Map ? value : Object.entries(value))
      map.entries.set(key as string, { keyPos: pos, node: nodeOf(item) });
    return map;
  }
  return scalarNode(value as string | number | boolean | null, pos);
}

const byLibrary = (node: YamlNode) => new Document(toPlain(node)).toString({ lineWidth: 0 });

function expectWrittenAlike(value: unknown): void {
  const node = nodeOf(value);
  const text = renderBlockYaml(node);
  expect(text, `gave up on ${JSON.stringify(value)}`).toBeDefined();
  expect(text).toBe(byLibrary(node));
}

describe('renderBlockYaml writes what the yaml library writes', () => {
  test('a manifest', () => {
    expectWrittenAlike({
      services: {
        web: { command: 'node server.js', port: 3000, env: { DEBUG: '1', TOKEN: '••••••' }, depends_on: ['db'] },
        db: { command: ['postgres', '-D', 'data'], ready: { tcp: true }, restart: null, watch: [] },
      },
      env: {},
    });
  });

  test('keys that are array indices first, as the plain object lists them', () => {
    expectWrittenAlike(
      new Map<string, unknown>([
        ['b', 1],
        ['10', 2],
        ['a', 3],
        ['2', 4],
        ['01', 5],
        ['4294967295', 6],
        ['4294967294', 7],
      ]),
    );
  });

  test('lists and maps inside lists, empty ones too', () => {
    expectWrittenAlike({ a: [[1, 2], [], [[3]], {}, { p: 1, q: [1, { r: [] }] }], b: [{ c: { d: 1 } }] });
    expectWrittenAlike([{ a: 1 }, 'x']);
    expectWrittenAlike({});
    expectWrittenAlike([]);
  });

  test('numbers, booleans and null', () => {
    expectWrittenAlike({ a: 0, b: -0, c: 1.5, d: 1e21, e: -1e-7, f: NaN, g: Infinity, h: -Infinity, i: true, j: false, k: null });
  });

  test('text that reads as another type, or holds indicators, is quoted as the library quotes it', () => {
    const texts = ['123', '-1', '1.5', '1e3', '.inf', '.nan', '0x1F', '0o7', 'true', 'False', 'null', '~', '', ' x', 'x ', 'x:', 'x: y', 'a #b'];
    texts.push('#', '-', '?', '- x', '[x]', '{x}', ',x', '&x', '*x', '!x', '|', '>', "'x", '"x', '@x', '`x', 'say "hi"', "it's", `both ' "`);
    texts.push(
      '\x01',
      'a\0b',
      '\x1b[0m',
      '\x7f',
      '\u0085',
      'bell\x07',
      'tab\tx',
      '\ud800',
      'back\\slash',
      'back\\u0041',
      'é\u2028',
      'x#y',
      'a:b',
      '1_000',
    );
    expectWrittenAlike(Object.fromEntries(texts.map((text, i) => [`k${i}`, text])));
    expectWrittenAlike(Object.fromEntries(texts.map((text, i) => [text, i])));
    expectWrittenAlike(texts);
  });
});

test('what depends on more than the value is left to the library', () => {
  for (const value of [{ a: 'two\nlines' }, { a: '--- x' }, { '...': 1 }, { a: '%x' }, { [`k${'x'.repeat(1100)}`]: 1 }])
    expect(renderBlockYaml(nodeOf(value))).toBeUndefined();
});

test('random data: whatever renderBlockYaml writes, the library writes the same', () => {
  const random = randomFrom(7_001);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const pieces = ['a', ' ', ':', '#', '-', '?', '"', "'", '0', '1', '.', 'e', 'x', '\\', '\t', '\0', 'é', '[', ',', '&', '!', '%', 'true', 'null'];
  pieces.push(' #', ': ', '0x', '+', '~', '\u2028', '\ud83d', '\n', '---');
  const text = () => Array.from({ length: Math.floor(random() * 5) }, () => pick(pieces)).join('');
  const key = () => (random() < 0.2 ? pick(['0', '1', '10', '01', '-1', '4294967294', '4294967295', '__proto__']) : text());
  const scalars = [() => text(), () => Math.floor(random() * 2000) - 1000, () => random() * 10, () => random() < 0.5, () => null];
  const data = (depth: number): unknown => {
    const shape = random();
    if (depth > 3 || shape < 0.5) return pick(scalars)();
    const size = Math.floor(random() * 4);
    if (shape < 0.75) return Array.from({ length: size }, () => data(depth + 1));
    return new Map(Array.from({ length: size }, () => [key(), data(depth + 1)]));
  };
  let written = 0;
  for (let run = 0; run < 3000; run++) {
    const node = nodeOf(new Map([['root', data(0)]]));
    const text = renderBlockYaml(node);
    if (text === undefined) continue;
    written++;
    expect(text, JSON.stringify(toPlain(node))).toBe(byLibrary(node));
  }
  expect(written).toBeGreaterThan(1500); // the comparison is not vacuous
});
