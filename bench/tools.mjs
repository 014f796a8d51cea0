// How each tool runs the same set of services, as its users would write it: devsup from a
// services.yaml, concurrently from its command line, node-foreman (`nf`) and Ruby foreman from a
// Procfile. Peers have no fixed ports, so their commands set PORT themselves (`PORT=… node …`, run
// by their shell); devsup is given the port in its manifest and sets PORT itself. Each peer runs a
// command with `/bin/sh -c`, and Debian's sh (dash) stays the program's parent whether or not the
// command sets a variable: a signal a peer sends that shell alone does not reach the program.
//
// A service is { name, argv, port?, once? }: `once` marks a command that is meant to finish (devsup
// is told `restart: never`; the peers stop once it exits, or, for concurrently, once all have).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, sleep, tempFolder, writeManifest } from './lib.mjs';
import { killMarked, markedPids, spawnMarked } from './processes.mjs';

const STDERR_KEPT = 16 * 1024;

/** `argv` as one sh command line; words that are not plainly safe are single-quoted. */
function shellCommand(argv) {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

const peerCommand = (service) => `${service.port === undefined ? '' : `PORT=${service.port} `}${shellCommand(service.argv)}`;

function writeProcfile(dir, services) {
  writeFileSync(path.join(dir, 'Procfile'), services.map((service) => `${service.name}: ${peerCommand(service)}\n`).join(''));
}

/**
 * The tools to compare, devsup first; peers that `preparePeers` could not provide are left out.
 * Each has `prepare(dir, services, { restart })`, which writes its files into `dir` and returns the
 * argv to run there. `restart` asks for a crashed service to be started again, where the tool can.
 */
export function toolsFrom(peers) {
  const tools = [
    {
      id: 'devsup',
      label: 'devsup',
      prepare(dir, services) {
        // devsup restarts a crashed service by default; a command meant to finish is told not to.
        writeManifest(
          dir,
          Object.fromEntries(
            services.map((service) => [
              service.name,
              {
                command: shellCommand(service.argv),
                ...(service.port === undefined ? {} : { port: service.port }),
                ...(service.once ? { restart: 'never' } : {}),
              },
            ]),
          ),
        );
        return [process.execPath, CLI, 'up'];
      },
    },
  ];
  if (peers.concurrently)
    tools.push({
      id: 'concurrently',
      label: `concurrently ${peers.concurrently.version}`,
      prepare: (_dir, services, { restart }) => [
        process.execPath,
        peers.concurrently.script,
        '--names',
        services.map((service) => service.name).join(','),
        // Without it concurrently never restarts; with it, a command that fails is started again at once.
        ...(restart ? ['--restart-tries', '-1'] : []),
        ...services.map(peerCommand),
      ],
    });
  if (peers.nodeForeman)
    tools.push({
      id: 'nf',
      label: `node-foreman (nf) ${peers.nodeForeman.version}`,
      prepare(dir, services) {
        writeProcfile(dir, services);
        return [process.execPath, peers.nodeForeman.script, 'start'];
      },
    });
  if (peers.rubyForeman)
    tools.push({
      id: 'foreman',
      label: `Ruby foreman ${peers.rubyForeman.version}`,
      prepare(dir, services) {
        writeProcfile(dir, services);
        return [peers.rubyForeman.bin, 'start'];
      },
    });
  return tools;
}

/** SIGKILLs every process of the launch `child` until none is left (bounded), and waits for `child` itself. */
async function endLaunch(child) {
  for (let tries = 0; killMarked(child.mark) > 0; tries++) {
    if (tries === 100) throw new Error(`processes outlived SIGKILL: ${markedPids(child.mark).join(' ')}`);
    await sleep(10);
  }
  await child.exited;
}

/**
 * The services started by the bench itself, each its own process with PORT set, stdout to `stdout`:
 * the baseline a supervisor adds to. `exited` settles once all have exited; `close()` ends them all.
 */
export function launchDirect(services, { stdout = 'ignore' } = {}) {
  const children = services.map((service) =>
    spawnMarked(service.argv, { stdio: ['ignore', stdout, 'ignore'], env: service.port === undefined ? {} : { PORT: String(service.port) } }),
  );
  return {
    exited: Promise.all(children.map((child) => child.exited)),
    close: () => Promise.all(children.map(endLaunch)),
  };
}

/**
 * Starts `tool` on `services` in a new temp folder, its stdout to `stdout` (a fd, or 'ignore').
 * `close()` ends it and everything it started, and removes the folder; call it in a finally.
 */
export function launch(tool, services, { stdout = 'ignore', restart = false } = {}) {
  const dir = tempFolder(tool.id);
  let child;
  try {
    child = spawnMarked(tool.prepare(dir, services, { restart }), { cwd: dir, stdio: ['ignore', stdout, 'pipe'] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
  let exited = child.pid === undefined; // it could not be spawned: its `exited` says why
  void child.exited.then(() => (exited = true));
  const signal = (name) => {
    try {
      if (!exited) process.kill(child.pid, name);
    } catch {
      // it exited a moment ago; its close is on its way
    }
  };
  return {
    tool,
    pid: child.pid,
    dir,
    exited: child.exited,
    hasExited: () => exited,
    stderrText: () => stderr,
    /** Live pids of this launch: the supervisor and everything it started, wherever they went. */
    processes: () => markedPids(child.mark),
    signal,
    /** A clean stop asked for (SIGINT, up to 3 s), then SIGKILL to whatever of this launch is left. */
    async close() {
      try {
        if (!exited) {
          signal('SIGINT');
          await Promise.race([child.exited, sleep(3000)]);
        }
        await endLaunch(child);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
