// The tools users would pick instead of devsup, installed by the bench into a folder of its own.
//
// npm peers go to bench/.peers (gitignored; the package ships only dist/), from a package.json the
// bench writes there with pinned versions; npm runs only when a pinned version is missing, so a
// second run installs nothing. Ruby foreman is Debian's ruby-foreman (/usr/bin/foreman) when the
// machine has it. A peer that cannot be had is skipped with a note, never a failure of the bench.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, npm } from './lib.mjs';

const PEERS_DIR = path.join(ROOT, 'bench/.peers');
// concurrently 10 needs Node 22; devsup supports Node 20, so the bench pins the last 9.x.
const NPM_PEERS = {
  concurrently: { version: '9.2.5', bin: 'concurrently' },
  foreman: { version: '3.0.1', bin: 'nf' },
};
const RUBY_FOREMAN = '/usr/bin/foreman';

const installed = (name) => {
  try {
    return JSON.parse(readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
};

/** The npm peers' entry scripts by package name, installing what is missing; notes say what was skipped and why. */
function npmPeers(notes) {
  const missing = Object.keys(NPM_PEERS).filter((name) => installed(name)?.version !== NPM_PEERS[name].version);
  if (missing.length > 0) {
    mkdirSync(PEERS_DIR, { recursive: true });
    const dependencies = Object.fromEntries(Object.entries(NPM_PEERS).map(([name, { version }]) => [name, version]));
    writeFileSync(path.join(PEERS_DIR, 'package.json'), JSON.stringify({ private: true, dependencies }, null, 2) + '\n');
    console.log(`installing ${missing.map((name) => `${name}@${NPM_PEERS[name].version}`).join(', ')} into ${path.relative(ROOT, PEERS_DIR)}/`);
    try {
      npm(['install', '--prefix', PEERS_DIR], PEERS_DIR);
    } catch (error) {
      notes.push(error.message);
    }
  }
  const scripts = {};
  for (const [name, { version, bin }] of Object.entries(NPM_PEERS)) {
    const manifest = installed(name);
    const entry = typeof manifest?.bin === 'string' ? manifest.bin : manifest?.bin?.[bin];
    if (manifest?.version === version && entry) scripts[name] = { script: path.join(PEERS_DIR, 'node_modules', name, entry), version };
    else notes.push(`${name}@${version} skipped: not installed in ${path.relative(ROOT, PEERS_DIR)}/`);
  }
  return scripts;
}

function rubyForeman(notes) {
  if (!existsSync(RUBY_FOREMAN)) {
    notes.push(`Ruby foreman skipped: ${RUBY_FOREMAN} not found (Debian: apt-get install ruby-foreman)`);
    return undefined;
  }
  const probe = spawnSync(RUBY_FOREMAN, ['version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    notes.push(`Ruby foreman skipped: \`${RUBY_FOREMAN} version\` failed`);
    return undefined;
  }
  return { bin: RUBY_FOREMAN, version: probe.stdout.trim() };
}

/** What each peer needs to run (absent when skipped), and the notes to print about those skipped. */
export function preparePeers() {
  const notes = [];
  const npm = npmPeers(notes);
  return { concurrently: npm.concurrently, nodeForeman: npm.foreman, rubyForeman: rubyForeman(notes), notes };
}
