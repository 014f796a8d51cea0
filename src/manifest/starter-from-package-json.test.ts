import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { DevsupError } from '../errors.js';
import { starterFromPackageJson } from './starter-from-package-json.js';

const newProject = tempProjects();
const json = (value: unknown) => JSON.stringify(value, null, 2);

function starterOf(files: Record<string, string>) {
  const { dir } = newProject(files);
  return starterFromPackageJson(dir, (file) => path.relative(dir, file));
}

function refusal(files: Record<string, string>): DevsupError {
  try {
    starterOf(files);
  } catch (error) {
    return error as DevsupError;
  }
  throw new Error('expected devsup init to refuse');
}

describe('one package', () => {
  test('no package.json: nothing from here', () => {
    expect(starterOf({})).toBeUndefined();
  });

  test('the dev script (else start), named after the package without its scope; Vite gets its port flags', () => {
    expect(starterOf({ 'package.json': json({ name: '@acme/shop', scripts: { start: 'node server.js', dev: 'vite' } }) })).toEqual({
      file: 'package.json',
      origin: 'Made from the scripts in package.json.',
      source: 'from your package.json',
      services: [
        {
          key: 'shop',
          command: 'npm run dev -- --port ${port} --strictPort',
          port: 5173,
          why: "Vite ignores PORT: --port gives it devsup's, --strictPort makes it fail rather than move to another",
        },
      ],
      notes: [],
    });
    expect(starterOf({ 'package.json': json({ name: 'api', scripts: { start: 'node server.js' } }) })?.services).toEqual([
      { key: 'api', command: 'npm run start', port: 3000 },
    ]);
  });

  test("run with the project's package manager: pnpm without --, yarn, bun", () => {
    const dev = { scripts: { dev: 'astro dev' } };
    expect(starterOf({ 'package.json': json(dev), 'pnpm-lock.yaml': '' })?.services[0]?.command).toBe('pnpm run dev --port ${port}');
    expect(starterOf({ 'package.json': json({ ...dev, packageManager: 'yarn@4.1.0' }) })?.services[0]?.command).toBe('yarn run dev --port ${port}');
    expect(starterOf({ 'package.json': json(dev), 'bun.lockb': '' })?.services[0]?.command).toBe('bun run dev --port ${port}');
  });

  test('Next.js reads PORT and runs as it is; a port fixed in the script is kept, with fallback none', () => {
    expect(starterOf({ 'package.json': json({ name: 'site', scripts: { dev: 'next dev' } }) })?.services).toEqual([
      { key: 'site', command: 'npm run dev', port: 3000 },
    ]);
    expect(starterOf({ 'package.json': json({ name: 'site', scripts: { dev: 'next dev -p 3001' } }) })?.services).toEqual([
      {
        key: 'site',
        command: 'npm run dev',
        port: 3001,
        fallback: 'none',
        why: 'the script gives Next.js port 3001 (-p 3001): devsup keeps it; take that out to let devsup choose',
      },
    ]);
  });

  test('a server flags cannot reach is said, with the fix; shell metacharacters in a script are never copied into the command', () => {
    const starter = starterOf({ 'package.json': json({ name: 'ui', scripts: { dev: 'vite | tee "$(date).log"; rm -rf /tmp/x &' } }) });
    expect(starter?.services).toEqual([{ key: 'ui', command: 'npm run dev', port: 5173 }]);
    expect(starter?.notes).toEqual([
      'package.json: scripts.dev runs Vite, which ignores PORT, inside a command line with pipes, `&`, `$(…)` or redirections: devsup cannot pass it --port. Add --port ${PORT:-5173} --strictPort to the script yourself. Until then it listens where Vite chooses, and devsup says where.',
    ]);
  });

  test('a name that is no service name is made one; none at all is app', () => {
    expect(starterOf({ 'package.json': json({ name: 'My App!', scripts: { dev: 'x' } }) })?.services[0]?.key).toBe('My-App');
    expect(starterOf({ 'package.json': json({ scripts: { dev: 'x' } }) })?.services[0]?.key).toBe('app');
  });

  test('without a dev or start script: no services', () => {
    expect(starterOf({ 'package.json': json({ name: 'lib', scripts: { build: 'tsc' } }) })).toMatchObject({
      services: [],
      notes: ['package.json: no dev or start script, so no service'],
    });
  });
});

describe('workspaces', () => {
  const MONOREPO = {
    'package.json': json({ name: 'mono', workspaces: ['apps/*', 'packages/*'], scripts: { dev: 'turbo run dev' } }),
    'apps/web/package.json': json({ name: '@acme/web', scripts: { dev: 'vite' } }),
    'apps/docs/package.json': json({ name: '@acme/docs', scripts: { dev: 'astro dev' } }),
    'apps/admin/package.json': json({ name: '@acme/admin', scripts: { dev: 'vite --port 5174' } }),
    'apps/api/package.json': json({ name: 'api', scripts: { start: 'node server.js' } }),
    'packages/ui/package.json': json({ name: '@acme/ui', scripts: { build: 'tsc' } }),
  };

  test("each workspace's dev (else start) script in its folder, titled with the package's name; ports kept apart", () => {
    const starter = starterOf(MONOREPO);
    expect(starter?.origin).toBe('Made from the dev and start scripts of your workspaces (run with npm).');
    expect(starter?.services.map(({ key, title, command, cwd, port, fallback }) => ({ key, title, command, cwd, port, fallback }))).toEqual([
      { key: 'admin', title: '@acme/admin', command: 'npm run dev', cwd: 'apps/admin', port: 5174, fallback: 'none' },
      { key: 'api', title: undefined, command: 'npm run start', cwd: 'apps/api', port: 3000, fallback: undefined },
      { key: 'docs', title: '@acme/docs', command: 'npm run dev -- --port ${port}', cwd: 'apps/docs', port: 4321, fallback: undefined },
      // Each at its server's own port: admin's script fixes 5174, which leaves web Vite's 5173.
      { key: 'web', title: '@acme/web', command: 'npm run dev -- --port ${port} --strictPort', cwd: 'apps/web', port: 5173, fallback: undefined },
    ]);
    expect(starter?.notes).toEqual([
      'packages/ui/package.json: no dev or start script, so no service',
      "package.json: scripts.dev is not used: devsup runs each workspace's own dev or start script instead",
    ]);
  });

  test('pnpm-workspace.yaml; the same short name twice gets the scoped one; the same preferred port twice moves the second', () => {
    const starter = starterOf({
      'package.json': json({ name: 'mono' }),
      'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n  - "sites/*"\n',
      'apps/web/package.json': json({ name: '@acme/web', scripts: { dev: 'vite' } }),
      'sites/web/package.json': json({ name: '@blog/web', scripts: { dev: 'vite dev' } }),
      'sites/$pecial/package.json': json({ name: 'special', scripts: { dev: 'vite' } }),
    });
    expect(starter?.services.map(({ key, command, cwd, port }) => [key, command, cwd, port])).toEqual([
      ['web', 'pnpm run dev --port ${port} --strictPort', 'apps/web', 5173],
      ['special', 'pnpm run dev --port ${port} --strictPort', 'sites/$$pecial', 5174],
      ['blog-web', 'pnpm run dev --port ${port} --strictPort', 'sites/web', 5175],
    ]);
  });

  test("no workspace with a script: the root package's own", () => {
    const starter = starterOf({
      'package.json': json({ name: 'mono', workspaces: ['packages/*'], scripts: { dev: 'node dev.js' } }),
      'packages/ui/package.json': json({ name: 'ui' }),
    });
    expect(starter?.services).toEqual([{ key: 'mono', command: 'npm run dev', port: 3000 }]);
  });
});

describe('hostile or broken input is refused with exit code 2, naming the file and line', () => {
  test('not JSON', () => {
    const error = refusal({ 'package.json': '{\n  "name": "x",\n  "scripts": { "dev": "vite", }\n}\n' });
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^package\.json:3 is not valid JSON: /);
    expect(error.hint).toBe('Fix it (npm cannot read it either), then run devsup init again.');
  });

  test('not an object, scripts not an object, a script not a string; a workspace that is not JSON', () => {
    expect(refusal({ 'package.json': 'null' }).message).toBe('package.json must hold a JSON object ({"name": …, "scripts": {…}}), not null.');
    expect(refusal({ 'package.json': '["a"]' }).message).toBe('package.json must hold a JSON object ({"name": …, "scripts": {…}}), not a list.');
    expect(refusal({ 'package.json': json({ scripts: ['vite'] }) }).message).toBe(
      'package.json: "scripts" must be an object of name → command line.',
    );
    expect(refusal({ 'package.json': json({ scripts: { dev: 42 } }) }).message).toBe(
      'package.json: scripts.dev must be a command line (a non-empty string).',
    );
    const workspace = refusal({ 'package.json': json({ workspaces: ['apps/*'] }), 'apps/web/package.json': '{ nope' });
    expect([workspace.exitCode, workspace.message]).toEqual([2, expect.stringMatching(/^apps\/web\/package\.json(:1)? is not valid JSON: /)]);
  });

  test('a workspace glob that escapes the folder', () => {
    const error = refusal({ 'package.json': '{\n  "workspaces": [\n    "apps/*",\n    "../../*"\n  ]\n}\n' });
    expect([error.exitCode, error.message]).toEqual([2, 'package.json:4: workspace pattern "../../*" reaches outside the project\'s folder.']);
  });

  test('bytes that are not UTF-8', () => {
    const { dir } = newProject({});
    writeFileSync(path.join(dir, 'package.json'), Buffer.from('{"name": "caf\xe9"}', 'latin1'));
    expect(() => starterFromPackageJson(dir, (file) => path.relative(dir, file))).toThrow(
      'package.json:1:14: invalid UTF-8 (byte 0xe9): save the file as UTF-8',
    );
  });
});
