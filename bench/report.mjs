// What the bench prints, and the JSON summary it can write (BENCH_JSON=path).
//
// A figure is { value, text?, detail?, runs? }: `value` a number (lower is better in every row), or
// null with `text` saying what happened instead ("never", "orphans: …"). Comparison rows print a
// small table — devsup, the best peer, direct, and the ratios — then every tool's figure on one
// line. Rows of devsup alone print one line beside their baseline. Each row may carry a target
// (from the issues): a miss is printed and listed at the end, never thrown.
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const ratio = (value, of) => (typeof value === 'number' && typeof of === 'number' && of > 0 ? `${(value / of).toFixed(2)}×` : '—');

function table(headers, cells) {
  const widths = headers.map((header, i) => Math.max(header.length, cells[i].length));
  const line = (values) => '  ' + values.map((value, i) => value.padStart(widths[i])).join('   ');
  return `${line(headers)}\n${line(cells)}`;
}

export class Report {
  rows = [];
  notes = [];

  /** `tools`: [{ id, label }], devsup first, then the peers that could run. */
  constructor({ runs, tools }) {
    this.runs = runs;
    this.tools = tools;
  }

  note(text) {
    this.notes.push(text);
    console.log(`note: ${text}`);
  }

  /**
   * A row measured across tools: `figures` by tool id (devsup's is required), `direct` the same
   * work without any supervisor where that means something. `ratios: false` for counts, where a
   * quotient says nothing.
   */
  compare({ id, title, note, unit, decimals = 1, figures, direct, ratios = true, target }) {
    const show = (figure) => (figure.value === null ? figure.text : `${figure.value.toFixed(decimals)} ${unit}`);
    const devsup = figures.devsup;
    const peers = this.tools.filter((tool) => tool.id !== 'devsup' && figures[tool.id]);
    const numeric = peers.filter((tool) => figures[tool.id].value !== null);
    const best = numeric.sort((a, b) => figures[a.id].value - figures[b.id].value)[0] ?? peers[0];
    const headers = ['devsup'],
      cells = [show(devsup)];
    if (best) (headers.push(`best peer: ${best.id}`), cells.push(show(figures[best.id])));
    if (direct) (headers.push('direct'), cells.push(show(direct)));
    if (ratios && direct) (headers.push('devsup/direct'), cells.push(ratio(devsup.value, direct.value)));
    if (ratios && best) (headers.push('devsup/best peer'), cells.push(ratio(devsup.value, figures[best.id].value)));
    // A target may ask about any peer: `figures` is passed along (a peer that never got there is null).
    const met = target ? target.ok(devsup, direct, figures, best && figures[best.id]) : undefined;
    console.log(`\n${title} (${unit}, lower is better)`);
    console.log(table(headers, cells));
    const every = [
      ...this.tools.filter((tool) => figures[tool.id]).map((tool) => [tool.id, figures[tool.id]]),
      ...(direct ? [['direct', direct]] : []),
    ];
    console.log(`  every tool: ${every.map(([name, figure]) => `${name} ${show(figure)}${figure.detail ? ` [${figure.detail}]` : ''}`).join(' · ')}`);
    if (note) console.log(`  (${note})`);
    if (target) console.log(`  target for devsup ${target.text}: ${met ? 'OK' : 'MISSED'}`);
    this.rows.push({
      id,
      title,
      unit,
      figures,
      direct,
      note,
      bestPeer: best?.id,
      ratios: ratios
        ? { devsupToDirect: ratio(devsup.value, direct?.value), devsupToBestPeer: ratio(devsup.value, best && figures[best.id].value) }
        : undefined,
      target: target && { text: target.text, met },
    });
  }

  /** A row of devsup alone: its value beside `baseline` (same unit) when there is one. */
  single({ id, title, value, unit, baseline, target }) {
    const met = target.ok(value, baseline);
    const beside = baseline ? ` (${(value / baseline).toFixed(2)}× baseline ${baseline.toFixed(1)} ${unit})` : '';
    console.log(`\n${title}: ${value.toFixed(1)} ${unit}${beside}  target ${target.text} ${met ? 'OK' : 'MISSED'}`);
    this.rows.push({ id, title, unit, figures: { devsup: { value } }, direct: baseline && { value: baseline }, target: { text: target.text, met } });
  }

  /** Prints the missed targets; writes the JSON summary to BENCH_JSON when set. */
  finish(extra = {}) {
    const missed = this.rows.filter((row) => row.target && !row.target.met);
    console.log(missed.length === 0 ? '\nevery target met' : `\ntargets missed: ${missed.map((row) => row.title).join('; ')}`);
    const file = process.env.BENCH_JSON;
    if (!file) return;
    const summary = {
      node: process.version,
      platform: process.platform,
      cores: os.cpus().length,
      runs: this.runs,
      tools: this.tools,
      notes: this.notes,
      rows: this.rows,
      ...extra,
    };
    writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
    console.log(`summary written to ${file}`);
  }
}
