#!/usr/bin/env node
// The file `devsup` runs, bundled as CommonJS (dist/bin/devsup.cjs). Node starts its ES module loader
// only for an ES module, and it costs ~11 ms, a third of node's own start: help and the version are
// answered from here without it. Every other command loads the ES module bundle (bin.ts).
import { readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_REFERENCE_SLOT, quickAnswer, type QuickAnswers } from './quick-answers.js';
import { endQuietlyWhenReaderGoes, isReaderGone } from './reader-gone.js';

/** Put in by scripts/bundle.mjs: the help main.ts would print, rendered from the same command list. */
declare const DEVSUP_QUICK_ANSWERS: QuickAnswers;

const answer = typeof DEVSUP_QUICK_ANSWERS === 'undefined' ? undefined : quickAnswer(process.argv.slice(2), DEVSUP_QUICK_ANSWERS);
if (answer === undefined) {
  import('./bin.js').catch((error: unknown) => {
    // Only a broken install gets here (a file of the bundle missing): main.ts reports a command's errors.
    process.stderr.write(`devsup: could not load itself: ${String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  print(answer === 'version' ? `${installedVersion()}\n` : answer.text.replace(MANIFEST_REFERENCE_SLOT, installed('docs/manifest.md')));
}

/**
 * Written to fd 1 directly: `process.stdout` would first be built (for a pipe, a net.Socket and the
 * modules behind it), a quarter of what help costs. A reader that has gone ends it quietly, as
 * reader-gone.ts ends the commands; a pipe that is full for now (EAGAIN) takes the rest through the
 * stream. On Windows always the stream: a console shows UTF-8 written to fd 1 in its own code page.
 */
function print(text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  if (process.platform === 'win32') {
    endQuietlyWhenReaderGoes(process.stdout);
    process.stdout.write(bytes);
    return;
  }
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if (isReaderGone(error)) return;
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    endQuietlyWhenReaderGoes(process.stdout);
    process.stdout.write(bytes.subarray(written));
  }
}

/** As package-version.ts reads it, from the package.json of the package devsup was installed with. */
function installedVersion(): string {
  return (JSON.parse(readFileSync(installed('package.json'), 'utf8')) as { version: string }).version;
}

/** A file of the installed package: two folders up from this one (dist/bin), as render-help.ts and package-version.ts find theirs. */
function installed(file: string): string {
  return path.join(__dirname, '../..', file);
}
