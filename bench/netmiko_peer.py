#!/usr/bin/python3
"""bench:switch peer: the same show / config / save sequence netops runs, with Netmiko, on many
lab switches in parallel (one thread per switch, like Nornir's threaded runner).

Usage: /usr/bin/python3 netmiko_peer.py HOSTS_JSON CONCURRENCY
HOSTS_JSON: [{"host": ..., "port": ...}, ...]; passwords from LAB_PASSWORD / LAB_SECRET.
Prints one JSON document: {"perDevice": [seconds...], "totalSeconds": s, "failed": n, "errors": [...]}.
"""
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from netmiko import ConnectHandler

SHOWS = [
    "show version",
    "show interfaces status",
    "show interfaces status err-disabled",
    "show interfaces GigabitEthernet1/0/19",
    "show running-config interface GigabitEthernet1/0/19",
    "show errdisable recovery",
    "show logging | include LOOP_BACK|ERR_DISABLE|ERR_RECOVER|UPDOWN|CHANGED",
]
CONFIG = [
    "interface GigabitEthernet1/0/19",
    "no keepalive",
    "exit",
    "errdisable recovery cause loopback",
]


def connect(target):
    return ConnectHandler(
        device_type="cisco_ios",
        host=target["host"],
        port=target["port"],
        username="admin",
        password=os.environ["LAB_PASSWORD"],
        secret=os.environ["LAB_SECRET"],
        allow_agent=False,
        use_keys=False,
        ssh_strict=False,
        system_host_keys=False,
        alt_host_keys=False,
        timeout=60,
        banner_timeout=60,
        auth_timeout=60,
        # Debian 12 ships Netmiko 2.4.2, whose default is the slow timing mode: give it its fast one.
        fast_cli=True,
    )


def one(target):
    t0 = time.monotonic()
    # diagnose: one login, the show commands
    conn = connect(target)
    conn.enable()
    for cmd in SHOWS:
        conn.send_command(cmd)
    conn.disconnect()
    # fix-loop: one login, shows, config, save, read-back
    conn = connect(target)
    conn.enable()
    for cmd in SHOWS:
        conn.send_command(cmd)
    # Netmiko 2.x does not detect config errors: check the output, as netops does by default.
    out = conn.send_config_set(CONFIG)
    if "% Invalid" in out or "% Incomplete" in out or "% Ambiguous" in out:
        raise RuntimeError("config rejected: " + out[-200:])
    conn.save_config()
    for cmd in SHOWS[1:]:
        conn.send_command(cmd)
    conn.disconnect()
    return time.monotonic() - t0


def main():
    targets = json.loads(sys.argv[1])
    concurrency = int(sys.argv[2])
    per, errors = [], []
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(one, t) for t in targets]
        for f in futures:
            try:
                per.append(f.result())
            except Exception as e:  # noqa: BLE001 - the bench reports every failure
                errors.append(f"{type(e).__name__}: {e}"[:200])
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"perDevice": per, "totalSeconds": time.monotonic() - t0, "failed": len(errors), "errors": errors[:5],
                      "cpuSeconds": ru.ru_utime + ru.ru_stime}))


if __name__ == "__main__":
    main()
