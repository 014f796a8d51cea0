import net from 'node:net';
import { DevsupError, NoInstanceError } from '../errors.js';
import {
  describeVersionMismatch,
  encodeMessage,
  PROTOCOL_VERSION,
  readJsonLines,
  VERSION_HINT,
  type Message,
  type Reply,
  type Request,
} from './protocol.js';
import { controlSocketPath } from './socket-path.js';
import { stateFolderOf } from './state-paths.js';

/** Errors that mean "nothing listens there": no socket file, a dead instance's socket, no pipe. */
const NOT_RUNNING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK']);
/** Replies queued before the socket is paused. */
const QUEUE_PAUSE = 64;

/**
 * Sends one request to the instance running for the manifest in `manifestDir` and yields its
 * replies until it closes the connection. An `error` reply is thrown as a DevsupError with its
 * exit code; no instance is a NoInstanceError ("devsup is not running in FOLDER", exit 1).
 * Aborting `signal` closes the connection: the replies end there, as if the instance had closed it.
 */
export async function* requestInstance(manifestDir: string, request: Request, signal?: AbortSignal): AsyncGenerator<Reply> {
  const socket = await connect(manifestDir);
  const hangUp = () => socket.destroy();
  if (signal?.aborted) hangUp();
  signal?.addEventListener('abort', hangUp, { once: true });
  const queue: unknown[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  socket.on(
    'data',
    readJsonLines((value) => {
      queue.push(value);
      // A reader slower than the instance (a piped `logs -f`) holds the instance back rather than fill memory here.
      if (queue.length >= QUEUE_PAUSE) socket.pause();
      notify();
    }),
  );
  socket.once('close', () => ((ended = true), notify()));
  socket.on('error', () => socket.destroy());
  socket.write(encodeMessage(request));
  try {
    for (;;) {
      if (queue.length > 0) {
        if (queue.length <= QUEUE_PAUSE / 2) socket.resume();
        yield checkReply(queue.shift());
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', hangUp);
    socket.destroy();
  }
}

/** The one reply of the `expected` type to a request; anything else, or none, is an error. */
export async function requestOnce<T extends Reply['type']>(
  manifestDir: string,
  request: Request,
  expected: T,
  signal?: AbortSignal,
): Promise<Extract<Reply, { type: T }>> {
  for await (const reply of requestInstance(manifestDir, request, signal)) return expectReply(reply, expected, manifestDir);
  throw new NoAnswerError(manifestDir);
}

/** The instance closed the connection without a reply: it is on its way out. */
export class NoAnswerError extends DevsupError {
  constructor(manifestDir: string) {
    super(`devsup in ${manifestDir} closed the connection without answering: it is stopping.`, 1);
  }
}

/** Narrows a reply to the type the request calls for. */
export function expectReply<T extends Reply['type']>(reply: Reply, expected: T, manifestDir: string): Extract<Reply, { type: T }> {
  if (reply.type !== expected) throw new DevsupError(`devsup in ${manifestDir} answered "${reply.type}" where "${expected}" was expected.`, 1);
  return reply as Extract<Reply, { type: T }>;
}

function connect(manifestDir: string): Promise<net.Socket> {
  const socketPath = controlSocketPath(stateFolderOf(manifestDir));
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code && NOT_RUNNING.has(error.code)) reject(new NoInstanceError(manifestDir));
      else reject(new DevsupError(`cannot reach devsup in ${manifestDir} through ${socketPath}: ${error.message}`, 1));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function checkReply(value: unknown): Reply {
  const message = value as Partial<Message<Reply>> | undefined;
  // An error is readable whatever the instance's version: its shape never changes.
  if (message?.type === 'error' && typeof message.message === 'string') {
    throw new DevsupError(message.message, message.exitCode === 2 ? 2 : 1, message.hint);
  }
  if (message?.v !== PROTOCOL_VERSION) {
    const version = typeof message?.v === 'number' ? message.v : 0;
    throw new DevsupError(describeVersionMismatch(undefined, version, PROTOCOL_VERSION), 1, VERSION_HINT);
  }
  return message as Reply;
}
