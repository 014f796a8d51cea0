import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../src/cli/command-list.js';
import { LOCAL_MANIFEST } from '../src/manifest/find-manifest.js';
import { loadManifest } from '../src/manifest/load-manifest.js';
import { HEALTH_KEYS } from '../src/manifest/read-health.js';
import { READY_KEYS } from '../src/manifest/read-ready.js';
import { TOP_LEVEL_KEYS } from '../src/manifest/read-manifest.js';
import { SERVICE_KEYS } from '../src/manifest/read-service.js';
import { toPlain } from '../src/manifest/yaml-node.js';
import { manifestSchema, schemaErrorsOf, type Schema } from './helpers/manifest-schema.js';
import { namedRows } from './helpers/markdown-tables.js';
import { tempProjects } from './helpers/temp-project.js';

/**
 * The documentation is part of the product: README.md and docs/*.md must link only to what exists
 * in the repository, document every manifest key and every command and option the code knows, and
 * show only manifests devsup accepts (and its JSON Schema). Every ```yaml block is such a manifest (a first line
 * `# services.local.yaml` makes it the override of the manifest before it); other formats belong
 * in fences of another language.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The text outside fenced code blocks, line by line with their numbers (1-based). */
function proseLines(text: string): { line: number; text: string }[] {
  let fenced = false;
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line: index + 1, text: line }];
  });
}

/** GitHub's anchors for a file's headings: lower case, punctuation dropped, each space a `-`, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Markdown links `[text](target)` outside code: fenced blocks and inline code spans are not links. */
function linksIn(file: string): Link[] {
  return proseLines(read(file)).flatMap(({ line, text }) =>
    [...text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({ file, line, target: match[1]! })),
  );
}

/** What is wrong with a relative link, or undefined when it points at a file (and anchor) of the repository. */
function checkLink({ file, target }: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // a URL, not a file of the repository
  const [pathPart = '', anchor] = target.split('#', 2);
  const resolved = pathPart === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), decodeURIComponent(pathPart));
  const relative = path.relative(ROOT, resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return 'points outside the repository';
  if (!existsSync(resolved)) return `${relative} does not exist`;
  if (anchor === undefined) return undefined;
  if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) return `an anchor into ${relative}, which is not a Markdown file`;
  return anchorsOf(readFileSync(resolved, 'utf8')).has(anchor) ? undefined : `${relative} has no heading #${anchor}`;
}

describe('links in the documentation', () => {
  const links = DOCS.flatMap(linksIn);

  it('are found (the docs link to each other)', () => {
    expect(links.length).toBeGreaterThan(20);
  });

  it('point at files and headings that exist in the repository', () => {
    const broken = links.flatMap((link) => {
      const problem = checkLink(link);
      return problem === undefined ? [] : [`${link.file}:${link.line}: (${link.target}) ${problem}`];
    });
    expect(broken).toEqual([]);
  });

  it('are checked: a missing file, a missing heading and a way out of the repository are caught', () => {
    expect(checkLink({ file: 'README.md', line: 1, target: 'docs/no-such-page.md' })).toMatch(/does not exist/);
    expect(checkLink({ file: 'docs/cli.md', line: 1, target: 'ports.md#no-such-heading' })).toMatch(/no heading/);
    expect(checkLink({ file: 'docs/cli.md', line: 1, target: '../../elsewhere/notes.md' })).toMatch(/outside the repository/);
    expect(checkLink({ file: 'docs/cli.md', line: 1, target: '#exit-codes' })).toBeUndefined();
  });

  it('the README links to every page of docs/', () => {
    const targets = new Set(linksIn('README.md').map((link) => link.target.split('#')[0]));
    const pages = DOCS.filter((file) => file.startsWith('docs/'));
    expect(pages.filter((page) => !targets.has(page))).toEqual([]);
  });
});

describe('the repository refers to nothing outside itself', () => {
  // Spelled in pieces, so this file does not name what it looks for.
  const FORBIDDEN = [['..', 'shared'].join('/'), ...['DESIGN', 'PORTS', 'STYLE'].map((name) => `${name}.md`)];

  it('no tracked file names a document outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => {
      const full = path.join(ROOT, file);
      if (!existsSync(full) || !statSync(full).isFile()) return [];
      return readFileSync(full, 'utf8')
        .split('\n')
        .flatMap((line, index) => FORBIDDEN.filter((name) => line.includes(name)).map((name) => `${file}:${index + 1}: ${name}`));
    });
    expect(found).toEqual([]);
  });
});

describe('docs/manifest.md', () => {
  const text = read('docs/manifest.md');
  const tables = {
    'top-level': keyTable(text, '## Top-level keys'),
    service: keyTable(text, '## Service keys'),
    ready: keyTable(text, '### `ready`'),
    health: keyTable(text, '### `health`'),
  };

  it.each([
    ['top-level', TOP_LEVEL_KEYS],
    ['service', SERVICE_KEYS],
    ['ready', READY_KEYS],
    ['health', HEALTH_KEYS],
  ] as const)('has a table row for every %s key devsup accepts, and none for a key it refuses', (table, keys) => {
    expect(keys.length).toBeGreaterThan(0);
    const rows = tables[table];
    expect(keys.filter((key) => !rows.has(key))).toEqual([]);
    expect([...rows.keys()].filter((key) => !(keys as readonly string[]).includes(key))).toEqual([]);
  });

  it('shows every key in a manifest (a ```yaml block)', () => {
    const manifests = yamlBlocks('docs/manifest.md')
      .map((block) => block.text)
      .join('\n');
    const shown = (key: string) => new RegExp(`(^|[\\s{,])${key}:`, 'm').test(manifests);
    const keys = [...TOP_LEVEL_KEYS, ...SERVICE_KEYS, ...READY_KEYS, ...HEALTH_KEYS];
    expect(keys.filter((key) => !shown(key))).toEqual([]);
    expect(shown('no_such_key')).toBe(false);
  });

  it('a key without its row would be caught', () => {
    expect(tables.service.has('command')).toBe(true);
    expect(tables.service.has('no_such_key')).toBe(false);
    expect(
      keyTable(
        '## T\n\n| key | type |\n|---|---|\n| `a`, `b` | x |\n\n| form | |\n|---|---|\n| `d` | z |\n\n## U\n\n| key | type |\n|---|---|\n| `c` | y |\n',
        '## T',
      ),
    ).toEqual(
      new Map([
        ['a', { type: 'x' }],
        ['b', { type: 'x' }],
      ]),
    );
  });

  // The type, limits and default each key's row states are the schema's (which a test holds to devsup's own).
  const schemaTables = [
    ['top-level', manifestSchema.properties!],
    ['service', manifestSchema.$defs!.service!.properties!],
    ['health', manifestSchema.$defs!.health!.anyOf!.find((form) => form.properties)!.properties!],
  ] as const;

  it.each(schemaTables)('gives each %s key the default and the limits of the JSON Schema', (table, properties) => {
    const wrong = Object.entries(properties).flatMap(([key, property]) => {
      const row = tables[table].get(key);
      if (row?.default === undefined) return [`${key}: no default column`];
      return [...defaultProblems(key, property, row.default), ...limitProblems(key, resolve(property), row.type ?? '')];
    });
    expect(wrong).toEqual([]);
  });

  it('a default or a limit the schema does not have would be caught', () => {
    expect(defaultProblems('max_restarts', { default: 5 }, '`3`')).not.toEqual([]);
    expect(defaultProblems('watch', { default: [] }, '`src`')).not.toEqual([]);
    expect(defaultProblems('host', { description: 'Default: any address.' }, 'none')).toEqual([]);
    expect(defaultProblems('title', { description: 'The name.' }, 'the key')).not.toEqual([]);
    expect(limitProblems('replicas', { type: 'integer', minimum: 1 }, 'whole number ≥ 0')).not.toEqual([]);
    expect(limitProblems('ready_timeout', resolve(manifestSchema.$defs!.service!.properties!.ready_timeout!), 'duration')).not.toEqual([]);
    expect(limitProblems('restart', { enum: ['on-failure', 'always', 'never'] }, '`on-failure` or `always`')).not.toEqual([]);
  });
});

describe('README.md', () => {
  const text = read('README.md');

  it.each([
    ['top-level', TOP_LEVEL_KEYS],
    ['service', SERVICE_KEYS],
  ] as const)('names every %s key of the manifest', (_, keys) => {
    expect(keys.filter((key) => !text.includes(`\`${key}\``))).toEqual([]);
  });
});

/** The type and default columns of the key tables under a heading of docs/manifest.md, by key. */
function keyTable(text: string, heading: string): Map<string, { type?: string; default?: string }> {
  const rows = namedRows(text, heading, 'key');
  expect(rows, `a "${heading}" heading`).toBeDefined();
  return new Map([...rows!].map(([key, { cells }]) => [key, { type: cells.type, default: cells.default }]));
}

/** A property with its `$ref` (to `#/$defs/…`) followed. */
function resolve(property: Schema): Schema {
  const ref = property.$ref;
  return ref === undefined ? property : { ...manifestSchema.$defs![ref.replace('#/$defs/', '')]!, ...property };
}

/** How the default column of a key's row disagrees with the schema's default (or its "Default:" sentence). */
function defaultProblems(key: string, property: Schema, cell: string): string[] {
  const value = property.default;
  if (value === undefined) {
    // No value a schema can hold (`title`: the service's key): the row and the description say it in words.
    const stated = ['none', 'required', '—'].includes(cell) || property.description?.includes('Default:');
    return stated ? [] : [`${key}: the docs give a default (${cell}) the schema neither has nor describes`];
  }
  if (typeof value === 'object' && value !== null) {
    // `[]` or `{}`: nothing is set.
    return Object.keys(value).length === 0 && cell.startsWith('none')
      ? []
      : [`${key}: the schema's default is ${JSON.stringify(value)}, the docs say ${cell}`];
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const spellings = [`\`${text}\``, `\`"${text}"\``];
  return spellings.some((spelling) => cell.includes(spelling))
    ? []
    : [`${key}: the schema's default is ${JSON.stringify(value)}, the docs say ${cell}`];
}

/** How the type column of a key's row disagrees with the schema's limits: a minimum, "more than 0", a port's range, the values of an enum. */
function limitProblems(key: string, property: Schema, cell: string): string[] {
  const forms = [property, ...(property.anyOf ?? []).map(resolve)];
  const problems: string[] = [];
  for (const form of forms) {
    const { minimum, maximum, exclusiveMinimum, type } = form;
    if (type === 'integer' && minimum !== undefined && maximum === undefined && !cell.includes(`≥ ${minimum}`))
      problems.push(`${key}: the schema wants ${minimum} or more, the docs say ${cell}`);
    if (type === 'integer' && minimum !== undefined && maximum !== undefined && !cell.includes(`${minimum}–${maximum}`))
      problems.push(`${key}: the schema wants ${minimum}–${maximum}, the docs say ${cell}`);
    if (exclusiveMinimum === 0 && !cell.includes('more than 0')) problems.push(`${key}: the schema wants more than 0, the docs say ${cell}`);
    for (const choice of form.enum ?? [])
      if (!cell.includes(`\`${String(choice)}\``)) problems.push(`${key}: the docs do not name \`${String(choice)}\``);
  }
  return [...new Set(problems)];
}

describe('docs/cli.md', () => {
  const sections = read('docs/cli.md')
    .split(/^(?=## )/m)
    .map((section) => ({ heading: section.split('\n')[0]!, body: section }));
  const sectionOf = (command: string) => sections.find(({ heading }) => heading.startsWith('## ') && heading.includes(`\`devsup ${command}\``));

  // Hidden commands (`__complete`) are devsup's own plumbing, not for people to type.
  const visible = Object.keys(COMMANDS).filter((name) => !COMMANDS[name]!.hidden);

  it.each(visible)('documents `devsup %s` with each of its options', (name) => {
    const section = sectionOf(name);
    expect(section, `a "## \`devsup ${name}\`" section`).toBeDefined();
    const missing = Object.entries(COMMANDS[name]!.options).flatMap(([option, config]) => {
      const spellings = [`--${option}`, ...(config.short ? [`-${config.short}`] : [])];
      return spellings.filter((spelling) => !new RegExp(`(^|[^\\w-])${spelling}(?![\\w-])`, 'm').test(section!.body));
    });
    expect(missing).toEqual([]);
  });

  it.each(visible)('shows the usage line of `devsup %s` as its help does, and its exit codes', (name) => {
    const { body } = sectionOf(name)!;
    expect(body).toContain(`\n${COMMANDS[name]!.usage}\n`);
    expect(body).toMatch(/\bExit (code )?[0-2]\b|\bexits with\b/);
  });

  it('lists every command in the table at its top', () => {
    const top = sections[0]!.body;
    expect(visible.filter((name) => !new RegExp(`^\\|.*\\[[^\\]]*\`${name}\`[^\\]]*\\]\\(#`, 'm').test(top))).toEqual([]);
  });
});

describe('docs/control-protocol.md', () => {
  const text = read('docs/control-protocol.md');
  const source = read('src/control/protocol.ts').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const requests = alternativesOf(source, 'Request');
  const replies = alternativesOf(source, 'Reply');
  /** Where a request is explained: its row of the requests table and its own section. */
  const sectionOf = (type: string) => {
    const start = text.search(new RegExp(`^### .*\`${type}\``, 'm'));
    if (start === -1) return undefined;
    const body = text.indexOf('\n', start);
    const next = text.slice(body).search(/^#{2,3} /m);
    return text.slice(start, next === -1 ? undefined : body + next);
  };
  const named = (field: string, where: string) => where.includes(`\`${field}\``) || where.includes(`"${field}"`);

  it('finds the requests and replies of protocol.ts', () => {
    expect(requests.map(({ types }) => types).flat()).toEqual(expect.arrayContaining(['ports', 'logs', 'scale', 'down']));
    expect(replies.map(({ types }) => types).flat()).toEqual(expect.arrayContaining(['report', 'lines', 'error']));
    expect(requests.find(({ types }) => types.includes('logs'))?.fields).toEqual(['services', 'lines', 'follow', 'notes', 'since']);
  });

  it.each(requests.flatMap(({ types, fields }) => types.map((type) => [type, fields] as const)))(
    'explains the request %s, and each of its fields, in a row of the requests table and a section of its own',
    (type, fields) => {
      const row = new RegExp(`^\\| \`${type}\`(, \`\\w+\`)* \\|.*$|^\\| (\`\\w+\`, )+\`${type}\` \\|.*$`, 'm').exec(text)?.[0];
      expect(row, 'a row in the requests table').toBeDefined();
      const section = sectionOf(type);
      expect(section, `a "### \`${type}\`" section`).toBeDefined();
      expect(section).toContain(`"type":"${type}"`);
      expect(fields.filter((field) => !named(field, row!))).toEqual([]);
    },
  );

  it.each(replies.map(({ types, fields }) => [types.join(', '), types, fields] as const))(
    'shows the reply %s with each of its fields',
    (_, types, fields) => {
      for (const type of types) expect(text).toContain(`"type":"${type}"`);
      expect(fields.filter((field) => !named(field, text))).toEqual([]);
    },
  );

  it.each(['Scale', 'ActionOutcome', 'StartupFailure', 'Incident'])('names each field of %s', (name) => {
    const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
    expect(body, `interface ${name} in protocol.ts`).toBeDefined();
    const fields = topLevelFields(body!);
    expect(fields.length).toBeGreaterThan(1);
    expect(fields.filter((field) => !named(field, text))).toEqual([]);
  });

  it('a request or reply field left out of the docs would be caught', () => {
    const [added] = alternativesOf("export type Request =\n  | { type: 'pause'; services: string[]; until?: number };\n\n", 'Request');
    expect(added).toEqual({ types: ['pause'], fields: ['services', 'until'] });
    expect(sectionOf('pause')).toBeUndefined();
    expect(named('until', text)).toBe(false);
  });
});

/** The alternatives of a union of object types (`export type NAME = | { type: 'a' | 'b'; … } | …;`): their `type`s and other fields. */
function alternativesOf(source: string, name: string): { types: string[]; fields: string[] }[] {
  const start = source.indexOf(`export type ${name} =`);
  expect(start, `export type ${name}`).toBeGreaterThanOrEqual(0);
  const union = source.slice(start, source.indexOf(';\n\n', start) + 1);
  const alternatives: string[] = [];
  let depth = 0;
  let begin = 0;
  for (let i = 0; i < union.length; i++) {
    if (union[i] === '{' && depth++ === 0) begin = i + 1;
    if (union[i] === '}' && --depth === 0) alternatives.push(union.slice(begin, i));
  }
  return alternatives.map((body) => {
    const fields = topLevelFields(body);
    const types = [...(/\btype: ([^;]+)/.exec(body)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((match) => match[1]!);
    return { types, fields: fields.filter((field) => field !== 'type') };
  });
}

/** The names of the fields of an object type's body, not those of the objects inside it. */
function topLevelFields(body: string): string[] {
  let depth = 0;
  let flat = '';
  for (const char of body) {
    if (char === '{' || char === '<') depth++;
    else if (char === '}' || char === '>') depth--;
    else if (depth === 0) flat += char;
  }
  return [...flat.matchAll(/(?:^|[;{\n]|\s)(\w+)\??:/g)].map((match) => match[1]!);
}

interface YamlBlock {
  file: string;
  line: number;
  text: string;
  /** A services.local.yaml: it overrides `base`, the manifest before it in the same file. */
  local: boolean;
  base?: YamlBlock;
}

function yamlBlocks(file: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = read(file).split('\n');
  let manifest: YamlBlock | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !/^\s*```\s*$/.test(lines[i + 1]!)) i++;
    const text = lines.slice(start, i + 1).join('\n');
    i++;
    if (/^#\s*services\.local\.yaml\s*$/.test(lines[start]!)) {
      blocks.push({ file, line: start + 1, text, local: true, ...(manifest && { base: manifest }) });
    } else {
      manifest = { file, line: start + 1, text, local: false };
      blocks.push(manifest);
    }
  }
  return blocks;
}

/** Folders named by `cwd`, files named by `env_file` and manifests named by `include` (without services), which the loader checks, made in `dir`. */
function makeReferencedPaths(dir: string, manifestText: string): void {
  const document = (parse(manifestText, { merge: true }) ?? {}) as {
    env_file?: unknown;
    include?: unknown;
    services?: Record<string, Record<string, unknown>>;
  };
  const envFiles = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]).map(String);
  for (const file of envFiles(document.env_file)) writeFileSync(path.join(dir, file), '');
  for (const file of envFiles(document.include)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), 'services: {}\n');
  }
  for (const [key, service] of Object.entries(document.services ?? {})) {
    for (const file of envFiles(service.env_file)) writeFileSync(path.join(dir, file), '');
    if (typeof service.cwd !== 'string') continue;
    const cwd = service.cwd.replaceAll('${DEVSUP_SERVICE}', key).replace(/\$\{[A-Za-z_]\w*:-([^}]*)\}/g, '$1');
    mkdirSync(path.join(dir, cwd), { recursive: true });
  }
}

describe('the manifests in the documentation', () => {
  const blocks = DOCS.flatMap(yamlBlocks);
  const project = tempProjects();

  it('are found in the README and the recipes', () => {
    expect(blocks.some((block) => block.file === 'README.md')).toBe(true);
    expect(blocks.filter((block) => block.file === 'docs/recipes.md').length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks.map((block) => [`${block.file}:${block.line}`, block] as const))('%s is one devsup accepts', async (_, block) => {
    expect(!block.local || block.base !== undefined, 'a services.local.yaml block follows a manifest').toBe(true);
    const manifest = block.base ?? block;
    const { dir } = project({ 'services.yaml': manifest.text, ...(block.base && { [LOCAL_MANIFEST]: block.text }) });
    makeReferencedPaths(dir, manifest.text);
    const loaded = await loadManifest({ cwd: dir, env: {} }).catch((error: unknown) => {
      throw new Error(`${block.file}:${block.line}: devsup refuses this manifest:\n${(error as Error).message}`);
    });
    expect(loaded.services.length).toBeGreaterThan(0);
    expect(
      schemaErrorsOf(toPlain(loaded.document)),
      `${block.file}:${block.line}: the JSON Schema (schema/services.schema.json) must accept it too`,
    ).toEqual([]);
  });
});
