import { describe, expect, it } from 'vitest';
import { profileNamesIn, serviceNamesIn } from './service-names.js';

describe('serviceNamesIn', () => {
  it("finds the keys of a YAML manifest's top-level services map, and nothing nested or outside it", () => {
    const manifest = [
      '# services: in a comment is no block',
      'project: shop',
      'env:',
      '  api: not-a-service',
      'services:   # the stack',
      '',
      '  api:',
      '    command: node api.js',
      '    env:',
      '      worker: nested, not a service',
      '    # web: a comment',
      '  "quoted.name":',
      "  'single-quoted': {command: x}",
      '  db: { command: postgres }',
      '  llm:',
      '    command: |',
      '      serve:',
      '        model: x',
      'port_range: 4000-4999',
      'other:',
      '  late: nope',
    ].join('\n');
    expect(serviceNamesIn(manifest, 'yaml')).toEqual(['api', 'quoted.name', 'single-quoted', 'db', 'llm']);
  });

  it('keeps the indentation of the first key, whatever it is, and reads CRLF files', () => {
    expect(serviceNamesIn('services:\r\n    web:\r\n        port: 1\r\n    worker:\r\n', 'yaml')).toEqual(['web', 'worker']);
  });

  it('finds nothing without a block services map', () => {
    expect(serviceNamesIn('project: x\n', 'yaml')).toEqual([]);
    expect(serviceNamesIn('services: {api: {command: x}}\n', 'yaml')).toEqual([]);
  });

  it('leaves out names devsup would refuse, so none reaches a shell with anything it would act on', () => {
    const manifest = 'services:\n  "$(touch pwned)":\n    command: x\n  "a b":\n    command: x\n  -dash:\n    command: x\n  ok_1:\n    command: x\n';
    expect(serviceNamesIn(manifest, 'yaml')).toEqual(['ok_1']);
  });

  it("finds a Procfile's process names", () => {
    expect(serviceNamesIn('web: node server.js\n# clock: no\nworker: node worker.js --queue=a:b\n\n', 'procfile')).toEqual(['web', 'worker']);
  });
});

describe('profileNamesIn', () => {
  it('finds the names of one-name, flow and block profiles, each once, quotes taken off', () => {
    const manifest = [
      'services:',
      '  a:',
      '    profiles: debug # one name',
      '  b:',
      '    profiles: [tools, "debug", \'ops\']',
      '  c:',
      '    profiles:',
      '',
      '      - local',
      '      # a comment',
      '      - "remote"',
      '    command: x',
      '  d:',
      '    profiles:',
      '    - same-indent',
    ].join('\n');
    expect(profileNamesIn(manifest)).toEqual(['debug', 'tools', 'ops', 'local', 'remote', 'same-indent']);
  });

  it('leaves out what devsup would refuse, so no name reaches a shell with anything it would act on', () => {
    expect(profileNamesIn('services:\n  a:\n    profiles: [ok, "$(touch pwned)", a b]\n    command: x\n')).toEqual(['ok']);
    expect(profileNamesIn('profiles: [top-level, not a service key]\n')).toEqual([]);
  });
});
