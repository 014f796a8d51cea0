// `npm run dist`, second step: bundles tsc's output into dist/bin/devsup.js, the file `devsup` runs.
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
 * dotenv requires node:crypto at its top for decrypting `.env.vault` files, which devsup never does.
 * Loading crypto costs every `up` its load time and memory, so here it is required on first use
 * instead. A dotenv that no longer has that line fails the build rather than loading it.
 */
const DOTENV_CRYPTO = "const crypto = require('crypto')";
const dotenvWithLazyCrypto = {
  name: 'dotenv-lazy-crypto',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]dotenv[\\/]lib[\\/]main\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(DOTENV_CRYPTO)) throw new Error(`${args.path} no longer has \`${DOTENV_CRYPTO}\`: update scripts/bundle.mjs`);
      const lazy = "const crypto = { createDecipheriv: (...args) => require('crypto').createDecipheriv(...args) }";
      return { contents: source.replace(DOTENV_CRYPTO, lazy), loader: 'js' };
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

/** How dist/bin is built; bench/package-size.mjs builds it again in memory to tell each dependency's share. */
export const BUNDLE_OPTIONS = {
  entryPoints: { devsup: 'dist/cli/bin.js' },
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
  plugins: [withoutZodLocales, dotenvWithLazyCrypto, withoutMcpAjv],
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync('dist/bin', { recursive: true, force: true }); // chunks of an earlier build have other names
  await build(BUNDLE_OPTIONS);
}
