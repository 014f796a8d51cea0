import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { starterFromProcfile } from './starter-from-procfile.js';

const newProject = tempProjects();

function starterOf(files: Record<string, string>) {
  const { dir } = newProject(files);
  return starterFromProcfile(dir, (file) => path.relative(dir, file));
}

test('the services devsup would run from the Procfile itself: foreman ports, web waited for, release first', async () => {
  expect(await starterOf({ Procfile: 'release: ./migrate\nweb: ./web\nworker: ./work\n' })).toEqual({
    file: 'Procfile',
    origin: 'Made from your Procfile (ports as foreman gives them).',
    source: 'from your Procfile',
    services: [
      { key: 'release', command: './migrate', restart: 'never' },
      { key: 'web', command: './web', port: 5100, dependsOn: { release: 'completed' } },
      { key: 'worker', command: './work', port: 5200, ready: 'none', dependsOn: { release: 'completed' } },
    ],
    notes: [],
  });
});

test("Procfile.dev before Procfile; .foreman's port as the base, its other settings noted", async () => {
  const starter = await starterOf({ 'Procfile.dev': 'web: ./dev\n', Procfile: 'web: ./prod\n', '.foreman': 'port: 3000\nprocfile: Procfile\n' });
  expect(starter).toMatchObject({ file: 'Procfile.dev', origin: 'Made from your Procfile.dev (ports as foreman gives them, from 3000).' });
  expect(starter?.services).toEqual([{ key: 'web', command: './dev', port: 3000 }]);
  expect(starter?.notes).toEqual([
    '.foreman:2:1: "procfile" is foreman\'s setting, not used by devsup: devsup reads Procfile.dev, else Procfile; `-f FILE` reads another',
  ]);
});

test('none: undefined; one without processes: a note; a broken one: its issues', async () => {
  expect(await starterOf({})).toBeUndefined();
  expect(await starterOf({ Procfile: '# nothing yet\n' })).toMatchObject({ services: [], notes: ['Procfile has no processes, so it is not used'] });
  await expect(starterOf({ Procfile: 'web: ./web\nnot a process line\n', '.foreman': 'port: [1]\n' })).rejects.toThrow(
    new ManifestError([
      { file: '.foreman', line: 1, column: 7, message: 'port must be the base port, a number from 1 to 65535, not a list' },
      { file: 'Procfile', line: 2, column: 1, message: 'expected a "name: command" line' },
    ]),
  );
});
