import { describe, expect, test } from 'vitest';
import { parseTemplate } from './interpolate.js';
import { findShellContexts, type ShellContext } from './shell-context.js';

function contextsOf(template: string, platform: NodeJS.Platform = 'linux'): ShellContext[] {
  const parsed = parseTemplate(template);
  if ('error' in parsed) throw new Error(parsed.error);
  return findShellContexts(parsed.parts, platform);
}

/** The quote of each reference, or `!` for one devsup refuses to quote. */
function quotes(template: string, platform: NodeJS.Platform = 'linux'): string[] {
  return contextsOf(template, platform).map((context) => ('unsupported' in context ? '!' : context.quote));
}

describe('findShellContexts for sh', () => {
  test('follows quotes, escapes, $(…), backticks and comments', () => {
    expect(quotes(`a \${X} "\${X}" '\${X}' "it's \${X}" 'say "\${X}"' \\" \${X}`)).toEqual(['none', 'double', 'single', 'double', 'single', 'none']);
    expect(quotes('"$(echo ${X} "${X}")" $(echo \')\' ${X}) "${X}"')).toEqual(['none', 'double', 'none', 'double']);
    expect(quotes('x # ${X}\n${X} a#${X}')).toEqual(['comment', 'none', 'none']);
    expect(quotes('echo $((${X} + $$${X:-1}))')).toEqual(['arithmetic', '!']);
    expect(contextsOf('"`echo \\`echo ${X}\\``"')).toEqual([{ quote: 'none', backticks: 2 }]);
  });

  test('a backslash or a "$" right before a reference would undo its quoting', () => {
    expect(contextsOf('echo \\${X} "\\${X}" $$${X}')).toEqual([
      { unsupported: 'a backslash right before it would undo the quoting of its value; remove the backslash' },
      { unsupported: 'a backslash right before it would undo the quoting of its value; remove the backslash' },
      { unsupported: 'a "$" right before it would make the value part of a shell expansion; remove the "$"' },
    ]);
  });

  test.each([
    ['cat <<EOF\n${X}\nEOF', 'a here-document ("<<")'],
    ["echo $'\\'' ${X}", `"$'"`],
    ['echo "$${A:-"x"}" ${X}', 'a shell "${…}" expansion with an operator'],
    ['echo "$(case a in a) echo x;; esac)" ${X}', '"case" inside "$(…)"'],
  ])('after what it cannot follow (%j), every reference is refused', (template, what) => {
    expect(contextsOf(`\${X} ${template}`)).toEqual([
      { quote: 'none', backticks: 0 },
      {
        unsupported: `devsup cannot follow the shell's quoting after ${what}; pass the value in env (NAME: "\${…}") and write "$NAME" in the command`,
      },
    ]);
  });

  test('a plain shell ${NAME} and $$ are followed', () => {
    expect(quotes('echo $${HOME} "$${#}" $$ "$$$$" ${X} "${X}"')).toEqual(['none', 'double']);
  });
});

describe('findShellContexts for cmd.exe', () => {
  test('only "…" quotes, and ^ escapes outside it', () => {
    expect(quotes(`echo \${X} "\${X}" '\${X}' ^" \${X} "^" \${X}`, 'win32')).toEqual(['none', 'double', 'none', 'none', 'none']);
  });

  test('a ^ or % right before a reference is refused', () => {
    expect(quotes('echo ^${X} %${X} "^${X}"', 'win32')).toEqual(['!', '!', 'double']);
  });
});
