import type { LogLine } from '../../output/log-ring.js';
import { formatLocalTime } from '../../output/local-time.js';
import type { ToolAnswer } from './service-entries.js';

/** read_logs answers at most this much text (about 16k tokens): the newest lines are kept. */
const MAX_LOG_TEXT = 64 * 1024;
/** A longer line is cut: one minified bundle printed on a line would fill the answer. */
const MAX_LINE_TEXT = 2000;

/** A line as every MCP answer and notification shows it: cut after MAX_LINE_TEXT characters, saying how long it was. */
export function cutLine(text: string): string {
  return text.length > MAX_LINE_TEXT ? `${text.slice(0, MAX_LINE_TEXT)}… (${text.length} characters)` : text;
}

/** The last `n` lines of each service, keeping their order. */
export function lastPerService(lines: LogLine[], n: number): LogLine[] {
  const left = new Map<string, number>();
  const chosen: LogLine[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const room = left.get(line.service) ?? n;
    if (room === 0) continue;
    left.set(line.service, room - 1);
    chosen.push(line);
  }
  return chosen.reverse();
}

/** Lines as `TIME service | text`, bounded to MAX_LOG_TEXT (the newest kept), and as data. */
export function renderLogLines(lines: LogLine[]): ToolAnswer {
  const rendered: { line: LogLine; text: string }[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const cut = cutLine(line.text);
    const text = `${line.time === undefined ? '' : `${formatLocalTime(line.time)} `}${line.service} | ${cut}`;
    if (size + text.length + 1 > MAX_LOG_TEXT) break;
    size += text.length + 1;
    rendered.push({ line: { ...line, text: cut }, text });
  }
  rendered.reverse();
  const omitted = lines.length - rendered.length;
  const truncated = omitted > 0 || rendered.some(({ line }, index) => line.text !== lines[omitted + index]!.text);
  const note =
    omitted > 0 ? `(${omitted} older lines left out: the answer is limited to ${MAX_LOG_TEXT / 1024} KiB; ask for fewer lines or use grep)\n` : '';
  const body = rendered.length === 0 ? 'no lines.' : rendered.map(({ text }) => text).join('\n');
  return {
    text: `${note}${body}`,
    structured: {
      lines: rendered.map(({ line }) => ({
        service: line.service,
        text: line.text,
        ...(line.time !== undefined && { time: new Date(line.time).toISOString() }),
      })),
      truncated,
      ...(omitted > 0 && { omitted }),
    },
  };
}
