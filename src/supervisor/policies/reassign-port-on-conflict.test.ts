import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { findFreePorts } from '../../../test/helpers/free-port.js';
import { explainPortConflict, findAddressInUse } from './reassign-port-on-conflict.js';

describe('findAddressInUse', () => {
  it.each([
    ['Node', 'Error: listen EADDRINUSE: address already in use :::18700'],
    ['Python http.server', 'OSError: [Errno 98] Address already in use'],
    ['uvicorn', "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 18700): address already in use"],
    ['Python on macOS', 'OSError: [Errno 48] Address already in use'],
    ['Go', 'listen tcp :18700: bind: address already in use'],
    ['Rust', 'Error: Os { code: 98, kind: AddrInUse, message: "Address already in use" }'],
    ['Java', 'java.net.BindException: Address already in use'],
    ['Ruby', 'Address already in use - bind(2) for "0.0.0.0" port 18700 (Errno::EADDRINUSE)'],
    ['Windows', '[WinError 10048] Only one usage of each socket address (protocol/network address/port) is normally permitted'],
    ['gunicorn', "[ERROR] Connection in use: ('0.0.0.0', 8000)"],
    ['gradio', 'OSError: Cannot find empty port in range: 7860-7959'],
  ])('recognises %s', (_runtime, line) => {
    expect(findAddressInUse(['starting', line, 'bye'])).toBe(line);
  });

  it('ignores other failures', () => {
    expect(findAddressInUse(['Error: Cannot find module ./app.js', 'permission denied: /etc/shadow'])).toBeUndefined();
  });
});

describe('explainPortConflict', () => {
  it('names a process that now listens on the port', async () => {
    const port = await findFreePorts(1);
    const holder = net.createServer().listen(port);
    await once(holder, 'listening');
    try {
      expect((await explainPortConflict(port, undefined))?.text).toMatch(new RegExp(`^it is held by pid ${process.pid}: `));
    } finally {
      holder.close();
    }
  });

  it('says nothing for a free port unless the output complained: a plain crash keeps its port', async () => {
    const port = await findFreePorts(1);
    expect(await explainPortConflict(port, undefined)).toBeUndefined();
    expect(await explainPortConflict(port, 'Error: listen EADDRINUSE :::1')).toEqual({
      text: 'it said: Error: listen EADDRINUSE :::1',
      held: false,
      timeWaitOnly: false,
    });
  });
});
