#!/usr/bin/env python3
"""Run a command on a pseudo-terminal and type into it, for tests of terminal behaviour.

argv[1] is JSON: {"argv": [...], "waitFor": "Password: ", "keys": ["ab", "\u007f", "\r"], "timeoutS": 20}
Once `waitFor` has appeared in the output, each string in `keys` is written separately (a short
pause between them, so each arrives as its own read). Prints JSON: {"output", "exitCode", "signal"}.
"""
import json
import os
import pty
import select
import sys
import time

spec = json.loads(sys.argv[1])
deadline = time.time() + spec.get('timeoutS', 20)
pid, fd = pty.fork()
if pid == 0:
    os.execvp(spec['argv'][0], spec['argv'])

output = b''


def pump(until):
    """Read output until `until()` is true, the child closes the terminal, or the deadline passes."""
    global output
    while not until() and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        output += data


pump(lambda: spec['waitFor'].encode() in output)
for key in spec['keys']:
    os.write(fd, key.encode())
    time.sleep(0.1)
pump(lambda: False)
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({
    'output': output.decode('utf8', 'replace'),
    'exitCode': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
}))
