-- wrk script: KV v2 writes to distinct paths (each connection its own counter).
local counter = 0
local tid = math.random(1, 1e9)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Vault-Token"] = os.getenv("WRIT_TOKEN")
request = function()
  counter = counter + 1
  local path = string.format("/v1/secret/data/bench/%d/%d", tid, counter)
  return wrk.format(nil, path, nil, '{"data":{"user":"app","password":"p-' .. counter .. '"}}')
end
