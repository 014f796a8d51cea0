import { describe, expect, test } from 'vitest';
import { devServerPort, splitCommands } from './dev-server-port.js';

const VITE_FLAGS = ['--port', '${port}', '--strictPort'];

describe('devServerPort', () => {
  test.each([
    ['vite', 'Vite', 5173, VITE_FLAGS],
    ['vite dev', 'Vite', 5173, VITE_FLAGS], // SvelteKit
    ['vite serve --host', 'Vite', 5173, VITE_FLAGS],
    ['vite --strictPort', 'Vite', 5173, ['--port', '${port}']],
    ['vite preview', 'Vite preview', 4173, VITE_FLAGS],
    ['astro dev', 'Astro', 4321, ['--port', '${port}']],
    ['ng serve', 'ng serve', 4200, ['--port', '${port}']],
    ['nuxi dev', 'Nuxt', 3000, ['--port', '${port}']],
    ['nuxt dev', 'Nuxt', 3000, ['--port', '${port}']],
    ['remix vite:dev', 'Remix', 5173, VITE_FLAGS],
    ['react-router dev', 'React Router', 5173, VITE_FLAGS],
    ['cross-env NODE_ENV=development vite', 'Vite', 5173, VITE_FLAGS],
    ['NODE_OPTIONS="--inspect --trace-warnings" vite', 'Vite', 5173, VITE_FLAGS],
    ['npx --yes vite', 'Vite', 5173, VITE_FLAGS],
    ['./node_modules/.bin/vite', 'Vite', 5173, VITE_FLAGS],
    ['pnpm exec astro dev', 'Astro', 4321, ['--port', '${port}']],
    ['dotenv -e .env.local -- vite', 'Vite', 5173, VITE_FLAGS],
    ['tsc -b && vite', 'Vite', 5173, VITE_FLAGS],
    ['npm run codegen; vite', 'Vite', 5173, VITE_FLAGS],
  ])('%s ignores PORT: flags are appended', (script, server, port, flags) => {
    expect(devServerPort(script)).toMatchObject({ kind: 'flags', server, port, flags });
  });

  test('the flags come with the reason, said above the command', () => {
    expect(devServerPort('vite')).toMatchObject({
      why: "Vite ignores PORT: --port gives it devsup's, --strictPort makes it fail rather than move to another",
    });
    expect(devServerPort('nuxi dev')).toMatchObject({
      why: "Nuxt reads NUXT_PORT and NITRO_PORT (a .env may set them) before PORT: --port gives it devsup's",
    });
  });

  test.each([
    ['next dev', 'Next.js', 3000],
    ['next start', 'Next.js', 3000],
    ['react-scripts start', 'Create React App', 3000],
    ['remix-serve ./build/index.js', 'remix-serve', 3000],
    ['vite --port $PORT', 'Vite', 5173],
    ['vite --port ${PORT:-5173} --strictPort', 'Vite', 5173],
  ])('%s reads PORT: it runs as it is', (script, server, port) => {
    expect(devServerPort(script)).toEqual({ kind: 'reads-port', server, port });
  });

  test.each([
    ['next dev -p 3001', 'Next.js', 3001, '-p 3001'],
    ['next dev --port=4000', 'Next.js', 4000, '--port=4000'],
    ['next dev -p4001 --turbo', 'Next.js', 4001, '-p4001'],
    ['vite --port 3000', 'Vite', 3000, '--port 3000'],
    ['ng serve --port 4300', 'ng serve', 4300, '--port 4300'],
  ])('%s fixes its port: devsup keeps it', (script, server, port, text) => {
    expect(devServerPort(script)).toEqual({
      kind: 'fixed',
      server,
      port,
      why: `the script gives ${server} port ${port} (${text}): devsup keeps it; take that out to let devsup choose`,
    });
  });

  test('a server devsup cannot pass a flag to is unreachable, with what to write instead', () => {
    expect(devServerPort('vite && echo done')).toEqual({
      kind: 'unreachable',
      server: 'Vite',
      port: 5173,
      problem:
        'runs Vite, which ignores PORT, before other commands: devsup cannot pass it --port. Add --port ${PORT:-5173} --strictPort to the script yourself',
    });
    for (const script of ['vite | tee vite.log', 'vite & tsc -w', 'vite > vite.log', 'astro dev --host $(hostname)', 'vite "unclosed']) {
      expect(devServerPort(script), script).toMatchObject({
        kind: 'unreachable',
        problem: expect.stringContaining('inside a command line with pipes'),
      });
    }
    expect(devServerPort('vite --port $VITE_PORT')).toMatchObject({
      kind: 'unreachable',
      problem: "gives Vite its port with --port $VITE_PORT, not devsup's: write --port $PORT there",
    });
  });

  test.each(['node server.js', 'vite build', 'astro build', 'ng build', 'concurrently "vite" "tsc -w"', 'npm run dev:web', 'tsc --watch', ''])(
    '%s is no dev server devsup knows',
    (script) => {
      expect(devServerPort(script)).toEqual({ kind: 'unknown' });
    },
  );
});

describe('splitCommands', () => {
  test('words without their quotes, commands split at && || ;', () => {
    expect(splitCommands(`A='x y' b "c \\"d\\" $e" f\\ g && h || i;j`)).toEqual({
      commands: [['A=x y', 'b', 'c "d" $e', 'f g'], ['h'], ['i'], ['j']],
      plain: true,
    });
  });

  test('anything else a shell treats specially makes it not plain', () => {
    for (const script of ['a | b', 'a & b', 'a > f', 'a < f', '(a)', 'a $(b)', 'a `b`', 'a "$(b)"', 'a\nb', "a 'open"]) {
      expect(splitCommands(script).plain, script).toBe(false);
    }
  });
});
