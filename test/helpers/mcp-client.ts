import type { ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI } from './run-cli.js';

/** The SDK's stdio transport, keeping every line the server wrote to stdout so the test can check them all. */
export class RecordingTransport extends StdioClientTransport {
  readonly stdoutText: string[] = [];

  override async start(): Promise<void> {
    await super.start();
    // Listening beside the transport's own reader: both see every chunk.
    const decoder = new StringDecoder('utf8');
    this.child().stdout!.on('data', (chunk: Buffer) => this.stdoutText.push(decoder.write(chunk)));
  }

  /** The server's process, as the transport spawned it. */
  child(): ChildProcess {
    return (this as unknown as { _process: ChildProcess })._process;
  }

  /** Every line written to stdout so far. */
  stdoutLines(): string[] {
    return this.stdoutText
      .join('')
      .split('\n')
      .filter((line) => line !== '');
  }
}

export interface McpSession {
  client: Client;
  transport: RecordingTransport;
  stderr(): string;
  logs: { level: string; data: unknown }[];
  updated: string[];
}

/**
 * A real MCP client connected to `devsup mcp ARGS…` run in `dir`, recording the logging and
 * resources/updated notifications it gets. The caller closes `client` (which ends the server).
 */
export async function connectMcp(dir: string, args: string[] = []): Promise<McpSession> {
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const transport = new RecordingTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], cwd: dir, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'devsup-e2e', version: '1.0.0' });
  const logs: McpSession['logs'] = [];
  const updated: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updated.push(notification.params.uri));
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, logs, updated };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

/** One service of a tool's structured answer. */
export interface ToolEntry {
  key: string;
  status: string;
  port: number | null;
  pid: number | null;
  url: string | null;
  restarts: number;
  replicaOf?: string;
}
export const entriesOf = (result: CallToolResult) => (result.structuredContent as { services: ToolEntry[] }).services;
export const entryOf = (result: CallToolResult, key: string) => entriesOf(result).find((service) => service.key === key)!;
