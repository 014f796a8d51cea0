import { describe, expect, it } from 'vitest';
import { commandLine, environmentAssignment, timeSpan, unitText } from './systemd-syntax.js';

describe('systemd unit syntax', () => {
  it('leaves plain words bare and quotes the rest with C escapes, % and $ doubled', () => {
    expect(commandLine(['/usr/bin/node', 'server.js', '--port=8080'])).toBe('/usr/bin/node server.js --port=8080');
    expect(commandLine(['echo', `it's "50%" of $HOME \\ done`, ''])).toBe(`echo "it's \\"50%%\\" of $$HOME \\\\ done" ""`);
    expect(commandLine(['sh', '-c', 'a\nb\r\x01'])).toBe('sh -c "a\\nb\\r\\x01"');
  });

  it('quotes a program that starts with a character systemd reads as a prefix', () => {
    expect(commandLine(['-x', '-y'])).toBe('"-x" -y');
    expect(commandLine(['@x'])).toBe('"@x"');
  });

  it('writes Environment= values without variable expansion, and refuses a line break', () => {
    expect(environmentAssignment('web', 'A', `50% "x" $y \\z\tt`)).toBe(`"A=50%% \\"x\\" $y \\\\z\tt"`);
    expect(() => environmentAssignment('web', 'MOTD', 'a\nb')).toThrow(/service "web": env MOTD holds a line break/);
  });

  it('keeps specifiers and line breaks out of free text, and writes time spans', () => {
    expect(unitText('100% %i\nnext')).toBe('100%% %%i next');
    expect([timeSpan(5000), timeSpan(2500)]).toEqual(['5s', '2500ms']);
  });
});
