import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin/', import.meta.url));

/** The chunks a chunk imports statically, all the way down: what loading it loads. */
function staticClosure(chunk: string, seen = new Set<string>()): Set<string> {
  if (seen.has(chunk)) return seen;
  seen.add(chunk);
  const text = readFileSync(path.join(BIN, chunk), 'utf8');
  for (const [, imported] of text.matchAll(/(?:^|[;\s}])import\s*(?:[\w$*{},\s]*?from\s*)?["']\.\/([\w.-]+\.js)["']/g))
    staticClosure(imported!, seen);
  return seen;
}

/** The chunk the bundle's entry loads for a command (`import("./up-XXXX.js")`). */
function commandChunk(command: string): string {
  const entry = readFileSync(path.join(BIN, 'main.js'), 'utf8');
  const found = new RegExp(`import\\(["']\\./(${command}-[\\w]+\\.js)["']\\)`).exec(entry)?.[1];
  if (found === undefined) throw new Error(`no chunk for ${command} in dist/bin/main.js`);
  return found;
}

const code = (chunks: Set<string>) => [...chunks].map((chunk) => readFileSync(path.join(BIN, chunk), 'utf8')).join('\n');

describe('what devsup up loads before its first service starts', () => {
  it('is not the yaml library: a plain manifest is read without it, the library is loaded for the others', () => {
    const everyChunk = new Set(readdirSync(BIN).filter((file) => file.endsWith('.js')));
    expect(code(everyChunk)).toContain('node_modules/yaml/'); // the library's mark, which the check below looks for
    const loaded = staticClosure(commandChunk('up'));
    expect(loaded.size).toBeGreaterThan(10); // the imports were followed: up loads a few dozen chunks
    expect(code(loaded)).toContain('readSimpleYaml');
    expect(code(loaded)).not.toContain('node_modules/yaml/');
  });
});

describe('what devsup --help and devsup up load', () => {
  it('is not the MCP SDK nor zod: only `devsup mcp` loads them', () => {
    // Marks of each: the SDK's server class and a method name of the protocol; zod's base type.
    const marks = ['McpServer', 'notifications/resources/updated', '$ZodType'];
    const mcp = code(staticClosure(commandChunk('mcp')));
    expect(mcp).not.toContain('McpServer'); // the command loads the server on use, too
    const server = /import\(["']\.\/(mcp-server-[\w]+\.js)["']\)/.exec(mcp)?.[1];
    expect(server).toBeDefined();
    for (const mark of marks) expect(code(staticClosure(server!)), mark).toContain(mark);
    for (const loaded of [code(staticClosure('main.js')), code(staticClosure(commandChunk('up')))]) {
      for (const mark of marks) expect(loaded, mark).not.toContain(mark);
    }
  });
});

describe('what devsup mcp loads', () => {
  it('is not ajv: the SDK validates JSON Schemas only for elicitation, which devsup never does', () => {
    const mcp = code(staticClosure(commandChunk('mcp')));
    const server = /import\(["']\.\/(mcp-server-[\w]+\.js)["']\)/.exec(mcp)?.[1];
    const loaded = code(staticClosure(server!));
    expect(loaded).toContain('getValidator'); // devsup's own stand-in, given to the server
    for (const mark of ['node_modules/ajv/', 'node_modules/fast-uri/', 'node_modules/ajv-formats/']) expect(loaded, mark).not.toContain(mark);
  });
});
