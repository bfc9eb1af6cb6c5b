-- wrk script for npm run bench:metadata: every request is one VM (X-Forwarded-For rotated over
-- NETOPS_BENCH_VMS addresses 10.A.B.C, the same ones the inventory and nginx's tree use) asking
-- one of the EC2 / OpenStack documents cloud-init reads. NETOPS_BENCH_CLOSE=1: every request on a new
-- connection (Connection: close, as cloud-init's one-connection-per-request crawl).
local n = tonumber(os.getenv("NETOPS_BENCH_VMS") or "10000")
local close = os.getenv("NETOPS_BENCH_CLOSE") == "1"
local paths = {
  "/latest/meta-data/instance-id",
  "/latest/meta-data/hostname",
  "/latest/meta-data/local-ipv4",
  "/latest/meta-data/public-keys/0/openssh-key",
  "/latest/user-data",
  "/openstack/latest/meta_data.json",
  "/latest/meta-data/placement/availability-zone",
}
local ips = {}
for i = 0, n - 1 do
  ips[i + 1] = string.format("10.%d.%d.%d", math.floor(i / 62500) % 256, math.floor(i / 250) % 250, (i % 250) + 1)
end
local i = 0
request = function()
  i = i + 1
  local ip = ips[(i % n) + 1]
  local p = paths[(math.floor(i / n) + i) % #paths + 1]
  if close then
    return wrk.format("GET", p, {["X-Forwarded-For"] = ip, ["Connection"] = "close"})
  end
  return wrk.format("GET", p, {["X-Forwarded-For"] = ip})
end
