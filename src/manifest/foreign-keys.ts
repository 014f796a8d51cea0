import { suggest } from './suggest.js';

/**
 * Keys of the tools people come from (docker compose, process-compose). Each applies where `beside`
 * is a key devsup knows, so `environment` is answered in a service and at the top level alike;
 * `devsup` is the key to write instead, where there is one.
 */
const FOREIGN_KEYS = new Map<string, { beside: string; devsup?: string; hint?: string }>([
  ['environment', { beside: 'env', devsup: 'env' }],
  ['working_dir', { beside: 'cwd', devsup: 'cwd' }],
  ['healthcheck', { beside: 'ready', devsup: 'ready' }],
  ['readiness_probe', { beside: 'ready', devsup: 'ready' }],
  ['liveness_probe', { beside: 'health', devsup: 'health' }],
  ['entrypoint', { beside: 'command', devsup: 'command' }],
  ['depends', { beside: 'depends_on', devsup: 'depends_on' }],
  ['restart_policy', { beside: 'restart', devsup: 'restart' }],
  ['availability', { beside: 'restart', devsup: 'restart' }],
  ['stop_grace_period', { beside: 'stop_timeout', devsup: 'stop_timeout' }],
  [
    'image',
    {
      beside: 'command',
      hint: 'devsup runs commands, not images: give the program to start as "command" (a container too, e.g. "docker run --rm IMAGE")',
    },
  ],
  ['build', { beside: 'command', hint: 'devsup runs commands, not images: build before, or in the "command"' }],
  ['shutdown', { beside: 'stop_signal', hint: 'devsup calls these "stop_signal" and "stop_timeout"' }],
  ['disabled', { beside: 'autostart', hint: 'devsup says "autostart: false"' }],
  ['version', { beside: 'services', hint: 'not needed: remove it' }],
  ['name', { beside: 'project', devsup: 'project' }],
  ['processes', { beside: 'services', hint: 'devsup calls them "services"' }],
]);

/** What to say after `unknown key "x"`: what devsup calls a foreign key, else the nearest key for a typo, else nothing. */
export function describeUnknownKey(key: string, allowed: readonly string[]): string {
  const foreign = FOREIGN_KEYS.get(key);
  if (foreign && allowed.includes(foreign.beside)) return ` — ${foreign.hint ?? `devsup calls it "${foreign.devsup}"`}`;
  // A typo of a foreign name (`enviroment`) is answered with devsup's name for it.
  const renamed = [...FOREIGN_KEYS].filter(([, { beside, devsup }]) => devsup !== undefined && allowed.includes(beside));
  const near = suggest(key, [...allowed, ...renamed.map(([name]) => name)]);
  const answer = renamed.find(([name]) => name === near)?.[1].devsup ?? near;
  return answer === undefined ? '' : ` — did you mean "${answer}"?`;
}
