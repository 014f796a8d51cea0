/**
 * Milliseconds on a monotonic clock, for measuring intervals. `performance.now()` would do the same,
 * but the first touch of the `performance` global loads perf_hooks (a dozen modules, 0.7 MB resident)
 * into every `up`.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
