-- bench/webhooks.lua: wrk script for bench/webhooks. Sends pre-signed Xero
-- deliveries, one line each ("<signature>\t<body>") of the file named after
-- "--"; thread i of n sends lines i, i+n, i+2n, ... so that every request
-- is a new delivery. Prints latency percentiles and status counts.
local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	sigs, bodies = {}, {}
	for line in io.lines(args[1]) do
		local tab = line:find("\t", 1, true)
		sigs[#sigs + 1] = line:sub(1, tab - 1)
		bodies[#bodies + 1] = line:sub(tab + 1)
	end
	nthreads = tonumber(args[2])
	idx = tid + 1
	ok, other = 0, 0
end

function request()
	local i = idx
	idx = idx + nthreads
	if i > #bodies then
		i = (i - 1) % #bodies + 1 -- out of fresh deliveries: repeats (duplicates)
	end
	return wrk.format("POST", nil, {["Content-Type"] = "application/json; charset=utf-8",
		["x-xero-signature"] = sigs[i]}, bodies[i])
end

function response(status, headers, body)
	if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
	local oks, others = 0, 0
	for _, t in ipairs(threads) do
		oks = oks + t:get("ok")
		others = others + t:get("other")
	end
	io.write(string.format("WRK requests=%d ok=%d other=%d socket_errors=%d seconds=%.3f"
		.. " p50_us=%d p99_us=%d max_us=%d\n", summary.requests, oks, others,
		summary.errors.connect + summary.errors.read + summary.errors.write
		+ summary.errors.timeout, summary.duration / 1e6, latency:percentile(50),
		latency:percentile(99), latency.max))
end
