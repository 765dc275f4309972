-- Wrong-password logins, as fast as the connections allow.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"zhanghc","password":"not the password"}'
