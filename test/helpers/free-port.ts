import net from 'node:net';

/** Whether nothing listens on `port` on any address (a dual-stack bind succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '::' }, () => server.close(() => resolve(true)));
  });
}

/**
 * A run of `count` consecutive free ports, found at run time below the OS ephemeral range, so a
 * test can give services preferred ports and predict their fallbacks.
 */
export async function findFreePorts(count: number, from = 20_000 + Math.floor(Math.random() * 8_000)): Promise<number> {
  for (let base = from; base < 32_000; base += count + 1) {
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => isPortFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found from ${from}`);
}
