import { describe, expect, it } from 'vitest';
import type { PortInspection } from '../ports/inspect-port.js';
import { formatAge, formatLocalTime, isFree, renderWho, renderWhoJson } from './render-who.js';

const now = new Date(2025, 10, 22, 12, 0, 0);
const started = new Date(2025, 10, 22, 11, 48, 30);

function inspection(fields: Partial<PortInspection>): PortInspection {
  return { port: 10500, holders: [], timeWait: false, unseen: false, forbidden: false, ...fields };
}

const devsupChild = inspection({
  holders: [
    {
      state: 'listen',
      pid: 41230,
      command: 'node llm.js --model default',
      uid: 1000,
      user: 'alice',
      startedAt: started,
      addresses: ['0.0.0.0', '::'],
      devsup: { service: 'llm', instance: 41200, manifest: '/home/alice/app/services.yaml', running: true },
    },
  ],
  lease: { port: 10500, pid: 41200, project: 'app', service: 'llm', manifest: '/home/alice/app/services.yaml', createdAt: '' },
});

describe('renderWho', () => {
  it('names a devsup service: pid, command, user, since when, addresses, instance, lease', () => {
    expect(renderWho(devsupChild, now)).toBe(
      [
        'port 10500 is held by pid 41230: node llm.js --model default',
        '  user:      alice (uid 1000)',
        `  since:     ${formatLocalTime(started)} (11 min ago)`,
        '  addresses: 0.0.0.0, ::',
        '  devsup:    service llm of /home/alice/app/services.yaml (devsup pid 41200)',
        '  lease:     leased by devsup pid 41200 for project app (service llm), /home/alice/app/services.yaml',
      ].join('\n'),
    );
    expect(isFree(devsupChild)).toBe(false);
  });

  it('masks the secrets in a command line, as text and as JSON', () => {
    const leaky = inspection({
      holders: [{ state: 'listen', pid: 7, command: 'node app.js --api-key s3cret https://u:pw@x.io', addresses: ['::1'] }],
    });
    expect(renderWho(leaky, now)).toContain('port 10500 is held by pid 7: node app.js --api-key •••••• https://••••••@x.io\n');
    expect(JSON.parse(renderWhoJson(leaky)).holders[0].command).toBe('node app.js --api-key •••••• https://••••••@x.io');
  });

  it('says when a devsup service outlived its instance', () => {
    const orphan = inspection({
      holders: [{ state: 'listen', pid: 7, addresses: ['::1'], devsup: { service: 'web', instance: 6, running: false } }],
    });
    expect(renderWho(orphan, now)).toBe(
      ['port 10500 is held by pid 7', '  address:   ::1', '  devsup:    service web, left running by devsup pid 6, which is gone'].join('\n'),
    );
  });

  it('says whose process it is when the OS will not name it, and what shows it', () => {
    const hidden = inspection({
      holders: [{ state: 'listen', uid: 1001, user: 'bob', addresses: ['127.0.0.1'] }],
      lookup: "sudo ss -ltnp 'sport = :10500'",
    });
    expect(renderWho(hidden, now)).toBe(
      [
        'port 10500 is held by a process of bob (uid 1001) that the OS will not name to this user',
        '  address:   127.0.0.1',
        "  to see it: sudo ss -ltnp 'sport = :10500'",
      ].join('\n'),
    );
    const unseen = inspection({ unseen: true, lookup: 'sudo lsof -nP -iTCP:10500 -sTCP:LISTEN' });
    expect(renderWho(unseen, now)).toBe(
      [
        "port 10500 is in use, but no holder is visible to this user (another user's process, or another network namespace such as a container)",
        '  to see it: sudo lsof -nP -iTCP:10500 -sTCP:LISTEN',
      ].join('\n'),
    );
    expect(isFree(unseen)).toBe(false);
  });

  it('marks a connection as no listener', () => {
    const client = inspection({ port: 51000, holders: [{ state: 'connection', pid: 9, command: 'curl x', addresses: ['127.0.0.1'] }] });
    expect(renderWho(client, now).split('\n')[0]).toBe(
      'port 51000 is used by pid 9: curl x (the local end of a connection, not a listener: nothing can listen on the port while it lasts)',
    );
  });

  it('says free, with what may still get in the way: TIME_WAIT, privileges, a lease', () => {
    expect(renderWho(inspection({}), now)).toBe('port 10500 is free');
    expect(renderWho(inspection({ timeWait: true }), now)).toBe(
      "port 10500 is free, but only connections in TIME_WAIT remain (the kernel's, not a process's): a program that binds without SO_REUSEADDR may fail for up to 60 s",
    );
    expect(renderWho(inspection({ port: 80, forbidden: true }), now)).toBe(
      'port 80 is free, but this user may not bind it (below 1024 needs privileges, or the OS reserves it)',
    );
    expect(renderWho({ ...devsupChild, holders: [] }, now)).toBe(
      'port 10500 is free, but it is leased by devsup pid 41200 for project app (service llm), /home/alice/app/services.yaml, so no other devsup instance will be given it',
    );
    expect(isFree(inspection({ timeWait: true }))).toBe(true);
  });
});

describe('renderWhoJson', () => {
  it('prints every key, null where a fact is unknown', () => {
    expect(JSON.parse(renderWhoJson(devsupChild))).toEqual({
      port: 10500,
      free: false,
      holders: [
        {
          state: 'listen',
          pid: 41230,
          command: 'node llm.js --model default',
          user: 'alice',
          uid: 1000,
          since: started.toISOString(),
          addresses: ['0.0.0.0', '::'],
          devsup: { service: 'llm', instance: 41200, manifest: '/home/alice/app/services.yaml', running: true },
        },
      ],
      timeWait: false,
      forbidden: false,
      lease: { pid: 41200, project: 'app', service: 'llm', manifest: '/home/alice/app/services.yaml' },
      hint: null,
    });
    expect(JSON.parse(renderWhoJson(inspection({ holders: [{ state: 'listen', uid: 1001, addresses: [] }] }))).holders[0]).toEqual({
      state: 'listen',
      pid: null,
      command: null,
      user: null,
      uid: 1001,
      since: null,
      addresses: [],
      devsup: null,
    });
  });
});

describe('formatAge', () => {
  it('counts seconds, minutes, hours and days', () => {
    expect([0, 59_000, 61_000, 3_600_000 + 120_000, 49 * 3_600_000].map(formatAge)).toEqual([
      '0 s ago',
      '59 s ago',
      '1 min ago',
      '1 h 2 min ago',
      '2 days ago',
    ]);
  });
});
