import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import {
  describeVersionMismatch,
  encodeMessage,
  MAX_REQUEST_LINE_BYTES,
  parseRequest,
  PROTOCOL_VERSION,
  readJsonLines,
  VERSION_HINT,
  type Reply,
  type Request,
} from './protocol.js';

/** One client's connection, as a request handler sees it. */
export interface Connection {
  send(reply: Reply): void;
  /** Sends nothing more and closes the connection once what was sent has gone out. */
  end(): void;
  /** Bytes queued for a client that does not read fast enough. */
  readonly queuedBytes: number;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export type RequestHandler = (request: Request, connection: Connection) => void;

export interface ControlServer {
  readonly path: string;
  /** Stops listening, closes every connection (once what was sent to it is out) and removes the socket file. */
  close(): Promise<void>;
  /**
   * Listens on the path again (its socket file was removed): later clients reach the new socket,
   * while the connections already open (a `logs -f`) go on.
   */
  reopen(): Promise<void>;
}

/**
 * Listens on the control socket (a Unix socket made 0600, or a named pipe) and hands each
 * connection's one request, checked for shape and protocol version, to `handle`. The caller holds
 * the instance lock, so a socket file already there is a dead instance's and is replaced.
 */
export async function listenForControl(socketPath: string, handle: RequestHandler): Promise<ControlServer> {
  const sockets = new Set<net.Socket>();
  const isPipe = process.platform === 'win32';
  const listen = async (): Promise<net.Server> => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      serveConnection(socket, handle);
    });
    if (!isPipe) unlinkIfPresent(socketPath);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The folder (0700) already keeps others out; the mode says the same on the socket itself.
    if (!isPipe) chmodSync(socketPath, 0o600);
    return server;
  };
  let current = await listen();
  const closing: Promise<void>[] = [];
  const closeServer = (server: net.Server) => closing.push(new Promise((resolve) => server.close(() => resolve())));
  return {
    path: socketPath,
    close: async () => {
      closeServer(current);
      // A follower's last lines (its services' "stopped") are batched per tick: they go out first.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([...sockets].map(endGracefully));
      await Promise.all(closing);
      if (!isPipe) unlinkIfPresent(socketPath);
    },
    reopen: async () => {
      // Closed first: closing a Unix socket server removes the file at its path, which would be the new one.
      // It takes no new connections; the open ones (a `logs -f`) go on until their clients finish.
      closeServer(current);
      current = await listen();
    },
  };
}

function serveConnection(socket: net.Socket, handle: RequestHandler): void {
  socket.on('error', () => socket.destroy()); // a client that went away mid-answer
  const closeListeners: (() => void)[] = [];
  socket.once('close', () => closeListeners.forEach((listener) => listener()));
  const connection: Connection = {
    send: (reply) => {
      if (!socket.destroyed) socket.write(encodeMessage(reply));
    },
    end: () => socket.end(),
    get queuedBytes() {
      return socket.writableLength;
    },
    get closed() {
      return socket.destroyed;
    },
    onClose: (listener) => closeListeners.push(listener),
  };
  let received = false;
  const onChunk = readJsonLines(
    (value) => {
      if (received) return; // one request per connection
      received = true;
      socket.off('data', onChunk); // whatever follows the request is read and dropped, never kept
      const version = (value as { v?: unknown } | undefined)?.v;
      if (version !== PROTOCOL_VERSION) {
        const message =
          typeof version === 'number'
            ? describeVersionMismatch(process.pid, PROTOCOL_VERSION, version)
            : 'a request without a protocol version ("v").';
        connection.send({ type: 'error', message, hint: VERSION_HINT, exitCode: 1 });
        return connection.end();
      }
      const request = parseRequest(value);
      if (typeof request === 'string') {
        connection.send({ type: 'error', message: `bad request: ${request}.`, exitCode: 2 });
        return connection.end();
      }
      handle(request, connection);
    },
    { maxLineBytes: MAX_REQUEST_LINE_BYTES, onTooLarge: () => refuseTooLarge(socket, connection) },
  );
  socket.on('data', onChunk);
}

/** Reads no further, answers, and closes once the answer is out, so the client learns why. */
function refuseTooLarge(socket: net.Socket, connection: Connection): void {
  socket.pause();
  connection.send({ type: 'error', message: `request too large: at most ${MAX_REQUEST_LINE_BYTES / 1024 / 1024} MiB per line.`, exitCode: 2 });
  socket.end(() => socket.destroy());
}

/** How long a client that does not read may hold up the instance's exit. */
const CLOSE_GRACE_MS = 1_000;

/** Ends a connection once what was sent has gone out, or after the grace when its client does not read. */
function endGracefully(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
