import { execFile } from 'node:child_process';

const TOOL_TIMEOUT_MS = 5_000;

/**
 * Runs a diagnostic tool (lsof, ss, ps, netstat, sysctl…) and returns its stdout, or null when the
 * tool is not installed or could not run. A non-zero exit still returns stdout: `lsof` exits 1 when
 * nothing matches, which means "no holder", not "unknown".
 */
export function readToolOutput(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: TOOL_TIMEOUT_MS, windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error && (typeof error.code !== 'number' || error.killed)) resolve(null);
      else resolve(stdout);
    });
  });
}
