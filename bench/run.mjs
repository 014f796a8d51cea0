// `npm run bench`: devsup's speed and memory beside the tools users would pick instead
// (concurrently, node-foreman, Ruby foreman) and beside the same work done directly, all measured
// in the same run. Medians of BENCH_RUNS runs (default 5); BENCH_JSON=path also writes a JSON
// summary. `node bench/run.mjs ROW…` runs only the rows named (see `rows` below).
import os from 'node:os';
import { idleCost, logThroughput, restartAfterKill, stopOnSigint, survivorsOfSigkill, upUntilAnswering } from './compare-rows.mjs';
import {
  allocateDisplaced,
  checkLargeManifest,
  completeServices,
  helpStart,
  idleWatched,
  portsJsonRoundTrip,
  saveToReady,
  whoWithManySockets,
} from './devsup-rows.mjs';
import { removeTempFolders } from './lib.mjs';
import { measurePackageSize } from './package-size.mjs';
import { preparePeers } from './peers.mjs';
import { endEverythingOnExit } from './processes.mjs';
import { Report } from './report.mjs';
import { toolsFrom } from './tools.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const rows = {
  help: (report) => helpStart(report, RUNS),
  complete: (report) => completeServices(report, RUNS),
  up10: (report, tools) => upUntilAnswering(report, tools, RUNS, 10),
  up30: (report, tools) => upUntilAnswering(report, tools, RUNS, 30),
  logs: (report, tools) => logThroughput(report, tools, RUNS),
  idle: (report, tools) => idleCost(report, tools, RUNS),
  restart: (report, tools) => restartAfterKill(report, tools, RUNS),
  sigint: (report, tools) => stopOnSigint(report, tools, RUNS),
  sigkill: (report, tools) => survivorsOfSigkill(report, tools, RUNS),
  idleWatched: (report) => idleWatched(report),
  save: (report) => saveToReady(report, RUNS),
  portsJson: (report) => portsJsonRoundTrip(report, RUNS),
  allocate: (report) => allocateDisplaced(report, RUNS),
  who: (report) => whoWithManySockets(report, RUNS),
  check5mb: (report) => checkLargeManifest(report, RUNS),
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => name !== 'size' && !(name in rows));
if (unknown.length > 0) {
  console.error(`unknown row ${unknown.join(', ')}; rows: ${[...Object.keys(rows), 'size'].join(', ')}`);
  process.exit(2);
}
endEverythingOnExit(removeTempFolders);

console.log(`devsup benchmark — ${RUNS} runs each, medians; node ${process.version}, ${process.platform}, ${os.cpus().length} cores`);
const peers = preparePeers();
const tools = toolsFrom(peers);
const report = new Report({ runs: RUNS, tools: tools.map(({ id, label }) => ({ id, label })) });
for (const note of peers.notes) report.note(note);
if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
  // Every node start then reads and parses that bundle first: 56 ms of CPU per start on the 2-core machine
  // these rows were made on (node -e 0: 94 ms with it, 38 ms without). It would inflate every baseline
  // (ten servers started directly pay it ten times) and hide what devsup itself costs.
  delete process.env.NODE_EXTRA_CA_CERTS;
  report.note('NODE_EXTRA_CA_CERTS is unset for every command the bench runs: it makes each node start read a CA bundle');
}
console.log(`tools: ${tools.map((tool) => tool.label).join(', ')}`);
for (const [name, row] of Object.entries(rows)) if (only.length === 0 || only.includes(name)) await row(report, tools);
const packageSize = only.length === 0 || only.includes('size') ? await measurePackageSize() : undefined;
report.finish({ packageSize });
