"""Runs a command in a pseudo-terminal of a given size, for the e2e tests of `devsup ui`.

Usage: python3 pty-host.py [--no-controlling-terminal] COLUMNS ROWS COMMAND...

The command's terminal output comes out on stdout as it is. Stdin takes one JSON object a line:
{"keys": "..."} types those characters; {"resize": [COLUMNS, ROWS]} resizes the terminal (the
command gets SIGWINCH). With --no-controlling-terminal the terminal is not the command's controlling
terminal: when this host dies, the command's writes fail (EIO) but no SIGHUP is sent. Once the command exits, this exits with its exit code (128 + N after signal N).
"""
import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios


def set_size(fd, columns, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def main():
    arguments = sys.argv[1:]
    controlling = arguments[0] != "--no-controlling-terminal"
    if not controlling:
        arguments = arguments[1:]
    columns, rows = int(arguments[0]), int(arguments[1])
    master, slave = os.openpty()
    set_size(slave, columns, rows)

    def controlling_terminal():
        os.setsid()
        if controlling:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(arguments[2:], stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal, close_fds=True)
    os.close(slave)
    pending = b""
    stdin_open = True
    while True:
        readers = [master] + ([sys.stdin.fileno()] if stdin_open else [])
        ready, _, _ = select.select(readers, [], [], 0.05)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            elif child.poll() is not None:
                break
        if stdin_open and sys.stdin.fileno() in ready:
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                stdin_open = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if not line.strip():
                    continue
                message = json.loads(line)
                if "keys" in message:
                    os.write(master, message["keys"].encode("utf-8"))
                if "resize" in message:
                    set_size(master, *message["resize"])
                    try:
                        os.killpg(os.getpgid(child.pid), signal.SIGWINCH)
                    except ProcessLookupError:
                        pass
        if not ready and child.poll() is not None:
            break
    code = child.wait()
    sys.exit(128 - code if code < 0 else code)


main()
