import { describe, expect, it } from 'vitest';
import { renderLogLines } from './render-log-lines.js';

describe('renderLogLines (read_logs)', () => {
  it('renders each line with its service, and its arrival time when known', () => {
    const answer = renderLogLines([
      { service: 'web', text: 'listening', time: Date.UTC(2025, 0, 2, 3, 4, 5) },
      { service: 'api', text: 'no time known' },
    ]);
    expect(answer.text.split('\n')).toEqual([
      expect.stringMatching(/^2025-01-0\dT\d\d:04:05\.000[+-]\d\d:\d\d web \| listening$/),
      'api | no time known',
    ]);
    expect(answer.structured).toEqual({
      lines: [
        { service: 'web', text: 'listening', time: '2025-01-02T03:04:05.000Z' },
        { service: 'api', text: 'no time known' },
      ],
      truncated: false,
    });
  });

  it('keeps the newest lines within 64 KiB and says how many older ones it left out', () => {
    const lines = Array.from({ length: 2000 }, (_, index) => ({ service: 'web', text: `${String(index).padStart(4, '0')} ${'x'.repeat(95)}` }));
    const answer = renderLogLines(lines);
    const structured = answer.structured as { lines: { text: string }[]; truncated: boolean; omitted: number };
    expect(answer.text.length).toBeLessThanOrEqual(64 * 1024 + 200);
    expect(structured.truncated).toBe(true);
    expect(structured.omitted).toBe(2000 - structured.lines.length);
    expect(structured.lines.at(-1)!.text).toMatch(/^1999 /);
    expect(answer.text).toMatch(new RegExp(`^\\(${structured.omitted} older lines left out`));
  });

  it('cuts a line longer than 2,000 characters, saying how long it was', () => {
    const answer = renderLogLines([{ service: 'web', text: 'y'.repeat(5000) }]);
    const structured = answer.structured as { lines: { text: string }[]; truncated: boolean };
    expect(structured.lines[0]!.text).toBe(`${'y'.repeat(2000)}… (5000 characters)`);
    expect(structured.truncated).toBe(true);
  });

  it('says so when there is no line', () => {
    expect(renderLogLines([]).text).toBe('no lines.');
  });
});
