package catalog

import (
	"embed"
	"io/fs"
	"time"

	"github.com/codementor/codementor/domain/exercise"
)

//go:embed all:content
var content embed.FS

// Content is the embedded catalogue, rooted at the language folders.
func Content() fs.FS {
	sub, err := fs.Sub(content, "content")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// Curated loads the embedded catalogue.
func Curated(now time.Time) ([]*exercise.Exercise, error) { return Load(Content(), now) }
