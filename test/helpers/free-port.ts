import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether nothing listens on `port` on any address (a dual-stack bind succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '::' }, () => server.close(() => resolve(true)));
  });
}

// Test ports come from 20000–31999: below Linux's ephemeral range (OS-assigned ports never land
// there) and away from devsup's default port_range. The span is cut into slices, and each test
// process claims one for its whole life by listening on the slice's first port; the kernel gives it
// back however the process ends. A port found free in one's own slice therefore cannot be taken by
// a test file running at the same time in another worker (CI saw exactly that: ports found free by
// one file were bound by another a moment later, and the holder failed with EADDRINUSE).
const TEST_PORTS = { from: 20_000, sliceSize: 2_000, slices: 6 } as const;
// devsup scans up to 100 ports above a taken preferred one; keep that much of each slice spare
// above the last run handed out, so a test's fallbacks stay inside its own slice.
const FALLBACK_ROOM = 101;
/** How often a process that found every slice taken tries again. */
const CLAIM_RETRY_MS = 200;

export interface PortSlice {
  from: number;
  to: number;
  /** Where the next search starts: runs move forward, so a test seldom reuses its predecessor's ports. */
  cursor: number;
  /** Gives the slice back (the claim otherwise lasts as long as the process). */
  release(): void;
}

let claimed: Promise<PortSlice> | undefined;

/** This process's slice, claimed on first use (waiting, bounded, while every slice is in use). */
export function testPortSlice(): Promise<PortSlice> {
  claimed ??= claimSlice();
  return claimed;
}

export async function claimSlice(timeoutMs = 120_000): Promise<PortSlice> {
  const { from, sliceSize, slices } = TEST_PORTS;
  const first = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % slices;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (let i = 0; i < slices; i++) {
      const start = from + ((first + i) % slices) * sliceSize;
      const lock = await holdUntilExit(start);
      if (lock) {
        const cursor = start + 1 + Math.floor(Math.random() * (sliceSize / 2));
        return { from: start + 1, to: start + sliceSize - 1, cursor, release: () => lock.close() };
      }
    }
    if (Date.now() > deadline) throw new Error(`every test port slice from ${from} is held by another process`);
    await sleep(CLAIM_RETRY_MS);
  }
}

/** Listens on `port` until closed or this process exits (unref'd: it never keeps the process alive). */
function holdUntilExit(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '::' }, () => resolve(server.unref()));
  });
}

/**
 * The first of `count` consecutive ports that are free now, from this test process's own slice, so
 * a test can give services preferred ports and predict their fallbacks.
 */
export async function findFreePorts(count: number): Promise<number> {
  const slice = await testPortSlice();
  const last = slice.to - FALLBACK_ROOM;
  const span = last - slice.from + 1;
  if (count > span) throw new Error(`a run of ${count} ports does not fit a test port slice (${span})`);
  for (let scanned = 0; scanned < span;) {
    const base = slice.from + ((slice.cursor - slice.from + scanned) % span);
    if (base + count - 1 > last) {
      scanned += last - base + 1; // a run does not wrap around: go on from the slice's start
      continue;
    }
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => isPortFree(base + i)));
    const taken = checks.lastIndexOf(false);
    if (taken === -1) {
      slice.cursor = slice.from + ((base - slice.from + count + FALLBACK_ROOM) % span);
      return base;
    }
    scanned += taken + 1;
  }
  throw new Error(`no ${count} consecutive free ports in ${slice.from}-${last}`);
}
