import { describe, expect, test } from 'vitest';
import { parseReference, parseTemplate, renderTemplate, type Reference } from './interpolate.js';

/** Renders with a lookup that spells each reference out, so the test sees what was parsed. */
function render(template: string): string {
  const parsed = parseTemplate(template);
  if ('error' in parsed) return `error: ${parsed.error}`;
  return renderTemplate(parsed.parts, (ref) => `<${JSON.stringify(ref)}>`);
}

describe('parseReference', () => {
  test.each<[string, Reference]>([
    ['port', { kind: 'port' }],
    ['ports.metrics', { kind: 'port', name: 'metrics' }],
    ['tools.port', { kind: 'port', service: 'tools' }],
    ['api.v2.port', { kind: 'port', service: 'api.v2' }],
    ['api.ports.admin', { kind: 'port', service: 'api', name: 'admin' }],
    ['api.v2.ports.admin', { kind: 'port', service: 'api.v2', name: 'admin' }],
    ['tools.url', { kind: 'url', service: 'tools' }],
    ['HOME', { kind: 'var', name: 'HOME' }],
    ['MODEL:-phi4', { kind: 'var', name: 'MODEL', fallback: 'phi4' }],
    ['EMPTY:-', { kind: 'var', name: 'EMPTY', fallback: '' }],
    ['URL:-http://x:1/a.port', { kind: 'var', name: 'URL', fallback: 'http://x:1/a.port' }],
  ])('%s', (body, ref) => {
    expect(parseReference(body)).toEqual(ref);
  });

  test.each(['', '1X', 'a b', 'tools.port:-1', 'VAR-x', 'tools.name'])('%j is not a reference', (body) => {
    expect(parseReference(body)).toBeUndefined();
  });
});

describe('parseTemplate and renderTemplate', () => {
  test('replaces references and keeps the text around them', () => {
    expect(render('node s.js --port ${port} --tools ${tools.url}/x')).toBe(
      'node s.js --port <{"kind":"port"}> --tools <{"kind":"url","service":"tools"}>/x',
    );
  });

  test('$$ is a literal $, and a lone $ stays as it is', () => {
    expect(render('echo $$HOME $HOME $ cost$')).toBe('echo $HOME $HOME $ cost$');
    expect(render('$${port}')).toBe('${port}');
    expect(render('$$$$')).toBe('$$');
  });

  test('${svc.ports}: the ports of every replica', () => {
    expect(parseTemplate('${web.ports}')).toEqual({ parts: [{ ref: { kind: 'ports', service: 'web' }, text: '${web.ports}' }] });
  });

  test('text without references is one literal part', () => {
    expect(parseTemplate('plain')).toEqual({ parts: ['plain'] });
    expect(parseTemplate('')).toEqual({ parts: [] });
  });

  test('syntax errors name the problem', () => {
    expect(render('--port ${port')).toBe('error: unclosed "${" in "--port ${port"');
    const forms = 'use ${port}, ${ports.NAME}, ${SERVICE.port}, ${SERVICE.ports}, ${SERVICE.ports.NAME}, ${SERVICE.url}, ${VAR} or ${VAR:-default}';
    expect(render('x ${a b} y')).toBe(`error: invalid reference "\${a b}": ${forms}`);
    expect(render('${}')).toBe(`error: invalid reference "\${}": ${forms}`);
    // The near misses say what was meant.
    expect(render('${api.prot}')).toBe('error: invalid reference "${api.prot}" — did you mean "${api.port}"?');
    expect(render('${api.ulr}')).toBe('error: invalid reference "${api.ulr}" — did you mean "${api.url}"?');
    for (const shellForm of ['${LEVEL-info}', '${LEVEL:=info}', '${LEVEL:info}']) {
      expect(render(shellForm)).toBe(`error: invalid reference "${shellForm}": a default is written \${LEVEL:-info}`);
    }
  });
});
