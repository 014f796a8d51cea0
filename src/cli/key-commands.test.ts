import { describe, expect, it } from 'vitest';
import { ATTACH_KEYS_HINT, KeyCommands, KEYS_HINT } from './key-commands.js';

const keys = () => new KeyCommands(() => ['tools', 'llm', 'llm-alt']);
const typeAll = (commands: KeyCommands, ...chunks: string[]) => chunks.flatMap((chunk) => commands.press(chunk));

describe('KeyCommands', () => {
  it('t prints the table, q and Ctrl-C stop, ? repeats the hint, other keys do nothing', () => {
    const commands = keys();
    expect(commands.press('t')).toEqual([{ kind: 'table' }]);
    expect(commands.press('q')).toEqual([{ kind: 'quit', key: 'q' }]);
    expect(commands.press('\x03')).toEqual([{ kind: 'quit', key: 'Ctrl-C' }]);
    expect(commands.press('?')).toEqual([{ kind: 'say', text: KEYS_HINT }]);
    expect(commands.press('x')).toEqual([]);
    expect(commands.press('\x1b[A')).toEqual([]);
  });

  it('in `attach`: Ctrl-C detaches (also while choosing), q still stops everything, ? gives its own hint', () => {
    const commands = new KeyCommands(() => ['tools'], 'attach');
    expect(commands.press('\x03')).toEqual([{ kind: 'detach' }]);
    expect(commands.press('q')).toEqual([{ kind: 'quit', key: 'q' }]);
    expect(commands.press('?')).toEqual([{ kind: 'say', text: ATTACH_KEYS_HINT }]);
    expect(typeAll(commands, 'r', 'to', '\x03').at(-1)).toEqual({ kind: 'detach' });
    expect(commands.press('t')).toEqual([{ kind: 'table' }]);
  });

  it('r lists the services and opens a prompt line that shows what is typed; a number and Enter restarts that one', () => {
    const commands = keys();
    expect(commands.press('r')).toEqual([
      { kind: 'say', text: 'restart which service? 1 tools, 2 llm, 3 llm-alt — its number or name, then Enter (Esc cancels)' },
      { kind: 'prompt', text: 'restart: ' },
    ]);
    expect(typeAll(commands, '2', '\r')).toEqual([
      { kind: 'prompt', text: 'restart: 2' },
      { kind: 'prompt', text: undefined },
      { kind: 'restart', service: 'llm' },
    ]);
    // Back to normal keys afterwards.
    expect(commands.press('t')).toEqual([{ kind: 'table' }]);
  });

  it('r takes a name, an exact name among longer ones, or the start of exactly one name', () => {
    const commands = keys();
    expect(typeAll(commands, 'r', 'llm\r').at(-1)).toEqual({ kind: 'restart', service: 'llm' });
    expect(typeAll(commands, 'r', 'to', '\n').at(-1)).toEqual({ kind: 'restart', service: 'tools' });
    expect(typeAll(commands, 'r', 'llm-', '\r').at(-1)).toEqual({ kind: 'restart', service: 'llm-alt' });
  });

  it('says what is wrong with an unknown or ambiguous choice, with a did-you-mean', () => {
    const commands = keys();
    expect(typeAll(commands, 'r', 'tols\r').at(-1)).toEqual({
      kind: 'say',
      text: 'unknown service "tols" — did you mean "tools"?; press r to try again',
    });
    expect(typeAll(commands, 'r', 'l', '\r').at(-1)).toEqual({ kind: 'say', text: '"l" could be llm or llm-alt; press r to try again' });
    expect(typeAll(commands, 'r', '9\r').at(-1)).toMatchObject({ kind: 'say' });
  });

  it('Backspace edits, Esc and an empty Enter cancel, Ctrl-C while choosing stops; each end takes the prompt line away', () => {
    const commands = keys();
    expect(typeAll(commands, 'r', 'llx', '\x7f', 'm', '\r').slice(-4)).toEqual([
      { kind: 'prompt', text: 'restart: ll' },
      { kind: 'prompt', text: 'restart: llm' },
      { kind: 'prompt', text: undefined },
      { kind: 'restart', service: 'llm' },
    ]);
    expect(typeAll(commands, 'r', 'll', '\x1b').slice(-2)).toEqual([
      { kind: 'prompt', text: undefined },
      { kind: 'say', text: 'restart cancelled' },
    ]);
    expect(commands.press('t')).toEqual([{ kind: 'table' }]);
    expect(typeAll(commands, 'r', '\r').at(-1)).toEqual({ kind: 'say', text: 'restart cancelled' });
    expect(typeAll(commands, 'r', 'l', '\x03').slice(-2)).toEqual([
      { kind: 'prompt', text: undefined },
      { kind: 'quit', key: 'Ctrl-C' },
    ]);
    expect(commands.press('t')).toEqual([{ kind: 'table' }]);
  });
});
