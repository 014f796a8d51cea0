import { readFileSync } from 'node:fs';
import type { CliIO, ParsedArgs } from '../cli-types.js';

/**
 * `devsup mcp [-f FILE]`: the stack as MCP tools for coding agents, over stdin/stdout only. The
 * SDK is imported here, on use, so that `devsup --help` and `up` never load it. stdout carries the
 * JSON-RPC stream alone: anything else that would print there (a stray console.log in a
 * dependency) goes to stderr with devsup's own notes.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const { serveMcp } = await import('../mcp/mcp-server.js');
  await serveMcp(
    {
      cwd: io.cwd,
      file: args.values.file as string | undefined,
      env: io.env,
      note: (message) => io.stderr.write(`devsup: ${message}\n`),
    },
    readVersion(),
  );
  return 0;
}

/** The version in the package.json beside the build (dist/bin is two folders below it). */
function readVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
