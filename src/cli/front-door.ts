#!/usr/bin/env node
// The file `devsup` runs, bundled as CommonJS (dist/bin/devsup.cjs). Node starts its ES module loader
// only for an ES module, and it costs ~11 ms, a third of node's own start: help and the version are
// answered from here without it. Every other command loads the ES module bundle (bin.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_REFERENCE_SLOT, quickAnswer, type QuickAnswers } from './quick-answers.js';
import { endQuietlyWhenReaderGoes } from './reader-gone.js';

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
  endQuietlyWhenReaderGoes(process.stdout);
  process.stdout.write(
    answer === 'version' ? `${installedVersion()}\n` : answer.text.replace(MANIFEST_REFERENCE_SLOT, installed('docs/manifest.md')),
  );
}

/** As package-version.ts reads it, from the package.json of the package devsup was installed with. */
function installedVersion(): string {
  return (JSON.parse(readFileSync(installed('package.json'), 'utf8')) as { version: string }).version;
}

/** A file of the installed package: two folders up from this one (dist/bin), as render-help.ts and package-version.ts find theirs. */
function installed(file: string): string {
  return path.join(__dirname, '../..', file);
}
