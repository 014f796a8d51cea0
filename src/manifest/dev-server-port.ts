import path from 'node:path';

/** A dev server devsup recognises in a package.json script, and how it takes a port. */
interface DevServer {
  name: string;
  /** Where it listens by default: the preferred port devsup gives it. */
  port: number;
  /** The options that set its port, e.g. `--port 3001` or `-p 3001`. */
  portOptions: readonly string[];
  /** It reads PORT itself, so the script runs as it is. */
  readsPort?: true;
  /** Otherwise: what passes it devsup's port, appended to the script, and why (said above the command). */
  flags?: readonly string[];
  why?: string;
}

const VITE_WHY = "ignores PORT: --port gives it devsup's, --strictPort makes it fail rather than move to another";
const viteLike = (name: string, port = 5173): DevServer => ({
  name,
  port,
  portOptions: ['--port'],
  flags: ['--port', '${port}', '--strictPort'],
  why: `${name} ${VITE_WHY}`,
});
const portFlagOnly = (name: string, port: number, why = `${name} ignores PORT: --port gives it devsup's`): DevServer => ({
  name,
  port,
  portOptions: ['--port'],
  flags: ['--port', '${port}'],
  why,
});

/** The program (after wrappers such as cross-env) and its first argument → the server it starts, if any. */
function identifyServer(program: string, subcommand: string | undefined): DevServer | undefined {
  switch (program) {
    case 'vite': // `vite [root]`, `vite dev`, `vite serve` (SvelteKit's dev script is `vite dev`)
      if (subcommand === 'preview') return viteLike('Vite preview', 4173);
      return subcommand === 'build' || subcommand === 'optimize' ? undefined : viteLike('Vite');
    case 'astro':
      return subcommand === 'dev' || subcommand === 'start' || subcommand === 'preview' ? portFlagOnly('Astro', 4321) : undefined;
    case 'ng':
      return subcommand === 'serve' || subcommand === 's' ? portFlagOnly('ng serve', 4200) : undefined;
    case 'nuxi':
    case 'nuxt':
      // Nuxt reads PORT, but only after NUXT_PORT and NITRO_PORT, which a .env it loads itself may set.
      return subcommand === 'dev'
        ? {
            ...portFlagOnly('Nuxt', 3000, "Nuxt reads NUXT_PORT and NITRO_PORT (a .env may set them) before PORT: --port gives it devsup's"),
            portOptions: ['--port', '-p'],
          }
        : undefined;
    case 'remix':
      return subcommand === 'vite:dev' ? viteLike('Remix') : undefined;
    case 'react-router':
      return subcommand === undefined || subcommand === 'dev' ? { ...viteLike('React Router'), portOptions: ['--port', '-p'] } : undefined;
    case 'next':
      return subcommand === 'dev' || subcommand === 'start'
        ? { name: 'Next.js', port: 3000, portOptions: ['--port', '-p'], readsPort: true }
        : undefined;
    case 'react-scripts':
      return subcommand === 'start' ? { name: 'Create React App', port: 3000, portOptions: [], readsPort: true } : undefined;
    case 'remix-serve':
      return { name: 'remix-serve', port: 3000, portOptions: [], readsPort: true };
    default:
      return undefined;
  }
}

/** How a script's dev server gets devsup's port. */
export type DevServerPort =
  /** It ignores PORT: these flags, appended to the script, give it devsup's port. */
  | { kind: 'flags'; server: string; port: number; flags: string[]; why: string }
  /** The script itself gives it a fixed port: devsup keeps that one. */
  | { kind: 'fixed'; server: string; port: number; why: string }
  /** It reads PORT (or the script passes $PORT to it): nothing to add. */
  | { kind: 'reads-port'; server: string; port: number }
  /** It ignores PORT and devsup cannot pass it a flag: `problem` says why and what to do. */
  | { kind: 'unreachable'; server: string; port: number; problem: string }
  /** No dev server devsup knows: it gets PORT like any program. */
  | { kind: 'unknown' };

/**
 * What a package.json script starts, and how devsup's port reaches it. Flags are appended only where
 * they certainly reach the server: a plain command line (`&&`, `||` and `;` allowed) whose last
 * command is the server. Pipes, `&`, subshells, `$(…)`, redirections or quotes left open make it
 * `unreachable`, as does a server that is not the last command.
 */
export function devServerPort(script: string): DevServerPort {
  const { commands, plain } = splitCommands(script);
  const index = commands.findIndex((words) => findServer(words) !== undefined);
  if (index === -1) return { kind: 'unknown' };
  const { server, args } = findServer(commands[index]!)!;
  const { name, port } = server;
  const option = findPortOption(args, server.portOptions);
  if (option !== undefined) {
    if (/^\d{1,5}$/.test(option.value) && Number(option.value) >= 1 && Number(option.value) <= 65535) {
      const why = `the script gives ${name} port ${option.value} (${option.text}): devsup keeps it; take that out to let devsup choose`;
      return { kind: 'fixed', server: name, port: Number(option.value), why };
    }
    if (/^\$(PORT\b|\{PORT(:?-[^}]*)?\})/.test(option.value)) return { kind: 'reads-port', server: name, port };
    return {
      kind: 'unreachable',
      server: name,
      port,
      problem: `gives ${name} its port with ${option.text}, not devsup's: write ${option.option} $PORT there`,
    };
  }
  if (server.readsPort) return { kind: 'reads-port', server: name, port };
  if (!plain || index !== commands.length - 1) {
    const where = plain ? 'before other commands' : 'inside a command line with pipes, `&`, `$(…)` or redirections';
    const yours = server.flags!.join(' ').replace('${port}', `\${PORT:-${port}}`);
    return {
      kind: 'unreachable',
      server: name,
      port,
      problem: `runs ${name}, which ignores PORT, ${where}: devsup cannot pass it --port. Add ${yours} to the script yourself`,
    };
  }
  const flags = server.flags!.filter((flag) => !(flag === '--strictPort' && args.includes(flag)));
  return { kind: 'flags', server: name, port, flags, why: server.why! };
}

/** The server a command starts, past `VAR=value` words and wrappers (cross-env, env, npx, dotenv --, pnpm exec…). */
function findServer(words: string[]): { server: DevServer; args: string[] } | undefined {
  let i = 0;
  const skipAssignments = () => {
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  };
  const skipOptions = () => {
    while (words[i]?.startsWith('-')) i++;
  };
  for (skipAssignments(); i < words.length;) {
    const word = words[i]!;
    if (word === 'cross-env' || word === 'env') {
      i++;
      skipOptions();
      skipAssignments();
    } else if (word === 'npx' || word === 'pnpx' || word === 'bunx') {
      i++;
      skipOptions();
    } else if (['npm', 'pnpm', 'yarn', 'bun'].includes(word) && ['exec', 'x', 'dlx'].includes(words[i + 1] ?? '')) {
      i += 2;
      skipOptions();
    } else if (word === 'dotenv') {
      const end = words.indexOf('--', i);
      if (end === -1) return undefined;
      i = end + 1;
    } else {
      break;
    }
  }
  const program = words[i];
  if (program === undefined) return undefined;
  const args = words.slice(i + 1);
  const first = args[0];
  const server = identifyServer(path.posix.basename(program), first === undefined || first.startsWith('-') ? undefined : first);
  return server && { server, args };
}

/** `--port 3001`, `--port=3001`, `-p 3001` or `-p3001`, when one of `options` is there. */
function findPortOption(args: string[], options: readonly string[]): { option: string; value: string; text: string } | undefined {
  for (const [i, arg] of args.entries()) {
    for (const option of options) {
      if (arg === option && args[i + 1] !== undefined) return { option, value: args[i + 1]!, text: `${option} ${args[i + 1]}` };
      if (arg.startsWith(`${option}=`)) return { option, value: arg.slice(option.length + 1), text: arg };
      if (option.length === 2 && arg.startsWith(option) && arg.length > 2 && arg[2] !== '=') return { option, value: arg.slice(2), text: arg };
    }
  }
  return undefined;
}

/**
 * A script's commands (split at `&&`, `||` and `;`) as words, quotes removed; `plain` is false when
 * it holds anything else a shell treats specially: a pipe, `&`, a subshell, `$(…)` or backticks,
 * a redirection, a line break, or a quote left open.
 */
export function splitCommands(script: string): { commands: string[][]; plain: boolean } {
  const commands: string[][] = [[]];
  let plain = true;
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) commands.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i]!;
    const pair = script.slice(i, i + 2);
    if (char === ' ' || char === '\t') {
      endWord();
    } else if (pair === '&&' || pair === '||' || char === ';') {
      endWord();
      commands.push([]);
      if (char !== ';') i++;
    } else if ('|&()<>`\n\r'.includes(char) || pair === '$(') {
      plain = false;
      endWord();
    } else if (char === "'" || char === '"') {
      const end = closingQuote(script, i);
      if (end === -1) return { commands, plain: false };
      const quoted = script.slice(i + 1, end);
      if (char === '"' && (quoted.includes('$(') || quoted.includes('`'))) plain = false;
      word = (word ?? '') + (char === '"' ? quoted.replace(/\\(["\\$`])/g, '$1') : quoted);
      i = end;
    } else if (char === '\\' && i + 1 < script.length) {
      word = (word ?? '') + script[++i];
    } else {
      word = (word ?? '') + char;
    }
  }
  endWord();
  return { commands: commands.filter((words) => words.length > 0), plain };
}

/** Where the quote opened at `start` closes (inside double quotes, not at an escaped one), or -1. */
function closingQuote(script: string, start: number): number {
  const quote = script[start];
  for (let i = start + 1; i < script.length; i++) {
    if (script[i] === quote) return i;
    if (quote === '"' && script[i] === '\\') i++;
  }
  return -1;
}
