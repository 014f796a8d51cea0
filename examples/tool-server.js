// A tiny stand-in for an MCP tool server: lists its tools and says which port devsup gave it.
import http from 'node:http';

const port = Number(process.env.PORT ?? 8763);
const tools = [
  { name: 'search', description: 'search the notes' },
  { name: 'clock', description: 'the time' },
];

const server = http.createServer((request, response) => {
  const body = request.url === '/health' ? { ok: true } : request.url === '/tools' ? { tools } : { service: 'tool-server', port };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body) + '\n');
});

server.listen(port, process.env.HOST, () => console.log(`tool server listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
