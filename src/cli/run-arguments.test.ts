import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseRunArguments } from './run-arguments.js';

describe('parseRunArguments', () => {
  it('gives everything from the first word on to the command, its options included', () => {
    expect(parseRunArguments(['node', '-e', 'process.exit(3)', '--up'])).toEqual({
      values: {},
      positionals: ['node', '-e', 'process.exit(3)', '--up'],
    });
    expect(parseRunArguments(['-f', 'dev.yaml', '--', '-weird-name', '--help'])).toEqual({
      values: { file: 'dev.yaml' },
      positionals: ['-weird-name', '--help'],
    });
    expect(parseRunArguments(['--file=dev.yaml', 'env'])).toEqual({ values: { file: 'dev.yaml' }, positionals: ['env'] });
  });

  it('takes the words after --up, up to --, as services', () => {
    expect(parseRunArguments(['--up', 'web', 'api', '--', 'npx', 'playwright', 'test'])).toEqual({
      values: { up: true, services: ['web', 'api'] },
      positionals: ['npx', 'playwright', 'test'],
    });
    expect(parseRunArguments(['--up', '--wait-timeout', '2m', '--', 'npm', 'test', '--', 'x'])).toEqual({
      values: { up: true, 'wait-timeout': '2m', services: [] },
      positionals: ['npm', 'test', '--', 'x'],
    });
  });

  it('takes --profile and --scale, each repeatable, before the command', () => {
    expect(parseRunArguments(['--up', '--profile', 'debug', '--profile=tools', 'web', '--', 'npm', 'test'])).toEqual({
      values: { up: true, profile: ['debug', 'tools'], services: ['web'] },
      positionals: ['npm', 'test'],
    });
    expect(parseRunArguments(['--scale', 'web=3', '--scale=api=2', 'npm', 'test', '--scale', 'x'])).toEqual({
      values: { scale: ['web=3', 'api=2'] },
      positionals: ['npm', 'test', '--scale', 'x'],
    });
  });

  it("takes --no-color as its own before the command, as the command's after it", () => {
    expect(parseRunArguments(['--no-color', 'ls', '--no-color'])).toEqual({ values: { 'no-color': true }, positionals: ['ls', '--no-color'] });
  });

  it('asks for help only before the command', () => {
    expect(parseRunArguments(['--help']).values.help).toBe(true);
    expect(parseRunArguments(['node', '--help']).values.help).toBeUndefined();
  });

  it.each([
    [['--up', 'npm', 'test'], 'with --up, `--` separates the services from the command'],
    [[], 'devsup run needs a command to run.'],
    [['--up', '--'], 'devsup run needs a command to run.'],
    [['--verbose', 'ls'], 'devsup run has no option --verbose: options of the command go after it, or after `--`.'],
    [['-f'], '-f needs a value.'],
    [['--up=web', '--', 'ls'], '--up takes no value.'],
    [['--wait-timeout', '1s', 'ls'], '--wait-timeout goes with --up'],
    [['--profile', 'debug', 'ls'], '--profile goes with --up'],
    [['--scale'], '--scale needs a value.'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseRunArguments(args)).toThrow(UsageError);
    expect(() => parseRunArguments(args)).toThrow(message);
  });
});
