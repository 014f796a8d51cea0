/** A key as the view handles it: a named key, a character, or a mouse event (rows and columns from 1). */
export type Key =
  | { name: 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end' }
  | { name: 'enter' | 'tab' | 'escape' | 'backspace' | 'ctrl-c' }
  | { name: 'char'; char: string }
  | { name: 'click'; row: number; column: number }
  | { name: 'wheel'; direction: 'up' | 'down' };

const SEQUENCES: Record<string, Key['name']> = {
  '[A': 'up',
  OA: 'up',
  '[B': 'down',
  OB: 'down',
  '[C': 'right',
  OC: 'right',
  '[D': 'left',
  OD: 'left',
  '[5~': 'pageup',
  '[6~': 'pagedown',
  '[H': 'home',
  OH: 'home',
  '[1~': 'home',
  '[7~': 'home',
  '[F': 'end',
  OF: 'end',
  '[4~': 'end',
  '[8~': 'end',
};

/** An escape sequence: CSI (with SGR mouse reports) or SS3, taken whole so its letters are never read as keys. */
// eslint-disable-next-line no-control-regex -- escape sequences are what is read
const ESCAPE_SEQUENCE = /^\x1b(\[<\d+;\d+;\d+[Mm]|\[[0-9;]*[@-~]|O[@-~])/;
const MOUSE = /^\[<(\d+);(\d+);(\d+)([Mm])$/;

/** What the terminal sent in raw mode (one chunk: a key, several, or a paste) as keys. */
export function decodeKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  let rest = chunk;
  while (rest.length > 0) {
    const sequence = ESCAPE_SEQUENCE.exec(rest);
    if (sequence) {
      const key = decodeSequence(sequence[1]!);
      if (key) keys.push(key);
      rest = rest.slice(sequence[0].length);
      continue;
    }
    const character = String.fromCodePoint(rest.codePointAt(0)!);
    rest = rest.slice(character.length);
    const key = decodeCharacter(character);
    if (key) keys.push(key);
  }
  return keys;
}

function decodeSequence(body: string): Key | undefined {
  const mouse = MOUSE.exec(body);
  if (mouse) {
    const [, button, column, row, press] = mouse;
    if (button === '64' || button === '65') return { name: 'wheel', direction: button === '64' ? 'up' : 'down' };
    // A left button press; its release and other buttons do nothing.
    return button === '0' && press === 'M' ? { name: 'click', row: Number(row), column: Number(column) } : undefined;
  }
  const name = SEQUENCES[body];
  return name ? ({ name } as Key) : undefined;
}

function decodeCharacter(character: string): Key | undefined {
  switch (character) {
    case '\r':
    case '\n':
      return { name: 'enter' };
    case '\t':
      return { name: 'tab' };
    case '\x1b':
      return { name: 'escape' };
    case '\x7f':
    case '\b':
      return { name: 'backspace' };
    case '\x03':
      return { name: 'ctrl-c' };
    default:
      return character < ' ' ? undefined : { name: 'char', char: character };
  }
}
