import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, renameSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { ManifestError } from '../errors.js';
import type { Manifest, ServiceSpec } from '../manifest/service-spec.js';
import { fixtureCommand, tempProject } from '../../test/helpers/temp-project.js';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import type { ManifestChanges } from './manifest-diff.js';
import { reloadOnManifestChange, type ManifestWatcher } from './reload-manifest.js';
import { Supervisor } from './supervisor.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A long-running service in `dir`: it only exits when stopped. */
const longRunning = (key: string, dir: string, ...args: string[]): ServiceSpec =>
  serviceSpec(key, { command: fixtureCommand('crash-after.mjs', 600_000, 0, ...args), cwd: dir });

/**
 * A running supervisor of `app`, whose manifest is a real services.yaml in a temp folder, watched by
 * `reloadOnManifestChange` with a `load` the test controls: it returns (or throws) what `loadNext` says.
 * `events` holds what was said and when `onApplied` ran, in order.
 */
async function reloading(options: { envFiles?: (dir: string) => string[]; savedWhileLoading?: string } = {}) {
  const project = tempProject({ 'services.yaml': 'services:\n  app: node app.js\n', '.env': 'A=1\n' });
  cleanups.push(() => project.remove());
  const { dir } = project;
  const file = path.join(dir, 'services.yaml');
  // The manifest in force was read a minute ago, after its files were last written; only later edits count.
  const loadedAt = Date.now() - 60_000;
  for (const name of ['services.yaml', '.env']) utimesSync(path.join(dir, name), (loadedAt - 60_000) / 1000, (loadedAt - 60_000) / 1000);
  if (options.savedWhileLoading !== undefined) utimesSync(path.join(dir, options.savedWhileLoading), new Date(), new Date());
  const manifestWith = (services: ServiceSpec[], overrides: Partial<Manifest> = {}): Manifest =>
    manifestOf(services, {
      file,
      dir,
      project: 'reload-test',
      sources: [file],
      envFiles: options.envFiles?.(dir) ?? [path.join(dir, '.env')],
      ...overrides,
    });
  const initial = manifestWith([longRunning('app', dir)]);
  const supervisor = new Supervisor({ manifest: initial, allocations: [], warn: () => undefined });
  cleanups.push(() => supervisor.shutdown());
  supervisor.start(['app']);
  await waitFor(() => supervisor.runners.get('app')!.status === 'running', { what: 'app running' });
  const appPid = supervisor.runners.get('app')!.pid;

  const events: string[] = [];
  const applied: ManifestChanges[] = [];
  const loads: number[] = []; // when each load began
  let loadNext: () => Promise<Manifest> = () => Promise.resolve(supervisor.manifest);
  const load = () => {
    loads.push(Date.now());
    return loadNext();
  };
  const watcher: ManifestWatcher = await reloadOnManifestChange(
    supervisor,
    load,
    loadedAt,
    (message) => events.push(`said: ${message}`),
    (changes) => {
      applied.push(changes);
      events.push('applied');
    },
  );
  cleanups.push(() => watcher.close());
  return {
    dir,
    file,
    write: (name: string, text: string) => project.write(name, text),
    supervisor,
    initial,
    appPid,
    manifestWith,
    watcher,
    events,
    applied,
    loads,
    said: () => events.filter((event) => event.startsWith('said: ')).map((event) => event.slice('said: '.length)),
    /** What the next load gives: a manifest, or an error it throws. */
    nextLoad(result: Manifest | Error | (() => Promise<Manifest>)) {
      if (typeof result === 'function') loadNext = result;
      else loadNext = () => (result instanceof Error ? Promise.reject(result) : Promise.resolve(result));
    },
  };
}

/**
 * A second watcher of the same files, to tell that a closed one reloads nothing: once the witness has
 * reloaded twice, a watcher still open would have loaded too. Returns what the witness applied.
 */
async function witnessReloads(supervisor: Supervisor): Promise<ManifestChanges[]> {
  const witnessed: ManifestChanges[] = [];
  const witness = await reloadOnManifestChange(
    supervisor,
    () => Promise.resolve(supervisor.manifest),
    Date.now() - 60_000,
    () => undefined,
    (changes) => {
      witnessed.push(changes);
    },
  );
  cleanups.push(() => witness.close());
  return witnessed;
}

describe('reloadOnManifestChange', () => {
  it('applies a saved edit after the debounce, says what it did, then runs onApplied', async () => {
    const h = await reloading();
    const next = h.manifestWith([longRunning('app', h.dir), longRunning('worker', h.dir)]);
    h.nextLoad(next);
    const savedAt = Date.now();
    h.write('services.yaml', 'services:\n  app: node app.js\n  worker: node worker.js\n');
    await waitFor(() => h.applied.length === 1, { what: 'the edit applied', describe: () => h.events });

    expect(h.loads).toHaveLength(1);
    expect(h.loads[0]! - savedAt).toBeGreaterThanOrEqual(195); // the 200 ms debounce, give or take a timer's rounding
    expect(h.events).toEqual(['said: services.yaml reloaded: started worker; 1 unchanged', 'applied']);
    expect(h.applied[0]).toEqual({ added: ['worker'], removed: [], restarted: [], unchanged: ['app'] });
    expect(h.supervisor.manifest).toBe(next);
    await waitFor(() => h.supervisor.runners.get('worker')?.status === 'running', { what: 'worker running' });
    expect(h.supervisor.runners.get('app')!.pid).toBe(h.appPid);
  });

  it('reloads once for a burst of saves of its files, naming them, and not for other files in the folder', async () => {
    const h = await reloading();
    const next = h.manifestWith([longRunning('app', h.dir, 'edited')]);
    h.nextLoad(next);
    for (let round = 0; round < 5; round++) {
      // What an editor, a formatter and a log file next to the manifest do, a turn of the event loop apart.
      h.write('app.log', `line ${round}\n`);
      h.write('services.yaml', `# save ${round}\n`);
      await nextTurn();
      h.write('services.yaml.tmp', `# atomic save ${round}\n`);
      renameSync(path.join(h.dir, 'services.yaml.tmp'), h.file);
      await nextTurn();
      chmodSync(h.file, 0o644);
      h.write('services.local.yaml', `# local ${round}\n`);
      h.write('.env', `A=${round}\n`);
      await nextTurn();
    }
    await waitFor(() => h.applied.length === 1, { what: 'the burst applied', describe: () => h.events });
    // A sentinel save: had the burst given two reloads, both would come before this one's.
    h.write('services.yaml', '# sentinel\n');
    await waitFor(() => h.applied.length === 2, { what: 'the sentinel applied', describe: () => h.events });

    expect(h.loads).toHaveLength(2);
    expect(h.said()).toEqual(['services.yaml, services.local.yaml, .env reloaded: restarted app', 'services.yaml reloaded: nothing to change']);
    expect(h.applied[0]).toEqual({ added: [], removed: [], restarted: ['app'], unchanged: [] });
    await waitFor(() => h.supervisor.runners.get('app')!.status === 'running', { what: 'app running again' });
    expect(h.supervisor.runners.get('app')!.pid).not.toBe(h.appPid);
  });

  it('keeps everything as it was after an invalid edit, says why, and applies the next valid one', async () => {
    const h = await reloading();
    h.nextLoad(new ManifestError([{ file: h.file, line: 2, column: 8, message: 'unknown key "comand" (did you mean "command"?)' }]));
    h.write('services.yaml', 'services:\n  app:\n    comand: node app.js\n');
    await waitFor(() => h.events.length === 1, { what: 'the invalid edit said', describe: () => h.events });

    expect(h.events).toEqual([
      `said: services.yaml changed, but cannot be used; everything keeps running as it was:\n${h.file}:2:8: unknown key "comand" (did you mean "command"?)`,
    ]);
    expect(h.supervisor.manifest).toBe(h.initial);
    expect(h.supervisor.runners.get('app')!.status).toBe('running');
    expect(h.supervisor.runners.get('app')!.pid).toBe(h.appPid);

    h.nextLoad(h.manifestWith([longRunning('app', h.dir), longRunning('worker', h.dir)]));
    h.write('services.yaml', 'services:\n  app: node app.js\n  worker: node worker.js\n');
    await waitFor(() => h.applied.length === 1, { what: 'the valid edit applied', describe: () => h.events });
    expect(h.said()[1]).toBe('services.yaml reloaded: started worker; 1 unchanged');
  });

  it('says an unexpected failure to load, and still applies a later valid edit', async () => {
    const h = await reloading();
    h.nextLoad(new Error("EACCES: permission denied, open 'services.yaml'"));
    h.write('services.yaml', '# unreadable for a moment\n');
    await waitFor(() => h.events.length === 1, { what: 'the failure said', describe: () => h.events });
    expect(h.events).toEqual(["said: an edit could not be applied, and devsup runs on as it was: EACCES: permission denied, open 'services.yaml'"]);
    expect(h.supervisor.manifest).toBe(h.initial);
    expect(h.supervisor.runners.get('app')!.pid).toBe(h.appPid);

    // The chain of reloads must not stay rejected: this edit is loaded and applied like any other.
    const next = h.manifestWith([longRunning('app', h.dir), longRunning('worker', h.dir)]);
    h.nextLoad(next);
    h.write('services.yaml', 'services:\n  app: node app.js\n  worker: node worker.js\n');
    await waitFor(() => h.applied.length === 1, { what: 'the later edit applied', describe: () => h.events });
    expect(h.loads).toHaveLength(2);
    expect(h.events.slice(1)).toEqual(['said: services.yaml reloaded: started worker; 1 unchanged', 'applied']);
    expect(h.supervisor.manifest).toBe(next);
    await waitFor(() => h.supervisor.runners.get('worker')?.status === 'running', { what: 'worker running' });
  });

  it('applies at once an edit saved between loading the manifest and watching it', async () => {
    const h = await reloading({ savedWhileLoading: 'services.yaml' });
    const next = h.manifestWith([longRunning('app', h.dir), longRunning('worker', h.dir)]);
    h.nextLoad(next);
    await waitFor(() => h.applied.length === 1, { what: 'the earlier edit applied', describe: () => h.events });
    expect(h.said()).toEqual(['services.yaml reloaded: started worker; 1 unchanged']);
  });

  it('watches the env files an applied edit names from then on, in folders not watched before', async () => {
    const h = await reloading();
    mkdirSync(path.join(h.dir, 'config'));
    const next = h.manifestWith([longRunning('app', h.dir)], { envFiles: [path.join(h.dir, '.env'), path.join(h.dir, 'config', 'extra.env')] });
    h.nextLoad(next);
    h.write('services.yaml', 'env_file: [.env, config/extra.env]\nservices:\n  app: node app.js\n');
    await waitFor(() => h.applied.length === 1, { what: 'the edit applied', describe: () => h.events });
    h.write('config/extra.env', 'B=2\n');
    await waitFor(() => h.applied.length === 2, { what: 'the env file edit applied', describe: () => h.events });
    expect(h.said()).toEqual(['services.yaml reloaded: nothing to change', 'extra.env reloaded: nothing to change']);
  });

  it('says which folder it cannot watch, and watches the others', async () => {
    const h = await reloading({ envFiles: (dir) => [path.join(dir, 'missing', '.env')] });
    expect(h.said()).toHaveLength(1);
    expect(h.said()[0]).toMatch(new RegExp(`^cannot watch ${h.dir}/missing for edits to \\.env \\(.*ENOENT.*\\); restart devsup to apply them\\.$`));
    h.write('services.yaml', '# edited\n');
    await waitFor(() => h.applied.length === 1, { what: 'the edit applied', describe: () => h.events });
    expect(h.said()[1]).toBe('services.yaml reloaded: nothing to change');
  });

  it('after close(), reloads nothing', async () => {
    const h = await reloading();
    await h.watcher.close();
    const witnessed = await witnessReloads(h.supervisor);
    h.write('services.yaml', '# after close\n');
    await waitFor(() => witnessed.length === 1, { what: 'the witness reloaded' });
    h.write('services.yaml', '# after close, again\n');
    await waitFor(() => witnessed.length === 2, { what: 'the witness reloaded again' });
    expect(h.loads).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('close() waits for the reload under way to finish', async () => {
    const h = await reloading();
    let release!: (manifest: Manifest) => void;
    h.nextLoad(() => new Promise<Manifest>((resolve) => (release = resolve)));
    h.write('services.yaml', 'services:\n  app: node app.js\n  worker: node worker.js\n');
    await waitFor(() => h.loads.length === 1, { what: 'the load under way', describe: () => h.events });
    let closed = false;
    const closing = h.watcher.close().then(() => (closed = true));
    await nextTurn();
    expect(closed).toBe(false);
    release(h.manifestWith([longRunning('app', h.dir), longRunning('worker', h.dir)]));
    await closing;
    expect(h.events).toEqual(['said: services.yaml reloaded: started worker; 1 unchanged', 'applied']);
  });

  it('closed during a reload, watches nothing once that reload is done', async () => {
    const h = await reloading();
    let release!: (manifest: Manifest) => void;
    h.nextLoad(() => new Promise<Manifest>((resolve) => (release = resolve)));
    h.write('services.yaml', '# edited\n');
    await waitFor(() => h.loads.length === 1, { what: 'the load under way', describe: () => h.events });
    const closing = h.watcher.close();
    release(h.manifestWith([longRunning('app', h.dir)]));
    await closing;
    h.nextLoad(h.manifestWith([longRunning('app', h.dir)]));
    const witnessed = await witnessReloads(h.supervisor);
    h.write('services.yaml', '# after close\n');
    await waitFor(() => witnessed.length === 1, { what: 'the witness reloaded' });
    h.write('services.yaml', '# after close, again\n');
    await waitFor(() => witnessed.length === 2, { what: 'the witness reloaded again' });
    expect(h.loads).toHaveLength(1);
  });
});
