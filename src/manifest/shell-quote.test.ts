import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { parseTemplate } from './interpolate.js';
import { findShellContexts } from './shell-context.js';
import { quoteForShell } from './shell-quote.js';

const newProject = tempProjects();

/** `template` with every `${X}` replaced by `value`, quoted as devsup does for `platform`. */
function render(template: string, value: string, platform: NodeJS.Platform = 'linux'): string {
  const parsed = parseTemplate(template);
  if ('error' in parsed) throw new Error(parsed.error);
  const contexts = findShellContexts(parsed.parts, platform);
  let n = 0;
  return parsed.parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const context = contexts[n++]!;
      if ('unsupported' in context) throw new Error(context.unsupported);
      const quoted = quoteForShell(value, context, platform);
      if (typeof quoted !== 'string') throw new Error(quoted.error);
      return quoted;
    })
    .join('');
}

const HOSTILE = [
  'a"; touch PWNED; echo "$(touch PWNED2)',
  "it's",
  "'",
  '"',
  "''\\''",
  '$(touch PWNED)',
  '`touch PWNED`',
  '"`touch PWNED`"',
  "'$(touch PWNED)'",
  '; touch PWNED',
  '&& touch PWNED',
  '| touch PWNED',
  '$HOME ${HOME} $$',
  'two words',
  'tab\there',
  'line\nbreak; touch PWNED',
  'trailing newline\n',
  '*',
  '~',
  '~/x',
  '\\',
  'back\\slash\\',
  '\\"\\$\\`',
  '',
  '-n',
  '--flag=value',
  '!x #y %PATH% ^z',
  'plain.value_1@host:80/x',
];

/** Where a reference may sit; each template prints the value, `.`-terminated where `$(…)` would eat trailing newlines. */
const PLACES: { name: string; template: string; printed: (value: string) => string }[] = [
  { name: 'unquoted', template: "printf '%s' ${X}", printed: (v) => v },
  { name: 'unquoted, joined to text', template: "printf '%s' [${X}]", printed: (v) => `[${v}]` },
  { name: 'two in one word', template: "printf '%s' ${X}${X}", printed: (v) => v + v },
  { name: '"…"', template: 'printf \'%s\' "[${X}]"', printed: (v) => `[${v}]` },
  { name: "'…'", template: "printf '%s' '[${X}]'", printed: (v) => `[${v}]` },
  { name: '$(…)', template: "v=$(printf '%s.' ${X}); printf '%s' \"$v\"", printed: (v) => `${v}.` },
  { name: '"$(…)"', template: "printf '%s' \"$(printf '%s.' ${X})\"", printed: (v) => `${v}.` },
  { name: '"$(…"…")"', template: 'printf \'%s\' "$(printf \'%s.\' "${X}")"', printed: (v) => `${v}.` },
  { name: '"$(…\'…\')"', template: "printf '%s' \"$(printf '%s.' '${X}')\"", printed: (v) => `${v}.` },
  { name: '$( (…) )', template: "printf '%s' \"$( (printf '%s.' ${X}) )\"", printed: (v) => `${v}.` },
  { name: '`…`', template: "v=`printf '%s.' ${X}`; printf '%s' \"$v\"", printed: (v) => `${v}.` },
  { name: '"`…`"', template: "printf '%s' \"`printf '%s.' ${X}`\"", printed: (v) => `${v}.` },
  { name: '`…"…"`', template: 'v=`printf \'%s.\' "${X}"`; printf \'%s\' "$v"', printed: (v) => `${v}.` },
  { name: "`…'…'`", template: "v=`printf '%s.' '${X}'`; printf '%s' \"$v\"", printed: (v) => `${v}.` },
  { name: 'nested `…`', template: "v=`printf '%s' \"\\`printf '%s.' ${X}\\`\"`; printf '%s' \"$v\"", printed: (v) => `${v}.` },
  { name: 'after a shell ${NAME}', template: 'printf \'%s\' "$${EMPTY}${X}" $${EMPTY}${X}', printed: (v) => v + v },
  { name: 'after a quoted ) and #', template: "printf '%s' \"$(printf '%s' ')#'; printf '%s.' ${X})\"", printed: (v) => `)#${v}.` },
  { name: 'a comment', template: "printf '%s' ok # ${X}\nprintf '%s' ${X}", printed: (v) => `ok${v}` },
];

/** Runs `command` as devsup's child would: stdin closed (bash reads ~/.bashrc when stdin is a socket). */
function runIn(shell: string[], command: string, cwd: string): { stdout: string; stderr: string } {
  return spawnSync(shell[0]!, [...shell.slice(1), command], {
    cwd,
    env: { PATH: process.env.PATH, EMPTY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
}

const SEPARATOR = '<next value>';

const SHELLS = [
  ['/bin/sh', '-c'],
  ['bash', '--posix', '-c'], // /bin/sh on macOS
];

describe.each(SHELLS)('through a real %s', (...shell) => {
  test.each(PLACES)('$name: prints exactly the value and runs nothing else', ({ template, printed }) => {
    // One script for all the values (a process each would take seconds), each run told apart by a separator.
    const dir = newProject({}).dir;
    const script = HOSTILE.map((value) => render(template, value)).join(`\nprintf '%s' '${SEPARATOR}'\n`);
    const result = runIn(shell, script, dir);
    expect(result.stderr).toBe('');
    expect(result.stdout.split(SEPARATOR)).toEqual(HOSTILE.map(printed));
    expect(readdirSync(dir)).toEqual([]);
  });

  test('inside $((…)) a number is used as it is, anything else refused', () => {
    const command = render('echo $((${X} + 1))', '41');
    expect(runIn(shell, command, newProject({}).dir).stdout).toBe('42\n');
    expect(() => render('echo $((${X} + 1))', 'a[$(touch PWNED)]')).toThrow('inside "$((…))" the value must be a whole number');
  });
});

test('a value of safe characters stays bare, so the command may still run without a shell', () => {
  expect(render('node app.js --port ${X}', '10500')).toBe('node app.js --port 10500');
  expect(render('node app.js --name ${X}', 'a b')).toBe("node app.js --name 'a b'");
  expect(render('node app.js --name ${X}', '')).toBe("node app.js --name ''");
  expect(render('${X} app.js', 'A=1')).toBe("'A=1' app.js"); // never an assignment
});

describe('cmd.exe (Windows)', () => {
  test('outside "…": one C-runtime argument, every character cmd reads escaped with ^', () => {
    expect(render('echo ${X}', 'plain', 'win32')).toBe('echo ^"plain^"');
    expect(render('echo ${X}', 'a "b" & c%PATH%', 'win32')).toBe('echo ^"a^ \\^"b\\^"^ ^&^ c^%PATH^%^"');
    expect(render('echo ${X}', 'dir\\', 'win32')).toBe('echo ^"dir\\\\^"');
    expect(render("echo '${X}'", 'a|b', 'win32')).toBe('echo \'^"a^|b^"\''); // '…' is no quoting to cmd
  });

  test('inside "…": " doubled, % escaped outside the quotes', () => {
    expect(render('echo "[${X}]"', 'a"b%PATH%', 'win32')).toBe('echo "[a""b"^%"PATH"^%"]"');
    expect(render('run "${X}"', 'C:\\dir\\', 'win32')).toBe('run "C:\\dir\\\\"');
  });

  test('a line break cannot be passed', () => {
    expect(() => render('echo ${X}', 'a\nb', 'win32')).toThrow('cmd.exe cannot pass a line break in an argument');
  });
});
