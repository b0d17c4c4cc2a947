-- Registration. Function names are global across Redis libraries, hence the emp_ prefix.
local function ro(name, fn)
  redis.register_function { function_name = name, callback = fn, flags = { 'no-writes' } }
end

ro('emp_version', version)
ro('emp_get_job', get_job)
ro('emp_list_jobs', list_jobs)
ro('emp_stats', stats)
redis.register_function('emp_configure', configure)
redis.register_function('emp_register_worker', register_worker)
redis.register_function('emp_deregister', deregister)
redis.register_function('emp_heartbeat', heartbeat)
redis.register_function('emp_submit', submit)
redis.register_function('emp_claim', claim)
redis.register_function('emp_progress', progress)
redis.register_function('emp_complete', complete)
redis.register_function('emp_fail', fail)
redis.register_function('emp_release', release)
redis.register_function('emp_reap', reap)
redis.register_function('emp_promote', promote)
redis.register_function('emp_cancel', cancel)
redis.register_function('emp_retry', retry)
redis.register_function('emp_prune', prune)
