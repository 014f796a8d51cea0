import { didYouMean } from '../manifest/suggest.js';

export type KeyAction =
  | { kind: 'say'; text: string } // devsup's answer, on a line of its own
  | { kind: 'echo'; text: string } // what the user types after `r`, shown as typed
  | { kind: 'restart'; service: string }
  | { kind: 'table' }
  | { kind: 'quit' } // `up`: as Ctrl-C, a clean stop, and again to kill; `attach`: as `devsup down`
  | { kind: 'detach' }; // `attach`'s Ctrl-C: leave, the services run on

/** `up` takes the keys in its own terminal; `attach` in another one, where Ctrl-C only detaches. */
export type KeysMode = 'up' | 'attach';

export const KEYS_HINT = 'keys: r restart a service · t port table · q stop everything (as Ctrl-C)';
export const ATTACH_KEYS_HINT = 'keys: r restart a service · t port table · q stop everything (devsup down) · Ctrl-C detach';

const CTRL_C = '\x03';
const ESCAPE = '\x1b';
const ENTER = new Set(['\r', '\n']);
const BACKSPACE = new Set(['\x7f', '\b']);

/**
 * The keys of `devsup up` and `devsup attach` on a terminal, as a small state machine that turns
 * what the terminal sends (in raw mode) into actions: `r` then a service's number or name and
 * Enter, `t`, `q`, Ctrl-C. Pure, so every sequence can be tested without a terminal.
 */
export class KeyCommands {
  private choosing: string | undefined; // what was typed after `r`, while choosing
  readonly hint: string;

  constructor(
    private readonly services: () => string[],
    private readonly mode: KeysMode = 'up',
  ) {
    this.hint = mode === 'up' ? KEYS_HINT : ATTACH_KEYS_HINT;
  }

  /** One chunk from the terminal: a key, a pasted text, or an escape sequence (arrows), which is ignored. */
  press(chunk: string): KeyAction[] {
    if (chunk.length > 1 && chunk.startsWith(ESCAPE)) return [];
    return [...chunk].flatMap((key) => this.pressKey(key));
  }

  private pressKey(key: string): KeyAction[] {
    if (key === CTRL_C) {
      this.choosing = undefined;
      return [{ kind: this.mode === 'up' ? 'quit' : 'detach' }];
    }
    if (this.choosing === undefined) return this.idleKey(key);
    if (key === ESCAPE) {
      this.choosing = undefined;
      return [{ kind: 'say', text: 'restart cancelled' }];
    }
    if (ENTER.has(key)) return this.choose(this.choosing.trim());
    if (BACKSPACE.has(key)) {
      if (this.choosing === '') return [];
      this.choosing = this.choosing.slice(0, -1);
      return [{ kind: 'echo', text: '\b \b' }];
    }
    if (key < ' ') return [];
    this.choosing += key;
    return [{ kind: 'echo', text: key }];
  }

  private idleKey(key: string): KeyAction[] {
    switch (key.toLowerCase()) {
      case 'r': {
        this.choosing = '';
        const list = this.services()
          .map((service, index) => `${index + 1} ${service}`)
          .join(', ');
        return [{ kind: 'say', text: `restart which service? ${list} — its number or name, then Enter (Esc cancels)` }];
      }
      case 't':
        return [{ kind: 'table' }];
      case 'q':
        return [{ kind: 'quit' }];
      case '?':
      case 'h':
        return [{ kind: 'say', text: this.hint }];
      default:
        return [];
    }
  }

  /** A number from the list, a service's name, or the start of exactly one name. */
  private choose(typed: string): KeyAction[] {
    this.choosing = undefined;
    const services = this.services();
    if (typed === '') return [{ kind: 'say', text: 'restart cancelled' }];
    const byNumber = /^\d+$/.test(typed) ? services[Number(typed) - 1] : undefined;
    const byPrefix = services.filter((service) => service.startsWith(typed));
    const service = byNumber ?? (services.includes(typed) ? typed : byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (service !== undefined) return [{ kind: 'restart', service }];
    const why = byPrefix.length > 1 ? `"${typed}" could be ${byPrefix.join(' or ')}` : `unknown service "${typed}"${didYouMean(typed, services)}`;
    return [{ kind: 'say', text: `${why}; press r to try again` }];
  }
}
