import { describe, expect, it } from 'vitest';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { IncidentLog } from './incident-log.js';

interface FakeRunner {
  status: ServiceStatus;
  restarts: number;
  detail?: string;
  lastExit?: { code: number | null; signal: string | null; at: number };
}

/** What IncidentLog reads of a supervisor: its runners, and each service's last lines. */
function fakeSupervisor(lines: (service: string) => string[]) {
  const runners = new Map<string, FakeRunner>();
  const supervisor = { runners, output: { tail: (service: string, n: number) => lines(service).slice(-n) } } as unknown as Supervisor;
  return { runners, supervisor };
}

describe('IncidentLog', () => {
  it('records each crash, failure and failing health check with its time, tells listeners, and gives those since a time', () => {
    const { runners, supervisor } = fakeSupervisor((service) => [`${service} says goodbye`]);
    runners.set('web', { status: 'starting', restarts: 0 });
    const log = new IncidentLog(supervisor);
    const heard: string[] = [];
    const stop = log.onIncident((incident) => heard.push(`${incident.service} ${incident.status}`));

    const before = Date.now();
    runners.set('web', { status: 'restarting', restarts: 1, detail: 'exited with code 3', lastExit: { code: 3, signal: null, at: before } });
    log.check();
    log.check(); // nothing moved: nothing new
    runners.set('api', { status: 'failed', restarts: 0, detail: 'command not found: api' }); // a service added meanwhile
    log.check();
    stop();
    runners.set('web', { status: 'crashed', restarts: 1, lastExit: { code: 3, signal: null, at: Date.now() } });
    log.check();

    expect(heard).toEqual(['web restarting', 'api failed']);
    const all = log.since(before);
    expect(all.map((incident) => `${incident.service} ${incident.status}`)).toEqual(['web restarting', 'api failed', 'web crashed']);
    expect(all[0]).toMatchObject({ detail: 'exited with code 3', exit: { code: 3, signal: null }, restarts: 1, lastLines: ['web says goodbye'] });
    expect(all[1]).not.toHaveProperty('exit');
    expect(all.every((incident) => incident.at! >= before && incident.at! <= Date.now())).toBe(true);
    expect(log.since(Date.now() + 1)).toEqual([]);
  });

  it('keeps the newest 100 incidents, and no more than 1 MiB of their lines', () => {
    let width = 10;
    const { runners, supervisor } = fakeSupervisor(() => Array.from({ length: 10 }, () => 'x'.repeat(width)));
    const log = new IncidentLog(supervisor);
    const crash = (restarts: number) => {
      runners.set('web', { status: 'restarting', restarts, lastExit: { code: 1, signal: null, at: Date.now() } });
      log.check();
    };
    for (let restarts = 1; restarts <= 150; restarts++) crash(restarts);
    const kept = log.since(0);
    expect(kept).toHaveLength(100);
    expect(kept[0]!.restarts).toBe(51);

    width = 64 * 1024; // 640 KiB of lines an incident: one more fits no longer beside it
    crash(151);
    crash(152);
    expect(log.since(0).map((incident) => incident.restarts)).toEqual([152]);
  });

  it('with the runner that changed, looks at that service alone, as the supervisor calls it', () => {
    const { runners, supervisor } = fakeSupervisor((service) => [`${service} says goodbye`]);
    runners.set('web', { status: 'running', restarts: 0 });
    runners.set('api', { status: 'running', restarts: 0 });
    const log = new IncidentLog(supervisor);
    runners.set('web', { status: 'crashed', restarts: 0 });
    runners.set('api', { status: 'failed', restarts: 0 });
    log.check({ spec: { key: 'api' } } as ServiceRunner);
    expect(log.since(0).map((incident) => `${incident.service} ${incident.status}`)).toEqual(['api failed']);
    log.check({ spec: { key: 'web' } } as ServiceRunner);
    expect(log.since(0).map((incident) => `${incident.service} ${incident.status}`)).toEqual(['api failed', 'web crashed']);
  });
});
