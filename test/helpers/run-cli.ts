import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

export const CLI = fileURLToPath(new URL('../../dist/bin/devsup.cjs', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout+stderr matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/**
 * Runs the built CLI (`dist/bin/devsup.cjs`) in `cwd`, capturing its output; for long-running commands like `up`.
 * `detached: true` gives it its own process group, as a shell gives a foreground job, so a test can
 * send the group SIGINT the way a terminal's Ctrl-C does.
 */
export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, options: { detached?: boolean } = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      waitFor(() => (out + err).match(pattern), {
        what: `output matching ${pattern}`,
        timeoutMs,
        describe: () => ({ stdout: out.slice(-2000), stderr: err.slice(-2000) }),
      }),
  };
}

/** Runs the built CLI to completion. */
export async function runCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, cwd, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
