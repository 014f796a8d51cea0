import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, type CallToolResult, type ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { z } from 'zod';
import { DevsupError, messageOf } from '../../errors.js';
import type { Incident } from '../../control/protocol.js';
import { renderPortsJson } from '../../output/port-table.js';
import type { PortsReport } from '../../output/ports-report.js';
import { InstanceFollower } from './instance-follower.js';
import { cutLine } from './render-log-lines.js';
import { describeExit, type ToolAnswer } from './service-entries.js';
import { DEFAULT_LOG_LINES, errorText, MAX_LOG_LINES, StackTools, type StackPlace } from './stack-tools.js';

export const PORTS_URI = 'devsup://ports';
const LOGS_TEMPLATE = 'devsup://logs/{service}';
/** A wait longer than this would outlast every client's own request timeout. */
const MAX_WAIT_SECONDS = 600;

const services = z.array(z.string().min(1)).min(1);
const readOnly = { readOnlyHint: true, openWorldHint: false } as const;
const acting = { readOnlyHint: false, openWorldHint: false } as const;

interface ToolExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification(notification: ServerNotification): Promise<void>;
}

/**
 * `devsup mcp`: the MCP server on stdin/stdout. Tools act on the instance of the manifest served
 * through its control socket (never a network port); a follower keeps up with that instance, so
 * subscribers hear when the port table changes and every client hears when a service crashes or
 * turns unhealthy.
 * Resolves once the client closes stdin.
 */
/**
 * The SDK validates with a JSON Schema only what a server asks its client to fill in (elicitation),
 * which devsup never does. This one stands in for its ajv-based default, which the bundle leaves
 * out (scripts/bundle.mjs): ~200 kB that `devsup mcp` would load for nothing.
 */
const NO_INPUT_ASKED: jsonSchemaValidator = {
  getValidator: () => {
    throw new Error('devsup asks its MCP client for no input, so it validates none');
  },
};

export async function serveMcp(place: StackPlace, version: string): Promise<void> {
  const tools = new StackTools(place);
  const server = new McpServer(
    { name: 'devsup', version },
    {
      capabilities: { logging: {}, resources: { subscribe: true } },
      jsonSchemaValidator: NO_INPUT_ASKED,
      instructions:
        "devsup runs this project's local services (services.yaml) on ports that never collide. Use start_stack instead of starting dev servers yourself, " +
        'wait_ready to block until they are ready, read_logs instead of scrollback, list_services for ports and URLs, and stop_stack when done.',
    },
  );
  const subscriptions = new Set<string>();
  let lastTable: string | undefined;
  const follower = new InstanceFollower(
    () => tools.folder(),
    {
      onReport: (report) => {
        const table = tableFingerprint(report);
        if (table === lastTable) return;
        lastTable = table;
        if (subscriptions.has(PORTS_URI)) void server.server.sendResourceUpdated({ uri: PORTS_URI }).catch(() => undefined);
      },
      onIncident: (incident) => void server.sendLoggingMessage(incidentMessage(incident)).catch(() => undefined),
    },
    place.note,
  );
  // Once a tool has started an instance, the follower looks for it at once rather than within half a second.
  registerTools(server, tools, () => follower.poke());
  registerResources(server, tools, subscriptions);

  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport());
  await closed;
  await follower.close();
  await server.close();
}

function registerTools(server: McpServer, tools: StackTools, started: () => void): void {
  server.registerTool(
    'list_services',
    {
      title: 'List services',
      description:
        'Every service of the stack: key, title, status (with detail), port(s), preferred port, URL, pid, restarts, last exit, and who held a preferred port that was taken. Says so when the stack is not running.',
      annotations: readOnly,
    },
    () => answer(() => tools.listServices()),
  );
  server.registerTool(
    'start_stack',
    {
      title: 'Start the stack',
      description:
        'Start the stack in the background (devsup up -d), or the named services (and what they depend on) in the running stack; returns once they are ready or have settled, with the port table. A service that fails is named with its last lines.',
      inputSchema: { services: services.optional().describe('service keys; default: every service that starts by default') },
      annotations: acting,
    },
    ({ services: names }, extra) => {
      const progress = progressOf(extra);
      return answer(() =>
        tools.startStack(
          names,
          (text) => {
            started();
            progress(text);
          },
          extra.signal,
        ),
      );
    },
  );
  server.registerTool(
    'stop_stack',
    { title: 'Stop the stack', description: 'Stop every service and the stack (devsup down); returns once all have stopped.', annotations: acting },
    () => answer(() => tools.stopStack()),
  );
  const actions = [
    ['restart_service', 'restart', 'Restart services on the ports they have, then wait until they are ready again (bounded by their ready_timeout).'],
    ['stop_service', 'stop', 'Stop services; each keeps its port for a later start.'],
    ['start_service', 'start', 'Start stopped services (or autostart: false ones) in the running stack, then wait until they are ready.'],
  ] as const;
  for (const [name, action, description] of actions) {
    server.registerTool(
      name,
      { description, inputSchema: { services: services.describe('service keys') }, annotations: acting },
      ({ services: names }) => {
        if (action !== 'stop') started();
        return answer(() => tools.serviceAction(action, names));
      },
    );
  }
  server.registerTool(
    'wait_ready',
    {
      title: 'Wait until ready',
      description:
        'Block until the services are ready (their readiness check passed); returns at once with the reason and last lines if one crashed or failed, and waits for the stack to start if it has not yet.',
      inputSchema: {
        services: services.optional().describe('service keys; default: every service meant to run'),
        timeout_seconds: z.number().positive().max(MAX_WAIT_SECONDS).optional().describe('default 30'),
      },
      annotations: readOnly,
    },
    ({ services: names, timeout_seconds }, extra) => answer(() => tools.waitReady(names, timeout_seconds, extra.signal)),
  );
  server.registerTool(
    'read_logs',
    {
      title: 'Read logs',
      description: `The last lines of the services' output (of one service, or all merged in arrival order), with arrival times; answers at most 64 KiB and says when lines were left out.`,
      inputSchema: {
        service: z.string().min(1).optional().describe('one service key; default: all'),
        lines: z.number().int().min(1).max(MAX_LOG_LINES).optional().describe(`lines per service, the newest (default ${DEFAULT_LOG_LINES})`),
        since_restart: z.boolean().optional().describe("only lines of each service's current run"),
        grep: z.string().optional().describe('only lines matching this JavaScript regular expression'),
        since: z.string().optional().describe('only lines since then: 10m, 2h, 14:05, or an ISO 8601 date and time'),
      },
      annotations: readOnly,
    },
    ({ service, lines, since_restart, grep, since }) =>
      answer(() =>
        tools.readLogs({
          ...(service !== undefined && { service }),
          ...(lines !== undefined && { lines }),
          ...(since_restart !== undefined && { sinceRestart: since_restart }),
          ...(grep !== undefined && { grep }),
          ...(since !== undefined && { since }),
        }),
      ),
  );
  server.registerTool(
    'who_holds_port',
    {
      title: 'Who holds a port',
      description: 'Which process listens on a port: pid, command, user, since when, whether it is a devsup service (devsup who --json).',
      inputSchema: { port: z.number().int().min(1).max(65535) },
      annotations: readOnly,
    },
    ({ port }) => answer(() => tools.whoHoldsPort(port)),
  );
  server.registerTool(
    'check_manifest',
    {
      title: 'Check the manifest',
      description:
        'Validate services.yaml: every problem as {file, line, column, message, hint}, or, when valid, the merged services with the ports they would get now.',
      annotations: readOnly,
    },
    () => answer(() => tools.checkManifest()),
  );
}

/** Resources, and the subscriptions clients hold to them (the SDK keeps none) in `subscriptions`. */
function registerResources(server: McpServer, tools: StackTools, subscriptions: Set<string>): void {
  server.registerResource(
    'ports',
    PORTS_URI,
    { title: 'Port table', description: 'The running stack as `devsup ports --json` prints it', mimeType: 'application/json' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: renderPortsJson(await readOrThrow(() => tools.portsJson())) }],
    }),
  );
  server.registerResource(
    'logs',
    new ResourceTemplate(LOGS_TEMPLATE, {
      list: async () => {
        const report = await tools.portsJson().catch(() => undefined);
        return {
          resources: (report?.services ?? []).map((service) => ({
            uri: `devsup://logs/${encodeURIComponent(service.service)}`,
            name: `logs of ${service.service}`,
            mimeType: 'text/plain',
          })),
        };
      },
    }),
    { title: "A service's recent output", description: `The last ${DEFAULT_LOG_LINES} lines of one service`, mimeType: 'text/plain' },
    async (uri, variables) => {
      const service = decodeURIComponent(String(variables.service));
      const logs = await readOrThrow(() => tools.readLogs({ service }));
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: logs.text }] };
    },
  );
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
}

/** A tool's answer as MCP wants it; a DevsupError becomes a tool error with the text the CLI prints. */
async function answer(work: () => Promise<ToolAnswer>): Promise<CallToolResult> {
  try {
    const { text, structured, isError } = await work();
    return { content: [{ type: 'text', text }], structuredContent: structured, ...(isError && { isError }) };
  } catch (error) {
    if (!(error instanceof DevsupError)) throw error;
    return { content: [{ type: 'text', text: errorText(error) }], isError: true };
  }
}

async function readOrThrow<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new Error(error instanceof DevsupError ? errorText(error) : messageOf(error));
  }
}

/** Progress notifications for a client that sent a progress token (they also keep its request from timing out). */
function progressOf(extra: ToolExtra): (text: string) => void {
  const token = extra._meta?.progressToken;
  let count = 0;
  return (text) => {
    if (token === undefined) return;
    count += 1;
    void extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: count, message: text } })
      .catch(() => undefined);
  };
}

/** What of the report makes the port table: services, statuses, ports, pids (not the details that tick every second). */
function tableFingerprint(report: PortsReport | undefined): string | undefined {
  if (!report) return undefined;
  return JSON.stringify([
    report.pid,
    report.services.map((service) => [service.service, service.status, service.ports, service.pid, service.restarts]),
  ]);
}

/**
 * The logging notification for an incident, with the service named and its last lines: level error for a run
 * that ended (a crash, a failure to start, a restart for a failed check), warning for a health check that fails.
 */
export function incidentMessage(incident: Incident) {
  const exit = incident.exit === undefined ? (incident.detail ?? 'could not be started') : describeExit(incident.exit);
  // A run devsup stopped for a failed check exited as its stop made it: the check is the news, not that exit.
  const ended = incident.failedCheck === undefined ? `crashed (${exit})` : `was stopped: ${incident.failedCheck}`;
  const outcome =
    incident.status === 'unhealthy'
      ? `is unhealthy: ${incident.detail ?? 'its health check fails'}; devsup restarts it if its health check keeps failing`
      : incident.status === 'restarting'
        ? `${ended}; devsup restarts it (restart ${incident.restarts})`
        : incident.status === 'crashed'
          ? `${ended}; devsup gave up on it`
          : `failed: ${incident.detail ?? exit}`;
  const cutLines = incident.lastLines.map(cutLine);
  const lastLines = cutLines.length === 0 ? '' : `\nLast lines of ${incident.service}:\n${cutLines.map((line) => `  ${line}`).join('\n')}`;
  return {
    level: incident.status === 'unhealthy' ? ('warning' as const) : ('error' as const),
    logger: 'devsup',
    data: {
      message: `${incident.service} ${outcome}.${lastLines}`,
      service: incident.service,
      status: incident.status,
      ...(incident.detail !== undefined && { detail: incident.detail }),
      ...(incident.failedCheck !== undefined && { failedCheck: incident.failedCheck }),
      exit: incident.exit ?? null,
      restarts: incident.restarts,
      lastLines: cutLines,
    },
  };
}
