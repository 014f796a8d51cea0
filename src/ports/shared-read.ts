import { monotonicMs } from '../clock.js';

/**
 * One system read shared by every caller that can use it. A caller asks for a read that started no
 * earlier than `notBefore` (a `monotonicMs()` time) and gets the one in flight, or the last one,
 * when it qualifies. Thirty services probing at once then cost a few reads of /proc a second rather
 * than a hundred — reading /proc/net/tcp alone takes milliseconds, whatever the number of sockets.
 */
export function sharedRead<T>(read: () => Promise<T>): (notBefore: number) => Promise<T> {
  let last: { startedAt: number; result: Promise<T> } | undefined;
  return (notBefore) => {
    if (last && last.startedAt >= notBefore) return last.result;
    last = { startedAt: monotonicMs(), result: read() };
    return last.result;
  };
}
