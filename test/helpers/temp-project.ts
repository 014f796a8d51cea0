import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A temp folder with the given files (path → text); `remove()` deletes it. */
export function tempProject(files: Record<string, string>): { dir: string; write(name: string, text: string): void; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-test-'));
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** For a test file: a `tempProject` maker whose folders are removed after each test. */
export function tempProjects(): typeof tempProject {
  const created: { remove(): void }[] = [];
  afterEach(() => created.splice(0).forEach((project) => project.remove()));
  return (files) => {
    const project = tempProject(files);
    created.push(project);
    return project;
  };
}

/** `node <fixtures>/NAME args…` as a manifest command string; words are quoted only where needed, so devsup runs it without a shell. */
export function fixtureCommand(name: string, ...args: (string | number)[]): string {
  return [process.execPath, path.join(FIXTURES, name), ...args.map(String)]
    .map((word) => (/^[\w./:=@%+,-]+$/.test(word) ? word : JSON.stringify(word)))
    .join(' ');
}
