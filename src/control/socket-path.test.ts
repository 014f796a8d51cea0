import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlSocketPath, ensureRuntimeFolder, isRuntimeSocket, maxSocketPathBytes } from './socket-path.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-sock-'));
  folders.push(folder);
  return folder;
}

const longFolder = `/home/someone/${'deeply-nested-project-folder/'.repeat(4)}.devsup`;

describe('controlSocketPath', () => {
  it('is .devsup/control.sock where that fits', () => {
    expect(controlSocketPath('/home/me/app/.devsup', { platform: 'linux' })).toBe('/home/me/app/.devsup/control.sock');
    expect(isRuntimeSocket('/home/me/app/.devsup/control.sock', '/home/me/app/.devsup')).toBe(false);
  });

  it('moves to a per-user runtime folder when the path would pass the OS limit, the same name for the same folder', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    const socket = controlSocketPath(longFolder, { platform: 'linux', env });
    expect(socket).toMatch(/^\/run\/user\/1000\/devsup\/[0-9a-f]{24}\.sock$/);
    expect(controlSocketPath(longFolder, { platform: 'linux', env })).toBe(socket);
    expect(controlSocketPath(`${longFolder}2`, { platform: 'linux', env })).not.toBe(socket);
    expect(isRuntimeSocket(socket, longFolder)).toBe(true);
    const fallback = controlSocketPath(longFolder, { platform: 'linux', env: {} });
    expect(path.dirname(fallback)).toBe(path.join(os.tmpdir(), `devsup-${process.getuid!()}`));
    expect(Buffer.byteLength(fallback)).toBeLessThanOrEqual(maxSocketPathBytes('linux'));
  });

  it('counts bytes against the limit of each OS: 107 on Linux, 103 on macOS', () => {
    const folder = `/${'a'.repeat(90)}/.devsup`; // 99 bytes + /control.sock = 112
    const fits = `/${'a'.repeat(80)}/.devsup`; // 89 + 13 = 102
    expect(controlSocketPath(fits, { platform: 'darwin' })).toBe(`${fits}/control.sock`);
    expect(controlSocketPath(folder, { platform: 'linux', env: {} })).not.toContain('.devsup/');
    const between = `/${'é'.repeat(44)}/.devsup`; // 2 bytes a letter: 98 + 13 = 111 bytes, 67 characters
    expect(controlSocketPath(between, { platform: 'linux', env: {} })).not.toContain('.devsup/');
  });

  it('is a named pipe on Windows', () => {
    expect(controlSocketPath('C:\\work\\app\\.devsup', { platform: 'win32' })).toMatch(/^\\\\\.\\pipe\\devsup-[0-9a-f]{24}$/);
  });
});

describe('ensureRuntimeFolder', () => {
  it('creates the folder 0700', () => {
    const socket = path.join(tempFolder(), 'runtime', 'x.sock');
    ensureRuntimeFolder(socket);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
  });

  it('refuses a folder others may enter, and a symbolic link', () => {
    const base = tempFolder();
    const open = path.join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(() => ensureRuntimeFolder(path.join(open, 'x.sock'))).toThrow(/refusing to put the control socket in/);
    const target = path.join(base, 'target');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, path.join(base, 'link'));
    expect(() => ensureRuntimeFolder(path.join(base, 'link', 'x.sock'))).toThrow(/not a folder of yours/);
  });
});
