import type { CliIO, ParsedArgs } from '../cli-types.js';
import { packageVersion } from '../package-version.js';

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
    packageVersion(),
  );
  return 0;
}
