-- wrk script: KV v2 read of one secret with a valid token.
wrk.method = "GET"
wrk.headers["X-Vault-Token"] = os.getenv("WRIT_TOKEN")
