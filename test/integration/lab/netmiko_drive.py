#!/usr/bin/python3
"""Drive a netops lab switch with Netmiko (Debian's python3-netmiko) and print one JSON document.

Usage: /usr/bin/python3 netmiko_drive.py HOST PORT DEVICE_TYPE USERNAME [--legacy]
The passwords come from the environment (LAB_PASSWORD, LAB_SECRET), never from argv.
Steps: connect, enable(), send_command('show interfaces status' / NX-OS 'show interface status'),
send_config_set([...]) for port 19 and errdisable recovery, save_config(), read back, disconnect.
"""
import json
import os
import sys
import time

from netmiko import ConnectHandler


def main():
    host, port, device_type, username = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    nxos = device_type == "cisco_nxos"
    result = {"deviceType": device_type, "steps": {}}
    t0 = time.monotonic()
    conn = ConnectHandler(
        device_type=device_type,
        host=host,
        port=port,
        username=username,
        password=os.environ["LAB_PASSWORD"],
        secret=os.environ.get("LAB_SECRET", ""),
        allow_agent=False,
        use_keys=False,
        # the lab has a fresh host key every run; host-key checking is netops' job, not this test's
        ssh_strict=False,
        system_host_keys=False,
        alt_host_keys=False,
        timeout=20,
    )
    result["steps"]["connect"] = round(time.monotonic() - t0, 3)
    result["prompt"] = conn.find_prompt()
    t = time.monotonic()
    conn.enable()
    result["steps"]["enable"] = round(time.monotonic() - t, 3)
    result["enabledPrompt"] = conn.find_prompt()
    t = time.monotonic()
    status_cmd = "show interface status" if nxos else "show interfaces status"
    result["status"] = conn.send_command(status_cmd)
    result["steps"]["show"] = round(time.monotonic() - t, 3)
    port19 = "Ethernet1/19" if nxos else "GigabitEthernet1/0/19"
    lines = ["interface " + port19]
    if not nxos:
        lines.append("no keepalive")
    lines += ["errdisable recovery cause loopback", "errdisable recovery interval 300"]
    t = time.monotonic()
    result["config"] = conn.send_config_set(lines)
    result["steps"]["config"] = round(time.monotonic() - t, 3)
    result["configPromptAfter"] = conn.find_prompt()
    t = time.monotonic()
    result["save"] = conn.save_config()
    result["steps"]["save"] = round(time.monotonic() - t, 3)
    result["runningInterface"] = conn.send_command("show running-config interface " + port19)
    result["recovery"] = conn.send_command("show errdisable recovery")
    conn.disconnect()
    result["steps"]["total"] = round(time.monotonic() - t0, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
