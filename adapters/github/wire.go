package github

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet provides the GitHub adapter as ports.GitHub; cmd provides
// its Options from config (GITHUB_API_URL and friends).
var ProviderSet = wire.NewSet(New, wire.Bind(new(ports.GitHub), new(*Client)))
