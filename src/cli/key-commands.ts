import { didYouMean } from '../manifest/suggest.js';

export type KeyAction =
  | { kind: 'say'; text: string } // devsup's answer, on a line of its own
  | { kind: 'prompt'; text: string | undefined } // the line kept under the logs while choosing after `r`, with what was typed; undefined: gone
  | { kind: 'restart'; service: string }
  | { kind: 'table' }
  | { kind: 'quit'; key: 'q' | 'Ctrl-C' } // `up`: a clean stop, and again to kill; `attach`: as `devsup down`
  | { kind: 'detach' }; // `attach`'s Ctrl-C: leave, the services run on

/** `up` takes the keys in its own terminal; `attach` in another one, where Ctrl-C only detaches. */
export type KeysMode = 'up' | 'attach';

export const KEYS_HINT = 'keys: r restart a service · t port table · q stop everything (as Ctrl-C)';
export const ATTACH_KEYS_HINT = 'keys: r restart a service · t port table · q stop everything (devsup down) · Ctrl-C detach';

/** The prompt line while choosing, before what was typed. */
export const RESTART_PROMPT = 'restart: ';

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
    if (key === CTRL_C) return [...this.endChoosing(), this.mode === 'up' ? { kind: 'quit', key: 'Ctrl-C' } : { kind: 'detach' }];
    if (this.choosing === undefined) return this.idleKey(key);
    if (key === ESCAPE) return [...this.endChoosing(), { kind: 'say', text: 'restart cancelled' }];
    if (ENTER.has(key)) {
      const typed = this.choosing.trim();
      return [...this.endChoosing(), ...this.choose(typed)];
    }
    if (BACKSPACE.has(key)) {
      if (this.choosing === '') return [];
      this.choosing = this.choosing.slice(0, -1);
    } else if (key < ' ') {
      return [];
    } else {
      this.choosing += key;
    }
    return [{ kind: 'prompt', text: `${RESTART_PROMPT}${this.choosing}` }];
  }

  /** Choosing is over: its prompt line goes. */
  private endChoosing(): KeyAction[] {
    if (this.choosing === undefined) return [];
    this.choosing = undefined;
    return [{ kind: 'prompt', text: undefined }];
  }

  private idleKey(key: string): KeyAction[] {
    switch (key.toLowerCase()) {
      case 'r': {
        this.choosing = '';
        const list = this.services()
          .map((service, index) => `${index + 1} ${service}`)
          .join(', ');
        return [
          { kind: 'say', text: `restart which service? ${list} — its number or name, then Enter (Esc cancels)` },
          { kind: 'prompt', text: RESTART_PROMPT },
        ];
      }
      case 't':
        return [{ kind: 'table' }];
      case 'q':
        return [{ kind: 'quit', key: 'q' }];
      case '?':
      case 'h':
        return [{ kind: 'say', text: this.hint }];
      default:
        return [];
    }
  }

  /** A number from the list, a service's name, or the start of exactly one name. */
  private choose(typed: string): KeyAction[] {
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
