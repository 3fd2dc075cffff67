-- wrk script for the comment POST rows (bench/load.py passes it with -s).
-- BENCH_POST_FORMS holds the Leave a Reply forms to post, one a line: the form's path, a
-- space, and its fields as the article page gave them (timestamp, security hash, CSRF
-- token, ...). Requests post them in turn, each with a comment text of its own, because
-- the same form posted twice with the same text stores one comment.
-- The session and CSRF cookies come as -H "Cookie: ..." on wrk's command line.

local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local forms = {}
for line in string.gmatch(os.getenv("BENCH_POST_FORMS") or "", "[^\n]+") do
  local path, fields = string.match(line, "^(%S+) (%S*)$")
  table.insert(forms, { path = path, fields = fields })
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

request = function()
  counter = counter + 1
  local form = forms[(counter + thread_number) % #forms + 1]
  local body = form.fields .. "&comment=Bench+comment+" .. thread_number .. "-" .. counter
  return wrk.format(nil, form.path, nil, body)
end
