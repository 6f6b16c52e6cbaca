-- wrk script: POSTs one infer request body, read once from the file named by WRK_BODY, on every request.
-- wrk -t2 -c32 -d10s -s infer.lua http://127.0.0.1:PORT/v2/models/mlp_unbatched/infer   (with WRK_BODY=body.json)
local file = assert(io.open(assert(os.getenv("WRK_BODY"), "set WRK_BODY to a request body file"), "rb"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = file:read("*a")
file:close()
