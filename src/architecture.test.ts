import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/README.md: a module imports from its own folder and from the layers below it,
 * never above (`cli → ui → control → output → supervisor → ports → manifest → errors, secrets, files`),
 * and no import cycle exists anywhere, type-only imports included.
 */
const SRC = path.dirname(fileURLToPath(import.meta.url));
const LAYERS = ['base', 'manifest', 'ports', 'supervisor', 'output', 'control', 'ui', 'cli'];

function layerOf(file: string): string {
  const [top] = path.relative(SRC, file).split(path.sep);
  return top !== undefined && LAYERS.includes(top) ? top : 'base'; // errors.ts, secrets.ts, files/
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every relative module a file imports (static, type-only, re-exported or dynamic), as .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.[^']+)'/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const shown = (file: string) => path.relative(SRC, file);

describe('the architecture of src/', () => {
  it('every relative import names a module that exists', () => {
    const missing = [...graph].flatMap(([file, imports]) =>
      imports.filter((target) => !graph.has(target)).map((target) => `${shown(file)} → ${shown(target)}`),
    );
    expect(missing).toEqual([]);
  });

  it('imports point down the layers only', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf(layerOf(file)))
        .map((target) => `${shown(file)} → ${shown(target)}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'visiting');
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === 'visiting') cycles.push([...stack.slice(stack.indexOf(target)), target].map(shown).join(' → '));
        else if (!state.has(target) && graph.has(target)) visit(target);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
