import { stringify } from 'yaml';

/** One service of a starter manifest. */
export interface StarterService {
  key: string;
  command: string;
  port: number;
  /** `none` for a process that need not listen (a Procfile's worker). */
  ready?: 'none';
}

/** Where the services came from, said in the file's first comment. */
export type StarterSource = 'Procfile' | 'package.json' | 'example';

/**
 * The text `devsup init` writes: the services, then commented-out settings a newcomer will want
 * next, so the file teaches the manifest without a trip to the docs. Always a valid manifest.
 */
export function renderStarterManifest(project: string, services: StarterService[], source: StarterSource): string {
  const origin = {
    Procfile: 'Made from your Procfile (ports as foreman gives them).',
    'package.json': 'Made from the scripts in package.json.',
    example: 'An example service: replace its command with yours.',
  }[source];
  const lines = [
    `# devsup manifest. ${origin}`,
    '# `devsup check` validates it, `devsup up` starts everything. Each service gets its port in $PORT;',
    "# other services' ports are ${NAME.port} here and DEVSUP_<NAME>_PORT in their environment.",
    `project: ${scalar(project)}`,
    'services:',
  ];
  for (const service of services) {
    lines.push(`  ${scalar(service.key)}:`, `    command: ${scalar(service.command)}`, `    port: ${service.port}`);
    if (service.ready) lines.push(`    ready: ${service.ready}                      # running once started: it need not listen on its port`);
  }
  lines.push(
    '    # ready: { http: /health }       # ready when this answers 2xx/3xx; by default when the port accepts',
    '    # depends_on: [db]               # start after db is ready',
    '    # env: { LOG_LEVEL: debug }',
    '    # watch: [src]                   # restart on changes under src/',
    '',
  );
  return lines.join('\n');
}

/** A value as YAML writes it on one line, quoted only when it must be. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}
