import type { LogLine } from './log-ring.js';

/**
 * Lines of several services (each service's in its order) merged by arrival time, to the
 * millisecond. A line with no known time sorts with the line before it of its service, so a
 * service's own order always stays; those before any time (the oldest) come first.
 */
export function inArrivalOrder(lines: LogLine[]): LogLine[] {
  const previous = new Map<string, number>();
  const keyed = lines.map((line) => {
    const key = line.time ?? previous.get(line.service) ?? 0;
    previous.set(line.service, key);
    return { key, line };
  });
  // A stable sort: lines of one instant keep their order.
  return keyed.sort((a, b) => a.key - b.key).map((entry) => entry.line);
}
