import { expect, test } from 'vitest';
import { didYouMean, listChoices, suggest } from './suggest.js';

test('suggests the closest candidate for a likely typo', () => {
  expect(suggest('comand', ['command', 'cwd', 'env'])).toBe('command');
  expect(suggest('Depend_on', ['depends_on', 'port'])).toBe('depends_on');
  expect(suggest('tols', ['tools', 'llm'])).toBe('tools');
});

test('counts two neighbouring letters swapped as one typo, so short words get their suggestion', () => {
  expect(suggest('wbe', ['web', 'api'])).toBe('web');
  expect(suggest('ulr', ['port', 'url'])).toBe('url');
  expect(suggest('prot', ['port', 'url'])).toBe('port');
  expect(suggest('bew', ['web'])).toBeUndefined(); // the ends swapped: two typos in three letters
});

test('suggests nothing when no candidate is close', () => {
  expect(suggest('database', ['tools', 'llm'])).toBeUndefined();
  expect(didYouMean('zzz', ['port'])).toBe('');
});

test('didYouMean and listChoices build message fragments', () => {
  expect(didYouMean('restat', ['restart'])).toBe(' — did you mean "restart"?');
  expect(listChoices(['a'])).toBe('"a"');
  expect(listChoices(['on-failure', 'always', 'never'])).toBe('"on-failure", "always" or "never"');
});
