#!/usr/bin/env bash
# One full cloud-init boot of the pristine Debian 12 root, inside private namespaces. Run as PID 1 of
# `unshare --net --uts --mount --pid --fork --mount-proc` (boot.test.ts does this), so when this
# script ends every process, mount, address and iptables rule it made is gone with the namespaces.
#
#   boot.sh FLAVOR ROOT WORK SERVE_CMD
#     FLAVOR    ec2 | openstack | nocloud | cloudstack
#     ROOT      the pristine root from scripts/debootstrap-root.sh (read-only lower layer)
#     WORK      an empty directory: overlay upper/work dirs, and out/ with what the boot produced
#     SERVE_CMD command that starts the metadata server on 127.0.0.1:$PORT and the CloudStack
#               password server on 127.0.0.1:$PW_PORT inside this namespace (waited for by port)
# Environment: VM_IP (the VM's address, 127.x.y.z), VM_MAC (its NIC's MAC), PORT, PW_PORT,
#   FAST_DHCP_FAIL=1 (a dhclient that fails at once in init-local: no DHCP server exists here).
# Results in WORK/out/: rc-<stage>, hostname, authorized_keys, booted, network, shadow-debian,
#   cloud-init.log, cloud-init-output.log, status.json, server.log
set -uo pipefail
FLAVOR=$1 ROOT=$2 WORK=$3 SERVE_CMD=$4
OUT=$WORK/out
mkdir -p "$OUT" "$WORK/upper" "$WORK/work" "$WORK/merged"
exec 2>>"$OUT/boot.log"
set -x
[[ $$ -eq 1 ]] || { echo "boot.sh must be PID 1 of a private PID namespace" >&2; exit 90; }

mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/work" "$WORK/merged" || exit 92
R=$WORK/merged

# --- the VM's network: one NIC, its address, 169.254.169.254 DNAT'ed to the server ---------------
ip link set lo up
ip link add eth0 type veth peer name veth0p || exit 93 # a NIC for cloud-init (no 'dummy' module here)
ip link set eth0 address "$VM_MAC" up
ip link set veth0p up
ip route add 169.254.169.254/32 dev lo src "$VM_IP" || exit 94
iptables -t nat -A OUTPUT -d 169.254.169.254/32 -p tcp --dport 80 -j DNAT --to-destination "127.0.0.1:$PORT" || exit 95
iptables -t nat -A OUTPUT -d 169.254.169.254/32 -p tcp --dport 8080 -j DNAT --to-destination "127.0.0.1:$PW_PORT"
if [[ $FLAVOR == cloudstack ]]; then
  ip route add default via 169.254.169.254 dev eth0 onlink # the virtual router = the default gateway
fi

# --- the metadata server, inside this namespace ---------------------------------------------------
bash -c "$SERVE_CMD" >"$OUT/server.log" 2>&1 &
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 300); do up "$PORT" && up "$PW_PORT" && break; sleep 0.1; done
up "$PORT" && up "$PW_PORT" || { echo "the server is not listening on $PORT and $PW_PORT" >&2; exit 96; }

# --- the guest ------------------------------------------------------------------------------------
echo 'nameserver 127.0.0.1' >"$R/etc/resolv.conf" # DNS fails at once and never leaves
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
mkdir -p "$R/etc/cloud/cloud.cfg.d"
case $FLAVOR in
  ec2) DS=Ec2 ;; openstack) DS=OpenStack ;; nocloud) DS=NoCloud ;; cloudstack) DS=CloudStack ;;
  *) echo "unknown flavor $FLAVOR" >&2; exit 97 ;;
esac
cat >"$R/etc/cloud/cloud.cfg.d/99-netops-e2e.cfg" <<EOF
datasource_list: [$DS, None]
datasource: {Ec2: {strict_id: false, max_wait: 30}, CloudStack: {max_wait: 30}}
disable_network_activation: true
cloud_init_modules: [seed_random, bootcmd, write-files, set_hostname, update_hostname,
                     update_etc_hosts, users-groups, ssh]
cloud_config_modules: [set-passwords, runcmd]
cloud_final_modules: [scripts-per-once, scripts-per-boot, scripts-per-instance, scripts-user, phone-home, final-message]
EOF
if [[ ${FAST_DHCP_FAIL:-1} == 1 ]]; then
  # No DHCP server exists in this namespace: OpenStackLocal's `dhclient -1` would wait 60 s for a
  # lease before the network stage runs the real crawl. This stand-in fails at once instead.
  printf '#!/bin/sh\necho "netops e2e: no DHCP here" >&2\nexit 2\n' >"$R/sbin/dhclient"
  chmod +x "$R/sbin/dhclient"
fi
GUEST_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
[[ $FLAVOR == nocloud ]] && GUEST_ENV+=("DEBUG_PROC_CMDLINE=ds=nocloud-net;s=http://169.254.169.254/nocloud/")

hostname >"$OUT/hostname-before"
stage_rc=0
for stage in "init --local" init "modules --mode=config" "modules --mode=final"; do
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  chroot "$R" "${GUEST_ENV[@]}" cloud-init $stage >>"$OUT/stages.log" 2>&1
  rc=$?
  name=${stage//[^a-z]/-}
  echo "$rc" >"$OUT/rc-${name}"
  echo $((($(date +%s%N) - start) / 1000000)) >"$OUT/ms-${name}"
  ((rc == 0)) || stage_rc=$rc
done

# --- what the boot did ----------------------------------------------------------------------------
hostname >"$OUT/hostname"
cp "$R/home/debian/.ssh/authorized_keys" "$OUT/authorized_keys" 2>/dev/null
cp "$R/run/netops-booted" "$OUT/booted" 2>/dev/null
cat "$R"/etc/network/interfaces.d/* >"$OUT/network" 2>/dev/null
grep '^debian:' "$R/etc/passwd" >"$OUT/passwd-debian"
# Only whether a password hash was set, never the hash itself.
awk -F: '$1=="debian" { print ($2 ~ /^\$/ ? "hash-set" : "no-hash") }' "$R/etc/shadow" >"$OUT/shadow-debian"
cp "$R/var/log/cloud-init.log" "$OUT/cloud-init.log" 2>/dev/null
cp "$R/var/log/cloud-init-output.log" "$OUT/cloud-init-output.log" 2>/dev/null
chroot "$R" "${GUEST_ENV[@]}" cloud-init status --long >"$OUT/status.txt" 2>&1
cp "$R/run/cloud-init/result.json" "$OUT/result.json" 2>/dev/null
echo "$stage_rc" >"$OUT/rc"
exit 0
