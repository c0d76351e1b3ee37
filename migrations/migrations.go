// Package migrations embeds the SQL migrations, so the binary carries them
// and every test database is built from the same files.
package migrations

import "embed"

// FS holds the numbered goose migrations.
//
//go:embed *.sql
var FS embed.FS
