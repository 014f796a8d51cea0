import { readFileSync } from 'node:fs';
import os from 'node:os';
import { readDevsupMark, readDevsupMarkFromProc } from './devsup-mark.js';
import { parseTasklistVerbose } from './netstat.js';
import type { DevsupMark } from './port-types.js';
import { readProcOwner, readProcStat } from './proc-stat.js';
import { readCommandLine } from './proc-net.js';
import { readToolOutput } from './run-tool.js';

/** What `devsup who` tells about a process, as far as the OS lets this user see. */
export interface ProcessFacts {
  command?: string;
  uid?: number;
  user?: string;
  startedAt?: Date;
  devsup?: DevsupMark;
}

/** Linux: /proc, no external tools. macOS and other Unixes: `ps`. Windows: `tasklist /V`. */
export async function readProcessFacts(pid: number): Promise<ProcessFacts> {
  if (process.platform === 'linux') return readProcFacts(pid);
  if (process.platform === 'win32') {
    const output = await readToolOutput('tasklist', ['/V', '/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH']);
    const row = parseTasklistVerbose(output ?? '');
    return row ? { command: row.image, user: row.user } : {};
  }
  const [output, devsup] = await Promise.all([
    readToolOutput('ps', ['-ww', '-o', 'uid=,user=,lstart=,command=', '-p', String(pid)]),
    readDevsupMark(pid),
  ]);
  return { ...(output === null ? {} : parsePsFacts(output)), ...(devsup ? { devsup } : {}) };
}

function readProcFacts(pid: number): ProcessFacts {
  const facts: ProcessFacts = {};
  const command = readCommandLine(pid);
  if (command) facts.command = command;
  const uid = readProcOwner(pid);
  if (uid === undefined) return facts; // gone meanwhile
  facts.uid = uid;
  const user = userNameOf(facts.uid);
  if (user) facts.user = user;
  const startedAt = readProcStartTime(pid);
  if (startedAt) facts.startedAt = startedAt;
  const devsup = readDevsupMarkFromProc(pid);
  if (devsup) facts.devsup = devsup;
  return facts;
}

// /proc reports times in USER_HZ, which the kernel fixes at 100 for user space on every mainstream
// architecture (whatever CONFIG_HZ is); asking `getconf CLK_TCK` would need an external tool.
const USER_HZ = 100;
let bootSeconds: number | undefined;

/** Field 22 of /proc/PID/stat (clock ticks after boot) plus the boot time from /proc/stat. */
function readProcStartTime(pid: number): Date | undefined {
  try {
    bootSeconds ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
  const ticks = Number(readProcStat(pid)?.startTicks);
  if (!Number.isFinite(bootSeconds) || !Number.isFinite(ticks)) return undefined;
  return new Date((bootSeconds + ticks / USER_HZ) * 1000);
}

let passwd: Map<number, string> | undefined;

/** A uid's user name: our own from the OS, others' from /etc/passwd; undefined when unnamed (e.g. a container's uid). */
export function userNameOf(uid: number): string | undefined {
  const self = os.userInfo();
  if (uid === self.uid) return self.username;
  try {
    passwd ??= parsePasswd(readFileSync('/etc/passwd', 'utf8'));
  } catch {
    passwd = new Map();
  }
  return passwd.get(uid);
}

/** `/etc/passwd`: `name:x:uid:gid:…` a line. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

// `  501 alice  Sat Nov 22 03:40:12 2025     node server.js`: lstart is always five words.
const PS_FACTS = /^\s*(\d+)\s+(\S+)\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s+\d{4})\s+(.*?)\s*$/m;

/** `ps -ww -o uid=,user=,lstart=,command= -p PID`. */
export function parsePsFacts(text: string): ProcessFacts {
  const match = PS_FACTS.exec(text);
  if (!match) return {};
  const [, uid, user, lstart = '', command] = match;
  const startedAt = new Date(lstart.replace(/\s+/g, ' '));
  return { uid: Number(uid), user, ...(Number.isNaN(startedAt.getTime()) ? {} : { startedAt }), ...(command ? { command } : {}) };
}
