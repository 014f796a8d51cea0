// `npm run bench:size` (and the end of `npm run bench`): how much devsup costs to download and to
// install. The tarball's size is `npm pack --dry-run --json`'s. The install size is measured by
// packing devsup and installing that tarball into a temp prefix (`npm install --omit=dev`, from the
// npm registry as a user's install would), then adding up the bytes of the files under its
// node_modules, package by package. Each of devsup's dependencies is charged with the packages only
// it needs; packages several of them need are counted apart. devsup bundles its dependencies, so a
// user installs one package: its bundle is built again in memory to tell what each dependency adds
// to it (esbuild's metafile: the bytes each source file left in the output). Needs a built dist/.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/bundle.mjs';
import { ROOT, npm } from './lib.mjs';

const kB = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

/** Bytes of the files under `dir` (sizes as listed, links not followed), leaving out `skip` folders. */
function bytesUnder(dir, skip = () => false) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += skip(entry.name) ? 0 : bytesUnder(full, skip);
    else total += lstatSync(full).size;
  }
  return total;
}

/** Every package folder under `modules` (a node_modules), nested ones included. */
function packageFolders(modules) {
  if (!existsSync(modules)) return [];
  const folders = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue; // .bin, .package-lock.json
    const scoped = name.startsWith('@') ? readdirSync(path.join(modules, name)).map((inner) => path.join(name, inner)) : [name];
    for (const pkg of scoped) {
      const folder = path.join(modules, pkg);
      folders.push(folder, ...packageFolders(path.join(folder, 'node_modules')));
    }
  }
  return folders;
}

const dependenciesOf = (folder) => {
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
  return Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
};

/** Where `name` resolves from `folder`, as Node looks: its own node_modules, then each one above. */
function resolveFrom(folder, name, root) {
  for (let dir = folder; dir.startsWith(root); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return undefined; // an optional dependency not installed on this platform
}

function closure(start, root) {
  const seen = new Set([start]);
  for (const folder of seen) {
    for (const name of dependenciesOf(folder)) {
      const found = resolveFrom(folder, name, root);
      if (found) seen.add(found);
    }
  }
  return seen;
}

/** The bytes of dist/bin each package put there: devsup's own code, and each bundled dependency. */
async function bundleShares() {
  const { metafile } = await build({ ...BUNDLE_OPTIONS, absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
  const bytes = new Map();
  let total = 0;
  for (const output of Object.values(metafile.outputs)) {
    total += output.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'devsup (its own code)';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return { total, shares: [...bytes].map(([name, size]) => ({ name, bytes: size })).sort((a, b) => b.bytes - a.bytes) };
}

export async function measurePackageSize() {
  const [packed] = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT));
  console.log(`\npackage size (npm pack --dry-run): ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);

  const temp = mkdtempSync(path.join(os.tmpdir(), 'devsup-bench-size-'));
  try {
    const [tarball] = JSON.parse(npm(['pack', '--json', '--pack-destination', temp], ROOT));
    const prefix = path.join(temp, 'install');
    npm(['install', '--prefix', prefix, '--omit=dev', path.join(temp, tarball.filename)], temp);
    const modules = path.join(prefix, 'node_modules');
    const own = new Map(packageFolders(modules).map((folder) => [folder, bytesUnder(folder, (name) => name === 'node_modules')]));
    const total = [...own.values()].reduce((sum, bytes) => sum + bytes, 0);
    const devsup = path.join(modules, 'devsup');
    const direct = dependenciesOf(devsup).map((name) => ({ name, closure: closure(resolveFrom(devsup, name, prefix), prefix) }));
    const owners = new Map();
    for (const { name, closure: folders } of direct) for (const folder of folders) owners.set(folder, [...(owners.get(folder) ?? []), name]);
    const shares = direct.map(({ name, closure: folders }) => {
      const alone = [...folders].filter((folder) => owners.get(folder).length === 1);
      return { name, packages: alone.length, bytes: alone.reduce((sum, folder) => sum + own.get(folder), 0) };
    });
    const shared = [...owners].filter(([, names]) => names.length > 1).map(([folder]) => folder);
    const sharedBytes = shared.reduce((sum, folder) => sum + own.get(folder), 0);
    const rows = [
      { name: 'devsup itself', packages: 1, bytes: own.get(devsup) },
      ...shares.sort((a, b) => b.bytes - a.bytes),
      ...(shared.length ? [{ name: 'shared by several dependencies', packages: shared.length, bytes: sharedBytes, shared: true }] : []),
    ];
    console.log(
      `install size (the packed tarball installed into a temp prefix with npm install --omit=dev; bytes of files): ${kB(total)} in ${own.size} packages`,
    );
    const width = Math.max(...rows.map((row) => row.name.length));
    for (const row of rows) {
      const extra = row.shared
        ? ` (${row.packages} packages)`
        : row.packages === 0
          ? ' (others need it too: counted as shared)'
          : row.packages > 1
            ? ` (with ${row.packages - 1} package${row.packages > 2 ? 's' : ''} only it needs)`
            : '';
      console.log(`  ${row.name.padEnd(width)}  ${kB(row.bytes).padStart(9)}  ${((100 * row.bytes) / total).toFixed(1).padStart(5)}%${extra}`);
    }
    const bundle = await bundleShares();
    console.log(`dist/bin, ${kB(bundle.total)}, by package (each chunk is loaded only by the commands that use it):`);
    // Packages under 1% each (execa's and listr2's small helpers, mostly) are summed in one row.
    const large = bundle.shares.filter((share) => share.bytes >= bundle.total / 100);
    const small = bundle.shares.filter((share) => share.bytes < bundle.total / 100);
    const bundleRows = [...large, { name: `${small.length} smaller packages`, bytes: small.reduce((sum, share) => sum + share.bytes, 0) }];
    const bundleWidth = Math.max(...bundleRows.map((share) => share.name.length));
    for (const share of bundleRows)
      console.log(
        `  ${share.name.padEnd(bundleWidth)}  ${kB(share.bytes).padStart(9)}  ${((100 * share.bytes) / bundle.total).toFixed(1).padStart(5)}%`,
      );
    return {
      packed: packed.size,
      unpacked: packed.unpackedSize,
      files: packed.entryCount,
      installed: total,
      packages: own.size,
      shares: rows,
      bundle,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await measurePackageSize();
