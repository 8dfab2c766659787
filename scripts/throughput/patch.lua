-- wrk script of scripts/throughput.sh: PATCH one resolved alert, alternating
-- its resolvedReason (a real change every time that does not grow the
-- activity log). Environment: ALERT_PATH (the alert's path), TOKEN (bearer).
local reasons = {
  '{"status":"resolved","resolvedReason":"fraud"}',
  '{"status":"resolved","resolvedReason":"legitimate"}',
}
local n = 0
local path = os.getenv("ALERT_PATH")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  ["Content-Type"] = "application/json",
}

request = function()
  n = n + 1
  return wrk.format("PATCH", path, headers, reasons[n % 2 + 1])
end
