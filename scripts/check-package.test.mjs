import { expect, test } from 'vitest';
import { brokenLinks, missingImports, npmWarnings, unexpectedPackageFiles } from './check-package.mjs';

test('the tarball may hold the manifest, README, licence, the bundle, the schema and the docs; sources, tests and unbundled output are unexpected', () => {
  const files = [
    'schema/services.schema.json',
    'docs/manifest.md',
    'package.json',
    'README.md',
    'LICENSE',
    'dist/bin/devsup.js',
    'dist/bin/up-X1.js',
    'dist/cli/main.js',
    'src/cli/main.ts',
    'src/errors.test.ts',
    'test/e2e/up.test.ts',
    'scripts/bundle.mjs',
  ];
  expect(unexpectedPackageFiles(files)).toEqual([
    'dist/cli/main.js',
    'src/cli/main.ts',
    'src/errors.test.ts',
    'test/e2e/up.test.ts',
    'scripts/bundle.mjs',
  ]);
});

test("a bundle file's import of a file the tarball lacks, or of any package, is missing; node's own modules are not", () => {
  const files = {
    'dist/bin/devsup.js': `import{a}from"./chunk-A.js";import fs from 'node:fs';const up=()=>import("./up-B.js");const o=require("os");`,
    'dist/bin/chunk-A.js': `import pc from "picocolors";const text = "from \${template} to ; anything";`,
  };
  expect(missingImports(files)).toEqual(['dist/bin/devsup.js imports ./up-B.js', 'dist/bin/chunk-A.js imports picocolors']);
  files['dist/bin/up-B.js'] = 'export const run = () => 0;';
  // Code kept in a string (ajv's standalone validators) is not an import.
  files['dist/bin/chunk-C.js'] = `uri.code='require("ajv/dist/runtime/uri").default';const f=_\`require("ajv-formats/dist/formats")\`;`;
  files['dist/bin/chunk-A.js'] = 'export const a = 1;';
  expect(missingImports(files)).toEqual([]);
});

test("every npm warning counts; npm's other lines do not", () => {
  expect(npmWarnings('\nadded 1 package in 2s\n')).toEqual([]);
  expect(npmWarnings('npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported\nadded 1 package')).toHaveLength(1);
});

test("a shipped document's relative link to a file the tarball lacks is broken; URLs, anchors, code and links that resolve are not", () => {
  const files = {
    'README.md': '[ref](docs/manifest.md#ports) [cli](docs/cli.md) [site](https://example.org/x.md) [top](#install) `[code](docs/no.md)`',
    'docs/manifest.md': '[back](../README.md) [ports](ports.md#leases) [src](../src/cli/main.ts)\n```\n[fenced](nowhere.md)\n```\n',
    'docs/cli.md': '# CLI\n',
  };
  expect(brokenLinks(files)).toEqual([
    'docs/manifest.md links to ports.md#leases: docs/ports.md is not in the package',
    'docs/manifest.md links to ../src/cli/main.ts: src/cli/main.ts is not in the package',
  ]);
});
