-- wrk script: POST the decision body in $WRIT_BENCH_BODY (a file) to the URL given to wrk.
local f = assert(io.open(os.getenv("WRIT_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
