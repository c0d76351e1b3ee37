-- wrk script: POST /api/v1/auth/login as the bench user.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@codementor.test","password":"correct horse battery staple 42"}'
