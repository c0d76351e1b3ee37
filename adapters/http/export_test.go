package http

// Test-only handles on unexported helpers, for the external test package.
var (
	BindJSON = bindJSON
	Param    = param
	Query    = query

	RequireAuth = requireAuth
	RequireRole = requireRole
)
