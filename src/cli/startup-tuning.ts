import v8 from 'node:v8';

/**
 * While devsup starts, V8 compiles nothing beyond bytecode and keeps its young generation at its
 * first size. Start-up code runs once: optimizing it takes a core from the services starting beside
 * it, and the optimized code, the compiler's own pages and a grown young generation then stay
 * resident while devsup idles (`up` with 10 services idled at 59 MB without this, 53 MB with it).
 * `restoreV8Defaults` gives V8 its defaults back: `up` calls it once the services' output gets busy,
 * every other command once it is loaded; from then on hot paths are optimized as usual.
 *
 * Flags the user chose (NODE_OPTIONS, node's own arguments) are left alone. Each flag below exists
 * in the V8 of every Node.js devsup supports.
 */
export function tuneForStartup(): void {
  const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  tuned = STARTUP_FLAGS.filter(({ set }) => !set.test(chosen));
  for (const { during } of tuned) v8.setFlagsFromString(during);
  for (const { set, flag } of LIFETIME_FLAGS) if (!set.test(chosen)) v8.setFlagsFromString(flag);
}

export function restoreV8Defaults(): void {
  for (const { after } of tuned.splice(0)) v8.setFlagsFromString(after);
}

/** `set`: how the user would have chosen the flag themselves (`--opt` is `--turbofan`'s old name). */
const STARTUP_FLAGS = [
  { set: /--(no-)?(turbofan|opt)\b/, during: '--no-turbofan', after: '--turbofan' },
  { set: /--(no-)?sparkplug\b/, during: '--no-sparkplug', after: '--sparkplug' },
  { set: /--(max-)?semi-space/, during: '--semi-space-growth-factor=1', after: '--semi-space-growth-factor=2' },
];

/**
 * For the whole run.
 * - V8's memory reducer, on a heap as small as devsup's, wakes 8 to 16 s after start (whenever the old
 *   generation first grew by 1 MB) and spends ~50 ms of CPU in two or three full collections to give
 *   back ~3 MB: an idle `up` would do that inside what should be a quiet stretch. It still runs when
 *   the heap grows by a tenth after a full collection.
 * - Patterns users give devsup (`logs --grep`, the MCP tool read_logs, `ready: {log: …}`) run in it: one
 *   such as `(a+)+$` backtracks exponentially on a line of a's and froze the process. After excessive
 *   backtracking V8 matches again with its linear-time engine (any pattern without a backreference or
 *   a lookaround), with the same result.
 */
const LIFETIME_FLAGS = [
  { set: /--(no-)?memory-reducer/, flag: '--no-memory-reducer-for-small-heaps' },
  { set: /--(no-)?enable-experimental-regexp/, flag: '--enable-experimental-regexp-engine-on-excessive-backtracks' },
];

let tuned: typeof STARTUP_FLAGS = [];
