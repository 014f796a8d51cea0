import { expect, test } from 'vitest';
import { displayWidth } from './columns.js';

test('counts columns on screen: wide characters two, combining marks and joiners none', () => {
  expect(displayWidth('Tool Server (MCP)')).toBe(17);
  expect(displayWidth('日本語サーバー')).toBe(14);
  expect(displayWidth('Static ✨')).toBe(9);
  expect(displayWidth('Cafe\u0301')).toBe(4); // e + a combining acute accent
  expect(displayWidth('a\u200Db')).toBe(2);
  expect(displayWidth('ｆｕｌｌ')).toBe(8); // fullwidth letters
});
