-- wrk script: token create with a policy and a TTL.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Vault-Token"] = os.getenv("WRIT_TOKEN")
wrk.body = '{"policies":["default"],"ttl":"1h"}'
