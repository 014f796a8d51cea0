/**
 * Errors of a stream whose reader has gone: `devsup check | head -1` once head has exited (EPIPE),
 * or a terminal that was closed (EIO, which may come before its SIGHUP, or with none at all).
 */
const READER_GONE = new Set(['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED']);

/**
 * A command whose reader goes away ends as it would have, without a stack trace: what it still
 * writes is dropped. Commands may listen too (`up` stops, `logs -f` stops reading); any other
 * error of the stream is thrown, as it would be with no listener.
 */
export function endQuietlyWhenReaderGoes(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!isReaderGone(error)) throw error;
  });
}

export function isReaderGone(error: unknown): boolean {
  return READER_GONE.has((error as NodeJS.ErrnoException).code ?? '');
}
