// `npm run dist`, second step: bundles tsc's output into dist/bin: main.js (the ES modules of every
// command) and devsup.cjs, the file `devsup` runs, which answers help itself and loads main.js for the rest.
// One bundle starts ~40 ms sooner than ~90 separate ES modules, because Node resolves, reads and links
// each module file on its own (measured when the bundle was introduced). Commands stay separate chunks, loaded on use, so
// `devsup --help` still loads almost nothing. Whitespace and comments are dropped (V8 keeps every
// module's source in memory while devsup runs: 0.6 MB less at idle), names are not: stack traces
// (DEVSUP_DEBUG=1) still name every function.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

/**
 * zod's error messages in forty languages (300 kB of the `devsup mcp` chunk, which validates tool
 * input with zod): nothing here picks a language, and the English ones zod uses by default are
 * imported apart, so `z.locales` is left empty.
 */
const withoutZodLocales = {
  name: 'without-zod-locales',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'devsup-empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'devsup-empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * Two lines of dotenv, changed. It requires node:crypto at its top for decrypting `.env.vault`
 * files, which devsup never does: loading crypto costs every `up` its load time and memory, so it
 * is required on first use instead. And `parse` collects variables in a `{}`, where one named
 * `__proto__` sets the object's prototype and is lost: it gets an object with no prototype. A
 * dotenv that no longer has either line fails the build rather than being bundled unchanged.
 */
const DOTENV_EDITS = [
  ["const crypto = require('crypto')", "const crypto = { createDecipheriv: (...args) => require('crypto').createDecipheriv(...args) }"],
  ['function parse (src) {\n  const obj = {}', 'function parse (src) {\n  const obj = Object.create(null)'],
];
const dotenvEdited = {
  name: 'dotenv-edited',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]dotenv[\\/]lib[\\/]main\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      for (const [line, edited] of DOTENV_EDITS) {
        if (!source.includes(line)) throw new Error(`${args.path} no longer has \`${line}\`: update scripts/bundle.mjs`);
        source = source.replace(line, edited);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * The MCP SDK's server builds an ajv-based JSON Schema validator unless it is given one, and uses it
 * only for elicitation (asking the client to fill in a form), which devsup never does. `devsup mcp`
 * gives it one of its own (src/cli/mcp/mcp-server.ts), so ajv, ajv-formats and fast-uri (~200 kB of
 * the chunk) are left out: their provider becomes a class that refuses to be made.
 */
const withoutMcpAjv = {
  name: 'without-mcp-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]@modelcontextprotocol[\\/]sdk[\\/]/.test(args.importer)
        ? { path: 'mcp-ajv-provider', namespace: 'devsup-stub' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'devsup-stub' }, () => ({
      contents:
        "export class AjvJsonSchemaValidator { constructor() { throw new Error('devsup gives the MCP server its own JSON Schema validator'); } }",
      loader: 'js',
    }));
  },
};

/** How dist/bin/main.js is built; bench/package-size.mjs builds it again in memory to tell each dependency's share. */
export const BUNDLE_OPTIONS = {
  entryPoints: { main: 'dist/cli/bin.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (dotenv, picomatch, tree-kill) call `require`, which ES modules lack.
  banner: { js: "import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);" },
  logLevel: 'warning',
  minifyWhitespace: true,
  plugins: [withoutZodLocales, dotenvEdited, withoutMcpAjv],
};

/** bin.ts, as front-door.ts imports it: main.js beside the front door, left for Node to load. */
const mainBesideIt = {
  name: 'main-beside-it',
  setup(build) {
    build.onResolve({ filter: /^\.\/bin\.js$/ }, () => ({ path: './main.js', external: true }));
  },
};

/** The front door, CommonJS: `devsup --help` starts no ES module loader. */
const frontDoorOptions = (answers) => ({
  entryPoints: { devsup: 'dist/cli/front-door.js' },
  outdir: 'dist/bin',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { DEVSUP_QUICK_ANSWERS: JSON.stringify(answers) },
  logLevel: 'warning',
  minifyWhitespace: true,
  plugins: [mainBesideIt],
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync('dist/bin', { recursive: true, force: true }); // chunks of an earlier build have other names
  await build(BUNDLE_OPTIONS);
  const { COMMANDS } = await import('../dist/cli/command-list.js');
  const { renderQuickAnswers } = await import('../dist/cli/render-quick-answers.js');
  await build(frontDoorOptions(renderQuickAnswers(COMMANDS)));
}
