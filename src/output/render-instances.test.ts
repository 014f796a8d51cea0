import { describe, expect, it } from 'vitest';
import { formatUptime, renderInstances, renderInstancesJson, type InstanceSummary } from './render-instances.js';

const shop: InstanceSummary = {
  project: 'shop',
  manifest: '/home/me/shop/services.yaml',
  pid: 6569,
  user: 'me',
  own: true,
  source: 'registry',
  detached: true,
  startedAt: '2025-01-01T10:00:00.000Z',
  uptimeSeconds: 3725,
  services: { ready: 2, total: 3 },
  ports: [
    { service: 'api', name: 'default', port: 8080 },
    { service: 'web', name: 'http', port: 8081 },
    { service: 'web', name: 'metrics', port: 8082 },
  ],
};
const theirs: InstanceSummary = {
  project: 'blog',
  manifest: null,
  pid: 777,
  user: 'bob',
  own: false,
  source: 'leases',
  detached: null,
  startedAt: null,
  uptimeSeconds: null,
  services: null,
  ports: [{ service: 'web', name: null, port: 3000 }],
};

describe('devsup ls rendering', () => {
  it('one aligned row per instance: mode, uptime, ready/total, ports per service, the manifest under ~', () => {
    const unlisted: InstanceSummary = { ...theirs, project: 'old', pid: 12, user: 'me', own: true, ports: [] };
    const worker: InstanceSummary = {
      ...shop,
      project: 'worker',
      pid: 42,
      detached: false,
      uptimeSeconds: 59,
      ports: [],
      manifest: '/srv/w/services.yaml',
    };
    expect(renderInstances([shop, worker, unlisted, theirs], '/home/me').split('\n')).toEqual([
      'PROJECT  PID   USER  MODE        UPTIME  READY  PORTS                    MANIFEST',
      'shop     6569  me    detached    1h 02m  2/3    api 8080, web 8081 8082  ~/shop/services.yaml',
      'worker   42    me    foreground  59s     2/3    -                        /srv/w/services.yaml',
      'old      12    me    unknown     -       -      -                        -',
      'blog     777   bob   other user  -       -      web 3000                 -',
    ]);
  });

  it('says so when none runs', () => {
    expect(renderInstances([])).toBe('no devsup instance runs on this machine');
  });

  it('--json: every field, in the documented order, nulls where unknown', () => {
    const parsed = JSON.parse(renderInstancesJson([shop, theirs])) as { instances: Record<string, unknown>[] };
    expect(Object.keys(parsed.instances[0]!)).toEqual([
      'project',
      'manifest',
      'pid',
      'user',
      'own',
      'source',
      'detached',
      'startedAt',
      'uptimeSeconds',
      'services',
      'ports',
    ]);
    expect(parsed.instances).toEqual([shop, theirs]);
  });

  it('uptime in the two largest units that matter', () => {
    expect([0, 45, 60, 754, 3600, 3725, 86_399, 86_400, 187_200].map(formatUptime)).toEqual([
      '0s',
      '45s',
      '1m',
      '12m',
      '1h 00m',
      '1h 02m',
      '23h 59m',
      '1d 0h',
      '2d 4h',
    ]);
  });
});
