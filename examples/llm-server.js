// A tiny stand-in for an LLM server. It asks the tool server (found through TOOLS_URL, which
// devsup fills with the port the tool server really got) for its tools, and answers /health.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'default' }, port: { type: 'string' } } });
const port = Number(values.port ?? process.env.PORT ?? 10500);
const toolsUrl = process.env.TOOLS_URL;

async function listTools() {
  if (!toolsUrl) return [];
  try {
    const response = await fetch(`${toolsUrl}/tools`);
    return (await response.json()).tools.map((tool) => tool.name);
  } catch (error) {
    return [`(tool server unreachable at ${toolsUrl}: ${error.message})`];
  }
}

const server = http.createServer(async (request, response) => {
  const body =
    request.url === '/health' ? { ok: true, model: values.model } : { service: 'llm-server', model: values.model, port, tools: await listTools() };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body) + '\n');
});

server.listen(port, process.env.HOST, async () => {
  console.log(`llm server (model ${values.model}) listening on port ${port}`);
  if (toolsUrl) console.log(`tools at ${toolsUrl}: ${(await listTools()).join(', ')}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
