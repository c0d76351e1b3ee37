// Package catalog loads the curated exercises, kept as folders of plain
// files (see FORMAT.md) and embedded in the binary, into domain exercises.
package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	yaml "go.yaml.in/yaml/v3"
)

type meta struct {
	Slug       string     `yaml:"slug"`
	Title      string     `yaml:"title"`
	Difficulty int        `yaml:"difficulty"`
	Topics     []string   `yaml:"topics"`
	Entry      string     `yaml:"entry"`
	Hints      []string   `yaml:"hints"`
	Tests      []testMeta `yaml:"tests"`
}

type testMeta struct {
	Name     string `yaml:"name"`
	Args     any    `yaml:"args"`
	Expected any    `yaml:"expected"`
	Hidden   bool   `yaml:"hidden"`
}

var extensions = map[string]string{"python": "py", "javascript": "js", "go": "go"}

// Load reads every exercise under root (one folder per language, one per
// exercise) and validates it. Errors name the folder and every problem.
func Load(root fs.FS, now time.Time) ([]*exercise.Exercise, error) {
	var out []*exercise.Exercise
	var errs []error
	for _, l := range language.All() {
		dirs, err := fs.ReadDir(root, l.String())
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read catalogue %s: %w", l, err)
		}
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			e, err := loadOne(root, l, path.Join(l.String(), d.Name()), now)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", l, d.Name(), err))
				continue
			}
			out = append(out, e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func loadOne(root fs.FS, l language.Language, dir string, now time.Time) (*exercise.Exercise, error) {
	ext := extensions[l.String()]
	files := map[string][]byte{}
	for _, name := range []string{"exercise.yaml", "prompt.md", "starter." + ext, "solution." + ext} {
		b, err := fs.ReadFile(root, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("missing %s", name)
		}
		files[name] = b
	}
	var m meta
	dec := yaml.NewDecoder(bytes.NewReader(files["exercise.yaml"]))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("exercise.yaml: %w", err)
	}
	if m.Slug != path.Base(dir) {
		return nil, fmt.Errorf("slug %q must match the folder's name", m.Slug)
	}
	diff, err := exercise.ParseDifficulty(m.Difficulty)
	if err != nil {
		return nil, err
	}
	tests := make([]exercise.TestCase, 0, len(m.Tests))
	for i, t := range m.Tests {
		args, err := json.Marshal(t.Args)
		if err != nil {
			return nil, fmt.Errorf("tests[%d].args: %w", i, err)
		}
		exp, err := json.Marshal(t.Expected)
		if err != nil {
			return nil, fmt.Errorf("tests[%d].expected: %w", i, err)
		}
		tests = append(tests, exercise.TestCase{Name: t.Name, Args: args, Expected: exp, Hidden: t.Hidden})
	}
	return exercise.New(exercise.Snapshot{
		ID: ID(l, m.Slug), Slug: m.Slug, Title: m.Title, Language: l, Difficulty: diff, Topics: m.Topics,
		Prompt: string(files["prompt.md"]), StarterCode: source(files["starter."+ext]), Solution: source(files["solution."+ext]),
		Entry: m.Entry, Tests: tests, Hints: m.Hints, Visibility: exercise.Public, Source: exercise.SourceCatalog,
		Version: version(files), CreatedAt: now, UpdatedAt: now,
	})
}

// source drops the `//go:build ignore` line that keeps the go command
// from compiling content files as part of the module.
func source(b []byte) string {
	s := string(b)
	if rest, ok := strings.CutPrefix(s, "//go:build ignore\n"); ok {
		s = strings.TrimLeft(rest, "\n")
	}
	return s
}

// version hashes the folder's files: any edit makes a new version.
func version(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ID is a catalogue exercise's stable id, derived from its language and
// slug (a version-8 UUID), so every instance and every sync agree on it.
func ID(l language.Language, slug string) string {
	sum := sha256.Sum256([]byte("codementor:catalog:" + l.String() + "/" + slug))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x80
	b[8] = (b[8] & 0x3f) | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
