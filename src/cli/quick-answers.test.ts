import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-list.js';
import { main } from './main.js';
import { MANIFEST_REFERENCE_SLOT, quickAnswer } from './quick-answers.js';
import { MANIFEST_REFERENCE } from './render-help.js';
import { renderQuickAnswers } from './render-quick-answers.js';

const answers = renderQuickAnswers(COMMANDS);

/** What main.ts prints for `argv`, in-process. */
async function mainPrints(argv: string[]) {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let [out, err] = ['', ''];
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io = { cwd: process.cwd(), stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, env: {} };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}

describe('quickAnswer: help without loading devsup', () => {
  const answered = [
    [],
    ['--help'],
    ['-h'],
    ['help'],
    ...Object.keys(COMMANDS).flatMap((name) => [
      ['help', name],
      [name, '--help'],
      [name, '-h'],
    ]),
  ];

  it('prints exactly what main.ts prints, for every form it answers', async () => {
    for (const argv of answered) {
      const answer = quickAnswer(argv, answers);
      expect(answer, argv.join(' ')).toBeTypeOf('object');
      const text = (answer as { text: string }).text.replace(MANIFEST_REFERENCE_SLOT, MANIFEST_REFERENCE);
      expect(await mainPrints(argv), argv.join(' ')).toEqual({ code: 0, stdout: text, stderr: '' });
    }
  });

  it('knows the version words, and leaves the version to be read from the installed package.json', () => {
    for (const word of ['--version', '-V', '-v']) expect(quickAnswer([word], answers)).toBe('version');
  });

  it('leaves every other form to main.ts: more words, unknown commands, names of Object.prototype, help with options', () => {
    for (const argv of [
      ['up'],
      ['help', 'nope'],
      ['nope', '--help'],
      ['__proto__', '--help'],
      ['help', 'constructor'],
      ['toString', '-h'],
      ['--no-color', '--help'],
      ['up', '--help', 'web'],
      ['-f', 'x.yaml', '--help'],
      ['--help', 'up'],
      ['run', '--', '--help'],
      ['--version', '--help'],
    ])
      expect(quickAnswer(argv, answers), argv.join(' ')).toBeUndefined();
  });

  it('leaves a slot for the manifest reference in the overview alone, never a path of the build', () => {
    expect(answers.overview).toContain(MANIFEST_REFERENCE_SLOT);
    expect(JSON.stringify(answers)).not.toContain(MANIFEST_REFERENCE);
  });
});
