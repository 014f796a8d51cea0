import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SCHEMA_FILE, schemaModeline } from './schema-file.js';

describe('the schema file', () => {
  test('is found from the source tree too', () => {
    expect(existsSync(SCHEMA_FILE)).toBe(true);
  });
});

describe('schemaModeline', () => {
  const schema = '/home/ann/shop/node_modules/devsup/schema/services.schema.json';

  test('is relative, with forward slashes, when the schema is inside the manifest folder', () => {
    expect(schemaModeline('/home/ann/shop', schema)).toBe('# yaml-language-server: $schema=node_modules/devsup/schema/services.schema.json');
  });

  test('is absolute when the schema is outside it: a global install, or a manifest in a subfolder', () => {
    const global = '/usr/lib/node_modules/devsup/schema/services.schema.json';
    expect(schemaModeline('/home/ann/shop', global)).toBe(`# yaml-language-server: $schema=${global}`);
    expect(schemaModeline('/home/ann/shop/dev', schema)).toBe(`# yaml-language-server: $schema=${schema}`);
    expect(schemaModeline('/home/ann/shop/..cache', schema)).toBe(`# yaml-language-server: $schema=${schema}`);
  });

  test('is a file: URL when the path written would hold whitespace, which ends the modeline', () => {
    expect(schemaModeline('/home/ann/my shop', '/home/ann/my shop/node_modules/devsup/schema/services.schema.json')).toBe(
      '# yaml-language-server: $schema=node_modules/devsup/schema/services.schema.json',
    );
    expect(schemaModeline('/home/ann/shop', '/home/ann/shop/dev tools/devsup/schema/services.schema.json')).toBe(
      '# yaml-language-server: $schema=file:///home/ann/shop/dev%20tools/devsup/schema/services.schema.json',
    );
    expect(schemaModeline('/tmp/x', path.join('/opt/dev tools', 'services.schema.json'))).toBe(
      '# yaml-language-server: $schema=file:///opt/dev%20tools/services.schema.json',
    );
  });
});
