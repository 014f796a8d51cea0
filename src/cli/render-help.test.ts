import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-list.js';
import { MANIFEST_REFERENCE, optionLabel, renderCommandHelp, renderOverview, visibleCommands } from './render-help.js';

const commands = visibleCommands(COMMANDS);

describe('help', () => {
  it('has a one-line description for every option of every command, and a value name for every option that takes one', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      for (const [option, spec] of Object.entries(command.options)) {
        expect(spec.description.trim(), `${name} --${option}`).not.toBe('');
        expect(spec.description, `${name} --${option}`).not.toContain('\n');
        if (spec.type === 'string') expect(spec.value, `${name} --${option}`).toMatch(/^[A-Z][A-Z=.|]*$/);
        else expect(spec.value, `${name} --${option}`).toBeUndefined();
      }
    }
  });

  it('lists the keys of a command that takes them (devsup ui), between its options and examples', () => {
    const help = renderCommandHelp(COMMANDS.ui!);
    expect(help).toMatch(/--no-color.*\n\nKeys:\n {2}↑ ↓, j k {4}select a service/s);
    expect(help.indexOf('Keys:')).toBeLessThan(help.indexOf('Examples:'));
    for (const key of ['r  ', 's  ', 't  ', '/  ', '?  ', 'q, Ctrl-C']) expect(help).toContain(`\n  ${key}`);
    expect(renderCommandHelp(COMMANDS.up!)).not.toContain('Keys:');
  });

  it('has an example for every command, each running that command', () => {
    for (const [name, command] of commands) {
      expect(command.examples.length, name).toBeGreaterThan(0);
      for (const { run, does } of command.examples) {
        expect(run, name).toContain(`devsup ${name}`);
        expect(does.trim(), run).not.toBe('');
      }
    }
  });

  it("shows a command's usage, summary, every option with its description, and its examples", () => {
    for (const [name, command] of commands) {
      const help = renderCommandHelp(command);
      expect(help.startsWith(`Usage: ${command.usage}\n\n  ${command.summary}\n`), name).toBe(true);
      for (const [option, spec] of Object.entries(command.options)) {
        const line = new RegExp(`^  ${escape(optionLabel(option, spec))} +${escape(spec.description)}$`, 'm');
        // devsup's own plumbing (`up --detached-child`) is left out.
        if (spec.hidden) expect(help, `${name} --${option}`).not.toMatch(line);
        else expect(help, `${name} --${option}`).toMatch(line);
      }
      for (const { run, does } of command.examples) expect(help).toMatch(new RegExp(`^  ${escape(run)} +${escape(does)}$`, 'm'));
      expect(help).toMatch(/^ {2}-h, --help +show this help$/m);
      expect(help).toMatch(/^ {6}--no-color +no colours/m);
    }
  });

  it("names every option of a command in its usage line, as its help lists them (devsup's own plumbing aside)", () => {
    const missing = commands.flatMap(([name, command]) =>
      Object.entries(command.options).flatMap(([option, spec]) => {
        if (spec.hidden) return [];
        const spellings = [`--${option}`, ...(spec.short ? [`-${spec.short}`] : [])];
        const named = spellings.some((spelling) => new RegExp(`(^|[^\\w-])${escape(spelling)}(?![\\w-])`).test(command.usage));
        return named ? [] : [`${name} --${option}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  it("the usage a command's error repeats is its usage line, or the start of it", () => {
    const cli = path.dirname(fileURLToPath(import.meta.url));
    const modules = [
      ...readdirSync(cli).map((name) => path.join(cli, name)),
      ...readdirSync(path.join(cli, 'commands')).map((name) => path.join(cli, 'commands', name)),
    ];
    const hints = modules
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/'Usage: (devsup ([\w-]+)[^']*)'/g)].map((match) => ({ file, usage: match[1]!, name: match[2]! })),
      );
    expect(hints.length).toBeGreaterThan(5);
    const drifted = hints.filter(({ usage, name }) => !COMMANDS[name]?.usage.startsWith(usage));
    expect(drifted.map(({ file, usage }) => `${path.basename(file)}: ${usage}`)).toEqual([]);
  });

  it('points at the manifest reference as a file that comes with devsup, wherever it is installed', () => {
    expect(path.isAbsolute(MANIFEST_REFERENCE)).toBe(true);
    expect(MANIFEST_REFERENCE.endsWith(path.join('docs', 'manifest.md'))).toBe(true);
    expect(readFileSync(MANIFEST_REFERENCE, 'utf8')).toMatch(/^# The manifest/);
  });

  it("shows every option in one of its command's examples, or gives an example value (e.g.) in its description", () => {
    // -f FILE is every command's, and `devsup --help` shows where it goes.
    const without = commands.flatMap(([name, command]) =>
      Object.entries(command.options).flatMap(([option, spec]) => {
        if (spec.hidden || option === 'file' || /\be\.g\./.test(spec.description)) return [];
        const spellings = [`--${option}`, ...(spec.short ? [`-${spec.short}`] : [])];
        const shown = command.examples.some(({ run }) => spellings.some((spelling) => new RegExp(`\\s${escape(spelling)}(?![\\w-])`).test(run)));
        return shown ? [] : [`${name} --${option}`];
      }),
    );
    expect(without).toEqual([]);
  });

  it('labels options as people type them: short and long, or long alone under the long ones', () => {
    expect(optionLabel('file', { type: 'string', short: 'f', value: 'FILE', description: 'x' })).toBe('-f, --file FILE');
    expect(optionLabel('port', { type: 'string', value: 'SERVICE=PORT', description: 'x' })).toBe('    --port SERVICE=PORT');
    expect(optionLabel('follow', { type: 'boolean', short: 'f', description: 'x' })).toBe('-f, --follow');
  });

  it('lists every command in a line, the global options, and where the manifest is described; not the hidden ones', () => {
    const overview = renderOverview(COMMANDS);
    for (const [name, command] of commands) expect(overview).toMatch(new RegExp(`^  ${name} +${escape(command.summary)}$`, 'm'));
    for (const option of ['-V, --version', '--no-color', '-h, --help', '-f FILE']) expect(overview).toContain(`  ${option}`);
    expect(overview).toContain(MANIFEST_REFERENCE);
    for (const [name, command] of Object.entries(COMMANDS)) if (command.hidden) expect(overview).not.toContain(name);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
