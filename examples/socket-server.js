// A server that takes its listening socket from devsup (`socket: true`), systemd style: fd 3, with
// LISTEN_FDS=1 and LISTEN_PID set to its own pid. The port is bound before this program even
// starts, so no other process can take it, and early clients wait in the queue instead of being
// refused. Started without a socket (plain `node examples/socket-server.js`), it binds $PORT.
import http from 'node:http';

const handed = process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid);
const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ service: 'socket-server', pid: process.pid, path: request.url }) + '\n');
});

server.listen(handed ? { fd: 3 } : { port: Number(process.env.PORT ?? 8080) }, () =>
  console.log(
    handed ? `serving on the socket devsup handed over (fd 3, ${process.env.LISTEN_FDNAMES})` : `listening on port ${server.address().port}`,
  ),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
