import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { LogMultiplexer } from '../output/log-multiplexer.js';
import { fixtureCommand } from '../../test/helpers/temp-project.js';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import type { ServiceSpec } from '../manifest/service-spec.js';
import { Supervisor } from './supervisor.js';
import { restartOnChange, type ChangeWatcher } from './restart-on-change.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function watchProject(specs: (dir: string) => ServiceSpec[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-watch-'));
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'node_modules'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const services = specs(dir);
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const supervisor = new Supervisor({ manifest: manifestOf(services), allocations: [], warn: () => undefined });
  new LogMultiplexer({ bus: supervisor.output, out, color: false });
  cleanups.push(() => supervisor.shutdown());
  supervisor.start(services.map((service) => service.key));
  const said: string[] = [];
  const watcher: ChangeWatcher = await restartOnChange(supervisor, services, (service, message) => said.push(`${service}: ${message}`));
  cleanups.push(() => watcher.close());
  const starts = (key: string) => (text.match(new RegExp(`^${key} +\\| started pid`, 'gm')) ?? []).length;
  return { dir, supervisor, said, starts, output: () => text };
}

describe('restartOnChange', () => {
  it('restarts once for a burst of 20 saves, not at all for ignored files, and not as a crash', async () => {
    const { dir, supervisor, said, starts, output } = await watchProject((folder) => [
      serviceSpec('app', {
        command: fixtureCommand('crash-after.mjs', 600_000, 0),
        cwd: folder,
        watch: ['src/**/*.js'],
        watchIgnore: ['src/generated/**'],
      }),
    ]);
    await waitFor(() => starts('app') === 1, { what: 'app started', describe: output });

    mkdirSync(path.join(dir, 'src/generated'));
    writeFileSync(path.join(dir, 'node_modules/x.js'), 'ignored always');
    writeFileSync(path.join(dir, 'src/generated/y.js'), 'ignored by watch_ignore');
    writeFileSync(path.join(dir, 'src/notes.txt'), 'not matched');
    for (let i = 0; i < 20; i++) writeFileSync(path.join(dir, `src/file${i}.js`), `// ${i}`);
    await waitFor(() => said.length === 1 && starts('app') === 2, { what: 'one restart for the burst', describe: () => [said, output()] });
    // A sentinel save after the burst: had the burst caused two restarts, both would land before its one.
    writeFileSync(path.join(dir, 'src/sentinel.js'), 'last');
    await waitFor(() => said.length === 2 && starts('app') === 3, { what: 'one restart for the sentinel', describe: () => [said, output()] });
    // Which save is named first is the order the file events arrive in, which a busy machine may shuffle.
    expect(said[0]).toMatch(/^app: src\/file\d+\.js and 19 more changed: restarting$/);
    expect(said[1]).toBe('app: src/sentinel.js changed: restarting');
    expect(supervisor.runners.get('app')!.restarts).toBe(0);
  });

  it('with watch_cascade, restarts the services that depend on the changed one too', async () => {
    const { dir, said, starts, output } = await watchProject((folder) => [
      serviceSpec('lib', { command: fixtureCommand('crash-after.mjs', 600_000, 0), cwd: folder, watch: ['src'], watchCascade: true }),
      serviceSpec('api', {
        command: fixtureCommand('crash-after.mjs', 600_000, 0),
        cwd: folder,
        dependsOn: [{ service: 'lib', condition: 'started' }],
      }),
      serviceSpec('other', { command: fixtureCommand('crash-after.mjs', 600_000, 0), cwd: folder }),
    ]);
    await waitFor(() => starts('lib') === 1 && starts('api') === 1 && starts('other') === 1, { what: 'all started', describe: output });
    writeFileSync(path.join(dir, 'src/index.js'), 'changed');
    await waitFor(() => starts('lib') === 2 && starts('api') === 2, { what: 'lib and api restarted', describe: () => [said, output()] });
    // Once: a new file's 'add' and 'change' may land more than a debounce apart, yet the restart after
    // the first already had the written file. A later save is the sentinel: it restarts them once more.
    writeFileSync(path.join(dir, 'src/sentinel.js'), 'last');
    await waitFor(() => said.length === 2 && starts('lib') === 3 && starts('api') === 3, {
      what: 'one more restart',
      describe: () => [said, output()],
    });
    expect(said).toEqual(['lib: src/index.js changed: restarting', 'lib: src/sentinel.js changed: restarting']);
    expect(starts('other')).toBe(1);
  });
});
