import { existsSync } from 'node:fs';
import path from 'node:path';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** Lock files in the order they are looked for: the first found names the project's package manager. */
const LOCK_FILES: [string, PackageManager][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['pnpm-workspace.yaml', 'pnpm'],
];

/** The project's package manager: package.json's `packageManager` field, else its lock file, else npm. */
export function detectPackageManager(root: string, packageManagerField: unknown): PackageManager {
  const named = typeof packageManagerField === 'string' ? /^(npm|pnpm|yarn|bun)@/.exec(packageManagerField)?.[1] : undefined;
  if (named !== undefined) return named as PackageManager;
  return LOCK_FILES.find(([file]) => existsSync(path.join(root, file)))?.[1] ?? 'npm';
}

/**
 * The command line that runs `script` with `args` appended. npm passes arguments on only after `--`;
 * pnpm, yarn and bun pass everything after the script's name, and pnpm would hand a `--` on verbatim.
 */
export function runScriptCommand(manager: PackageManager, script: string, args: readonly string[] = []): string {
  const words = [manager, 'run', script, ...(args.length > 0 && manager === 'npm' ? ['--'] : []), ...args];
  return words.join(' ');
}
