import { expect, test } from 'vitest';
import { describeUnknownKey } from './foreign-keys.js';

const SERVICE_KEYS = ['command', 'cwd', 'env', 'ready', 'depends_on', 'restart', 'stop_signal', 'stop_timeout', 'autostart'];
const TOP_LEVEL_KEYS = ['project', 'env', 'env_file', 'port_range', 'services'];

test("a foreign key is answered with devsup's name where that name is known", () => {
  expect(describeUnknownKey('environment', SERVICE_KEYS)).toBe(' — devsup calls it "env"');
  expect(describeUnknownKey('environment', TOP_LEVEL_KEYS)).toBe(' — devsup calls it "env"');
  expect(describeUnknownKey('version', TOP_LEVEL_KEYS)).toBe(' — not needed: remove it');
  expect(describeUnknownKey('disabled', SERVICE_KEYS)).toBe(' — devsup says "autostart: false"');
});

test('a foreign key where it means nothing, and names inherited from Object, get no such answer', () => {
  expect(describeUnknownKey('version', SERVICE_KEYS)).toBe('');
  expect(describeUnknownKey('working_dir', TOP_LEVEL_KEYS)).toBe('');
  expect(describeUnknownKey('constructor', SERVICE_KEYS)).toBe('');
});

test('typos get the nearest key; a typo of a foreign key gets what devsup calls it', () => {
  expect(describeUnknownKey('comand', SERVICE_KEYS)).toBe(' — did you mean "command"?');
  expect(describeUnknownKey('working_dri', SERVICE_KEYS)).toBe(' — did you mean "cwd"?');
  expect(describeUnknownKey('zzz', SERVICE_KEYS)).toBe('');
});
