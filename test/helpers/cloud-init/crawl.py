#!/usr/bin/python3
"""Run cloud-init's own datasource code (Debian 12: 22.4.2) against a metadata server, as one VM.

Usage (PYTHONPATH = the tree unpacked by scripts/fetch-cloud-init.sh; run with /usr/bin/python3):

  crawl.py --flavor ec2|openstack|nocloud|cloudstack --server 127.0.0.1:PORT --source 127.0.0.23
           [--password-server 127.0.0.1:PORT] [--nic 52:54:00:00:00:17=eth0 ...] [--deadline 60]
           [--imdsv2] [--nocloud-seed http://169.254.169.254/nocloud/] [--phone-home]

What is real: the datasource classes (DataSourceEc2, DataSourceOpenStack, DataSourceNoCloudNet,
DataSourceCloudStack), their get_data() (crawl + parse + persist instance data), url_helper, requests,
and the wget call of CloudStack's password client. What is patched, only so the host is not touched
and the VM is simulated:
  - SMBIOS: dmi.read_dmi_data answers from a fake table that positively identifies the flavour
    (product "OpenStack Nova"; serial "ds=nocloud-net;s=<seed>"; "CloudStack KVM Hypervisor";
    an ec2 uuid+serial with --imdsv2, otherwise nothing, i.e. an unknown platform with strict_id warn).
  - The network: every TCP connection is made from --source (the server identifies VMs by source
    address) and a connection to 169.254.169.254:80 goes to --server, :8080 to --password-server,
    as the host's DNAT would do. Any other destination than loopback is refused. No DNS lookups
    (cloud-init's DNS-redirect probe is pre-answered; the CloudStack router is 169.254.169.254).
  - NICs: net.get_interfaces_by_mac / find_fallback_nic answer from --nic (default: none known).
  - Paths, the Distro and the kernel command line are private (a temp dir, DEBUG_PROC_CMDLINE).

Prints one JSON document on stdout: ok, flavor, dsname, instanceId, localHostname, publicKeys,
userDataB64 (raw bytes), vendorData, vendorData2, networkConfig, metadata, passwordSha256
(CloudStack; the password itself is never printed), requests ([method, url, status]), elapsedS,
and on failure error + log tail. With --phone-home, after the datasource claimed the VM, cloud-init's
own cc_phone_home module runs with the `phone_home:` config found in the served cloud-config parts
(vendor-data, or user-data on Ec2), as the final stage would (its POST, retries every 3 s, goes
through the same redirect); `phoneHome` reports what it found and the last POST's status. Exit 0 = the datasource claimed the VM, 3 = it did not,
5 = --deadline passed (a request hung), 2 = usage.
"""

import argparse
import base64
import hashlib
import io
import ipaddress
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

IMDS = "169.254.169.254"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--flavor", required=True, choices=["ec2", "openstack", "nocloud", "cloudstack"])
    p.add_argument("--server", required=True, help="host:port of the metadata server (HTTP)")
    p.add_argument("--password-server", help="host:port of the CloudStack password server")
    p.add_argument("--source", required=True, help="the VM's address (a loopback 127.x.y.z)")
    p.add_argument("--nic", action="append", default=[], help="MAC=name, a NIC the VM has")
    p.add_argument("--deadline", type=float, default=90.0)
    p.add_argument("--imdsv2", action="store_true", help="ec2: identify as AWS (token PUT first)")
    p.add_argument("--nocloud-seed", default="http://%s/nocloud/" % IMDS)
    p.add_argument("--max-wait", type=int, default=20, help="ec2/cloudstack discovery budget (s)")
    p.add_argument("--phone-home", action="store_true", help="run cc_phone_home with the served phone_home config")
    return p.parse_args()


def hostport(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def main():
    args = parse_args()
    started = time.monotonic()
    out = {"ok": False, "flavor": args.flavor, "source": args.source, "requests": []}

    tmp_dirs = []

    def finish(code, **extra):
        for d in tmp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        out.update(extra)
        out["elapsedS"] = round(time.monotonic() - started, 3)
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
        sys.stdout.flush()
        os._exit(code)

    log_buf = io.StringIO()
    handler = logging.StreamHandler(log_buf)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def log_tail(n=40):
        return log_buf.getvalue().splitlines()[-n:]

    def on_deadline(_sig, _frm):
        finish(5, error="deadline of %ss passed (a request hung, or cloud-init kept retrying)" % args.deadline, log=log_tail())

    signal.signal(signal.SIGALRM, on_deadline)
    signal.setitimer(signal.ITIMER_REAL, args.deadline)

    source = str(ipaddress.ip_address(args.source))
    if not ipaddress.ip_address(source).is_loopback:
        finish(2, error="--source must be a loopback address, got %s" % source)
    server = hostport(args.server)
    pwserver = hostport(args.password_server) if args.password_server else None
    nics = {}
    for spec in args.nic:
        mac, _, name = spec.partition("=")
        nics[mac.lower()] = name

    # ---- the network: source address, DNAT of the IMDS address, loopback only --------------------
    def redirect(address):
        host, port = address[0], address[1]
        if host == IMDS and port == 80:
            return server
        if host == IMDS and port == 8080 and pwserver:
            return pwserver
        return (host, port)

    def guarded(real):
        def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *a, **kw):
            dest = redirect(address)
            try:
                loop = ipaddress.ip_address(dest[0]).is_loopback
            except ValueError:
                loop = dest[0] == "localhost"
            if not loop:
                raise OSError("crawl.py: refusing a connection to %s:%s (loopback only)" % tuple(address[:2]))
            return real(dest, timeout, (source, 0), *a, **kw)

        return create_connection

    socket.create_connection = guarded(socket.create_connection)
    import urllib3.util.connection as u3conn  # what urllib3 (under requests) really connects with

    u3conn.create_connection = guarded(u3conn.create_connection)

    # ---- a private world for cloud-init ------------------------------------------------------------
    tmp = tempfile.mkdtemp(prefix="netops-crawl-")
    tmp_dirs.append(tmp)
    os.environ["DEBUG_PROC_CMDLINE"] = "netops-crawl"  # not the host's /proc/cmdline
    try:
        from cloudinit import dmi, distros, helpers, net, subp, util
        from cloudinit import sources
        from cloudinit.sources import DataSourceCloudStack, DataSourceEc2, DataSourceNoCloud
        from cloudinit.sources import DataSourceOpenStack
        import requests
    except ImportError as e:
        finish(2, error="cannot import cloud-init (PYTHONPATH=%s): %s" % (os.environ.get("PYTHONPATH"), e))

    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.DEBUG)

    util._DNS_REDIRECT_IP = set()  # skip is_resolvable's probe of bogus names (it would use DNS)

    # Fake SMBIOS that positively identifies the flavour (what `metadata guest-config` tells users to set).
    fake_dmi = {}
    if args.flavor == "openstack":
        fake_dmi = {"system-product-name": "OpenStack Nova"}
    elif args.flavor == "nocloud":
        fake_dmi = {"system-serial-number": "ds=nocloud-net;s=%s" % args.nocloud_seed}
    elif args.flavor == "cloudstack":
        fake_dmi = {"system-product-name": "CloudStack KVM Hypervisor"}
    elif args.flavor == "ec2" and args.imdsv2:
        fake_dmi = {"system-uuid": "ec2e1916-9099-7caf-fd21-012345abcdef",
                    "system-serial-number": "ec2e1916-9099-7caf-fd21-012345abcdef"}
    dmi.read_dmi_data = lambda key: fake_dmi.get(key)
    DataSourceEc2._collect_platform_data = lambda: {
        "uuid": fake_dmi.get("system-uuid", ""), "uuid_source": "dmi",
        "serial": fake_dmi.get("system-serial-number", "").lower(), "asset_tag": "",
        "vendor": "", "product_name": fake_dmi.get("system-product-name", "").lower()}

    # Simulated NICs.
    net.get_interfaces_by_mac = lambda *a, **k: dict(nics)
    fallback = sorted(nics.values())[0] if nics else None
    net.find_fallback_nic = lambda *a, **k: fallback

    # CloudStack: the virtual router is 169.254.169.254 (DNAT'ed like the IMDS address); its password
    # client's wget binds the VM's address and goes straight to the password server.
    DataSourceCloudStack.get_vr_address = lambda: IMDS
    real_subp = subp.subp

    def fake_subp(argv, *a, **k):
        if argv and argv[0] == "wget":
            argv = list(argv)
            if pwserver and argv[-1] == "%s:8080" % IMDS:
                argv[-1] = "http://%s:%d/" % pwserver
            argv.insert(1, "--bind-address=%s" % source)
            argv.insert(1, "--no-proxy")
            out["requests"].append(["GET", "wget " + argv[-1], None])
        return real_subp(argv, *a, **k)

    subp.subp = fake_subp

    # Record every HTTP request cloud-init makes (each is a new requests.Session).
    real_request = requests.sessions.Session.request

    def recording_request(self, method, url, *a, **k):
        self.trust_env = False  # no proxies from the environment
        entry = [method, url, None]
        out["requests"].append(entry)
        resp = real_request(self, method, url, *a, **k)
        entry[2] = resp.status_code
        return resp

    requests.sessions.Session.request = recording_request

    paths = helpers.Paths({
        "cloud_dir": os.path.join(tmp, "cloud"),
        "run_dir": os.path.join(tmp, "run"),
        "templates_dir": os.path.join(tmp, "templates"),
        "docs_dir": os.path.join(tmp, "docs"),
    })
    ds_cfg = {
        "Ec2": {"metadata_urls": ["http://%s" % IMDS], "max_wait": args.max_wait, "timeout": 5,
                "strict_id": "warn"},
        "OpenStack": {"metadata_urls": ["http://%s" % IMDS]},
        "NoCloud": {"fs_label": None},
        "CloudStack": {"max_wait": args.max_wait},
    }
    classes = {
        "ec2": ("Ec2", DataSourceEc2.DataSourceEc2),
        "openstack": ("OpenStack", DataSourceOpenStack.DataSourceOpenStack),
        "nocloud": ("NoCloud", DataSourceNoCloud.DataSourceNoCloudNet),
        "cloudstack": ("CloudStack", DataSourceCloudStack.DataSourceCloudStack),
    }
    dsname, cls = classes[args.flavor]
    sys_cfg = {"datasource_list": [dsname, "None"], "datasource": ds_cfg}
    distro = distros.fetch("debian")("debian", {}, paths)
    try:
        ds = cls(sys_cfg, distro, paths)
        claimed = ds.get_data()
    except Exception as e:  # a crash inside cloud-init is a result too
        logging.getLogger("crawl").exception("datasource raised")
        finish(3, error="%s: %s" % (type(e).__name__, e), log=log_tail())
    if not claimed:
        finish(3, error="%s did not claim the VM" % cls.__name__, log=log_tail())

    def b64(v):
        if v is None:
            return None
        if isinstance(v, str):
            v = v.encode("utf-8")
        return base64.b64encode(v).decode("ascii")

    def plain(v):
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
        return v

    try:
        network = ds.network_config
    except Exception as e:
        network = {"error": "%s: %s" % (type(e).__name__, e)}
    hostname = ds.get_hostname(metadata_only=True)
    try:
        zone = ds.availability_zone
    except Exception:
        zone = None
    password = getattr(ds, "cfg", {}).get("password") if args.flavor == "cloudstack" else None
    phone_home = run_phone_home(ds, paths) if args.phone_home else None
    finish(
        0,
        ok=True,
        dsname=ds.dsname,
        className=cls.__name__,
        cloudName=ds.cloud_name,
        instanceId=ds.get_instance_id(),
        localHostname=getattr(hostname, "hostname", hostname),
        availabilityZone=zone,
        publicKeys=sorted(ds.get_public_ssh_keys()),
        userDataB64=b64(ds.get_userdata_raw()),
        vendorData=plain(ds.get_vendordata_raw()),
        vendorData2=plain(getattr(ds, "vendordata2_raw", None)),
        networkConfig=network,
        metadata=json.loads(json.dumps(ds.metadata, default=str)),
        passwordSha256=hashlib.sha256(password.encode()).hexdigest() if password else None,
        phoneHome=phone_home,
        warnings=[l for l in log_buf.getvalue().splitlines() if l.startswith(("WARNING", "ERROR", "CRITICAL"))],
    )


def run_phone_home(ds, paths):
    """cloud-init's cc_phone_home.handle with the `phone_home:` config of the served cloud-config parts.

    The final stage merges every cloud-config part of user-data and vendor-data; here only the
    phone_home key matters, so the first part that has one is used (user-data wins, as in the merge).
    The module's host-key reads (/etc/ssh/ssh_host_*_key.pub) are answered "missing": the host's keys
    are not the VM's. Returns {found, url, status} (status of the last POST, None when none was made).
    """
    from cloudinit import util
    from cloudinit.config import cc_phone_home
    import requests

    cfg = None
    for getter in (ds.get_userdata, ds.get_vendordata):
        try:
            msg = getter()
        except Exception:
            continue
        if msg is None or not hasattr(msg, "walk"):
            continue
        for part in msg.walk():
            if part.get_content_type() != "text/cloud-config":
                continue
            doc = util.load_yaml(part.get_payload(decode=True)) or {}
            if isinstance(doc, dict) and "phone_home" in doc:
                cfg = doc["phone_home"]
                break
        if cfg is not None:
            break
    if cfg is None:
        return {"found": False, "url": None, "status": None}

    real_load_file = util.load_file

    def load_file(path, *a, **k):
        if str(path).startswith("/etc/ssh/"):
            raise IOError("crawl.py: not the host's %s" % path)
        return real_load_file(path, *a, **k)

    class Cloud:  # the part of cloudinit.cloud.Cloud that cc_phone_home uses
        def __init__(self):
            self.paths = paths

        def get_instance_id(self):
            return ds.get_instance_id()

        def get_hostname(self, fqdn=False, resolve_ip=False, metadata_only=False):
            return ds.get_hostname(fqdn=fqdn, resolve_ip=resolve_ip, metadata_only=metadata_only)

    posts = []
    real_request = requests.sessions.Session.request

    def watch(self, method, url, *a, **k):
        entry = [method, url, None]
        posts.append(entry)
        resp = real_request(self, method, url, *a, **k)
        entry[2] = resp.status_code
        return resp

    util.load_file = load_file
    requests.sessions.Session.request = watch
    try:
        cc_phone_home.handle("phone_home", {"phone_home": cfg}, Cloud(), logging.getLogger("cc_phone_home"), [])
    finally:
        util.load_file = real_load_file
        requests.sessions.Session.request = real_request
    last = posts[-1] if posts else None
    return {"found": True, "url": cfg.get("url"), "status": last[2] if last else None, "tries": len(posts)}


if __name__ == "__main__":
    main()
