-- wrk script for the comment POST row (bench/load.py passes it with -s).
-- BENCH_POST_BODY holds the Leave a Reply form's fields as the article page gave them
-- (timestamp, security hash, CSRF token, ...); each request adds a comment text of its
-- own, because the same form posted twice with the same text stores one comment.
-- The session and CSRF cookies come as -H "Cookie: ..." on wrk's command line.

local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local fields = os.getenv("BENCH_POST_BODY")

request = function()
  counter = counter + 1
  local body = fields .. "&comment=Bench+comment+" .. thread_number .. "-" .. counter
  return wrk.format(nil, nil, nil, body)
end
