import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import { installCopy } from '../helpers/installed-copy.js';
import { runCli } from '../helpers/run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA = path.join(ROOT, 'schema/services.schema.json');

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('devsup schema', () => {
  it('prints the JSON Schema of the manifest, as it ships', async () => {
    const { dir } = session.project({});
    const result = await runCli(['schema'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(readFileSync(SCHEMA, 'utf8'));
    expect(JSON.parse(result.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', required: ['services'] });
  });

  it('reads the schema beside the running copy of devsup, wherever it is installed', async () => {
    const { dir } = session.project({});
    const devsup = installCopy(dir);
    const copy = path.join(dir, 'node_modules/devsup/schema/services.schema.json');
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('"title": "devsup manifest', '"title": "this copy\'s devsup manifest'));
    const { stdout } = await promisify(execFile)(process.execPath, [devsup, 'schema'], { cwd: dir });
    expect(stdout).toBe(readFileSync(copy, 'utf8'));
    expect(stdout).toContain("this copy's devsup manifest");
  });

  it('takes no arguments', async () => {
    const { dir } = session.project({});
    const result = await runCli(['schema', 'services.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('devsup schema takes no arguments, got "services.yaml".\nUsage: devsup schema\n');
  });
});
