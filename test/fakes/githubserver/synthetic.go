package githubserver

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Kind is what a synthetic file is, so tests of file selection can assert
// on it.
type Kind string

// The kinds of synthetic files.
const (
	KindSource      Kind = "source"       // python, go and javascript modules
	KindTest        Kind = "test"         // their tests
	KindDoc         Kind = "doc"          // markdown
	KindConfig      Kind = "config"       // Makefile, package.json, go.mod, CI, .gitignore...
	KindVendored    Kind = "vendored"     // vendor/, third_party/
	KindNodeModules Kind = "node_modules" // node_modules/
	KindMinified    Kind = "minified"     // *.min.js, *.min.css: one very long line
	KindLockfile    Kind = "lockfile"     // package-lock.json, go.sum, poetry.lock
	KindImage       Kind = "image"        // png, jpg, ico: binary bytes with NULs
	KindLFSPointer  Kind = "lfs_pointer"  // a Git LFS pointer standing for a big binary
	KindLarge       Kind = "large"        // multi-megabyte SQL dump, log and CSV
	KindEnv         Kind = "env"          // .env with credentials
	KindSecret      Kind = "secret"       // a settings module with planted credentials
)

// SyntheticFile is one file of a synthetic repository.
type SyntheticFile struct {
	Path     string
	Kind     Kind
	Language string // python, go, javascript; "" otherwise
	Size     int64
	SHA      string // git blob sha
}

// Secret is a credential planted in a synthetic repository.
type Secret struct {
	Path  string
	Kind  string // github_token, aws_access_key_id, aws_secret_access_key, stripe_secret_key, database_password, session_secret
	Value string
}

// Synthetic describes a synthetic repository: what was generated and
// planted where.
type Synthetic struct {
	Owner, Name string
	CommitSHA   string // the default branch's only commit
	Files       []SyntheticFile
	TotalBytes  int64
	Secrets     []Secret
}

// Paths lists the files of the given kinds (all files without kinds), in
// path order.
func (s *Synthetic) Paths(kinds ...Kind) []string {
	want := map[Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var out []string
	for _, f := range s.Files {
		if len(kinds) == 0 || want[f.Kind] {
			out = append(out, f.Path)
		}
	}
	return out
}

// File finds a file by path.
func (s *Synthetic) File(path string) (SyntheticFile, bool) {
	i := sort.Search(len(s.Files), func(i int) bool { return s.Files[i].Path >= path })
	if i < len(s.Files) && s.Files[i].Path == path {
		return s.Files[i], true
	}
	return SyntheticFile{}, false
}

// SyntheticSpec describes a synthetic repository to add.
type SyntheticSpec struct {
	Owner, Name string
	// Files is how many files (at least MinSyntheticFiles, the planted
	// ones); TotalBytes their total size, met exactly when it leaves 32
	// bytes a file after the fixed-size ones.
	Files      int
	TotalBytes int64
	Seed       int64
	// Repository settings, as in Repo.
	Private       bool
	Collaborators []string
	DefaultBranch string
	Language      string // default "Python"
}

// MinSyntheticFiles is the fewest files a synthetic repository has: the
// planted ones, the large ones and five sources; smaller counts are
// raised to it.
const MinSyntheticFiles = 36

// AddSyntheticRepo adds a public synthetic repository of files files and
// totalBytes bytes, generated from seed.
func (s *Server) AddSyntheticRepo(owner, name string, files int, totalBytes, seed int64) *Synthetic {
	return s.AddSynthetic(SyntheticSpec{Owner: owner, Name: name, Files: files, TotalBytes: totalBytes, Seed: seed})
}

// AddSynthetic adds a synthetic repository: one commit whose file list is
// derived from the spec and whose contents are generated when read, never
// kept (the server holds paths, sizes and shas only). The same spec gives
// the same files, contents and shas.
//
// The mix: python, go and javascript sources and their tests under app/,
// internal/, web/src/ and tests/; docs; config (Makefile, package.json,
// go.mod, pyproject.toml, CI, .gitignore, .gitattributes); vendored code
// (vendor/, third_party/) and node_modules/; minified js and css; lock
// files; images (binary); a Git LFS pointer (data/model.bin); 40% of the
// bytes in three very large files (data/fixtures/dump.sql, logs/debug.log,
// data/events.csv); a .env and config/settings.py with planted
// credentials (a ghp_ token and an AWS key pair among them, see Secrets).
func (s *Server) AddSynthetic(spec SyntheticSpec) *Synthetic {
	if spec.Language == "" {
		spec.Language = "Python"
	}
	gen := layout(spec)
	syn := &Synthetic{Owner: spec.Owner, Name: spec.Name, Secrets: gen.secrets}
	files := make(map[string]fileRef, len(gen.files))
	for _, f := range gen.files {
		b := &blob{size: f.size, gen: f}
		b.sha = hashBlob(f.size, f.writeTo) // streamed: nothing kept
		files[f.path] = fileRef{mode: modeFile, blob: b}
		syn.Files = append(syn.Files, SyntheticFile{Path: f.path, Kind: f.kind, Language: f.lang, Size: f.size, SHA: b.sha})
		syn.TotalBytes += f.size
	}
	sort.Slice(syn.Files, func(i, j int) bool { return syn.Files[i].Path < syn.Files[j].Path })

	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.newRepoLocked(Repo{
		Owner: spec.Owner, Name: spec.Name, Private: spec.Private, Collaborators: spec.Collaborators,
		DefaultBranch: spec.DefaultBranch, Language: spec.Language,
		Description: "A synthetic repository for tests",
	})
	syn.CommitSHA = s.commitLocked(rp, rp.cfg.DefaultBranch, files, nil, "Import the project", "")
	return syn
}

// synthFile is a generated file: its content is a function of these
// fields.
type synthFile struct {
	path  string
	kind  Kind
	lang  string
	size  int64
	seed  uint64
	exact []byte // the whole content, for the small planted files
}

type planted struct {
	path   string
	kind   Kind
	lang   string
	weight float64
}

var plantedFiles = []planted{
	{"README.md", KindDoc, "", 3},
	{"docs/architecture.md", KindDoc, "", 2},
	{"Makefile", KindConfig, "", 0.5},
	{"go.mod", KindConfig, "go", 0.3},
	{"go.sum", KindLockfile, "", 6},
	{"package.json", KindConfig, "", 0.6},
	{"package-lock.json", KindLockfile, "", 25},
	{"poetry.lock", KindLockfile, "", 10},
	{"pyproject.toml", KindConfig, "", 0.5},
	{".github/workflows/ci.yml", KindConfig, "", 0.3},
	{"web/public/vendor.min.js", KindMinified, "javascript", 20},
	{"web/public/app.min.css", KindMinified, "", 6},
	{"assets/logo.png", KindImage, "", 4},
	{"assets/screenshot.jpg", KindImage, "", 12},
	{"assets/favicon.ico", KindImage, "", 0.5},
	{"vendor/github.com/pkg/errors/errors.go", KindVendored, "go", 2},
	{"vendor/github.com/pkg/errors/stack.go", KindVendored, "go", 1.5},
	{"vendor/modules.txt", KindVendored, "", 0.2},
	{"third_party/jquery/jquery-3.7.1.js", KindVendored, "javascript", 8},
	{"node_modules/left-pad/index.js", KindNodeModules, "javascript", 0.2},
	{"node_modules/left-pad/package.json", KindNodeModules, "", 0.2},
	{"node_modules/lodash/lodash.js", KindNodeModules, "javascript", 15},
	{"node_modules/.package-lock.json", KindNodeModules, "", 4},
	// Fixed content, see exactContent.
	{".env", KindEnv, "", 0},
	{"config/settings.py", KindSecret, "python", 0},
	{"data/model.bin", KindLFSPointer, "", 0},
	{".gitattributes", KindConfig, "", 0},
	{".gitignore", KindConfig, "", 0},
}

// largeFiles share 40% of the bytes.
var largeFiles = []planted{
	{"data/fixtures/dump.sql", KindLarge, "", 0.45},
	{"logs/debug.log", KindLarge, "", 0.35},
	{"data/events.csv", KindLarge, "", 0.20},
}

var (
	pkgWords = []string{"billing", "catalog", "orders", "users", "search", "payments", "inventory",
		"reports", "auth", "notifications", "shipping", "analytics"}
	nameWords = []string{"parser", "client", "service", "handler", "model", "cache", "queue", "worker",
		"router", "validator", "formatter", "store", "mapper", "loader", "scheduler"}
	orgWords = []string{"acme", "gorilla", "spf13", "sirupsen", "uber-go"}
)

type generated struct {
	files   []*synthFile
	secrets []Secret
}

const minSynthSize = 32

// layout derives the file list and sizes from the spec.
func layout(spec SyntheticSpec) generated {
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), 0x9e3779b97f4a7c15))
	var g generated
	var weights []float64
	add := func(path string, kind Kind, lang string, w float64) {
		f := &synthFile{path: path, kind: kind, lang: lang, seed: rng.Uint64()}
		if w == 0 {
			f.exact = exactContent(f, rng, &g)
			f.size = int64(len(f.exact))
		}
		g.files = append(g.files, f)
		weights = append(weights, w)
	}
	for _, p := range plantedFiles {
		add(p.path, p.kind, p.lang, p.weight)
	}
	n := max(spec.Files, MinSyntheticFiles) - len(plantedFiles) - len(largeFiles)
	langs := []string{"python", "go", "javascript"}
	for i := range n {
		pkg := pkgWords[rng.IntN(len(pkgWords))]
		word := nameWords[rng.IntN(len(nameWords))]
		lang := langs[rng.IntN(len(langs))]
		w := 0.5 + rng.Float64()*2
		if rng.IntN(20) == 0 {
			w *= 4 // a few big modules
		}
		switch r := rng.Float64(); {
		case r < 0.12:
			add(fmt.Sprintf("node_modules/%s-%s/lib/%s_%d.js", pkg, word, word, i), KindNodeModules, "javascript", w/2)
		case r < 0.18:
			org := orgWords[rng.IntN(len(orgWords))]
			add(fmt.Sprintf("vendor/github.com/%s/%s/%s_%d.go", org, pkg, word, i), KindVendored, "go", w)
		case r < 0.70:
			add(sourcePath(lang, pkg, word, i, false), KindSource, lang, w)
		case r < 0.95:
			add(sourcePath(lang, pkg, word, i, true), KindTest, lang, w*0.7)
		default:
			add(fmt.Sprintf("docs/%s/%s_%d.md", pkg, word, i), KindDoc, "", w/2)
		}
	}
	var otherWeight float64
	for _, w := range weights {
		otherWeight += w
	}
	for _, p := range largeFiles {
		add(p.path, p.kind, p.lang, p.weight*otherWeight*40/60)
	}

	// Sizes: the fixed contents first, 32 bytes for every other file,
	// the rest by weight; rounding leftovers go to the first large file.
	var fixed int64
	var total float64
	weighted := 0
	for i, f := range g.files {
		if f.exact != nil {
			fixed += f.size
			continue
		}
		weighted++
		total += weights[i]
	}
	extra := max(spec.TotalBytes-fixed-int64(weighted)*minSynthSize, 0)
	var used int64
	firstLarge := -1
	for i, f := range g.files {
		if f.exact != nil {
			continue
		}
		share := int64(float64(extra) * weights[i] / total)
		f.size = minSynthSize + share
		used += share
		if f.kind == KindLarge && firstLarge < 0 {
			firstLarge = i
		}
	}
	g.files[firstLarge].size += extra - used
	return g
}

func sourcePath(lang, pkg, word string, i int, test bool) string {
	switch lang {
	case "python":
		if test {
			return fmt.Sprintf("tests/%s/test_%s_%d.py", pkg, word, i)
		}
		return fmt.Sprintf("app/%s/%s_%d.py", pkg, word, i)
	case "go":
		if test {
			return fmt.Sprintf("internal/%s/%s_%d_test.go", pkg, word, i)
		}
		return fmt.Sprintf("internal/%s/%s_%d.go", pkg, word, i)
	}
	if test {
		return fmt.Sprintf("web/src/%s/%s_%d.test.js", pkg, word, i)
	}
	return fmt.Sprintf("web/src/%s/%s_%d.js", pkg, word, i)
}

func randChars(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	base62  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base32  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	hexChar = "0123456789abcdef"
)

// exactContent is the content of a small planted file, recording the
// secrets it plants.
func exactContent(f *synthFile, rng *rand.Rand, g *generated) []byte {
	plant := func(kind, value string) string {
		g.secrets = append(g.secrets, Secret{Path: f.path, Kind: kind, Value: value})
		return value
	}
	switch f.kind {
	case KindEnv:
		return []byte("# Local development settings. Do not commit!\n" +
			"DATABASE_URL=postgres://billing:" + plant("database_password", randChars(rng, base62, 18)) + "@db.internal:5432/billing\n" +
			"REDIS_URL=redis://cache.internal:6379/0\n" +
			"STRIPE_SECRET_KEY=" + plant("stripe_secret_key", "sk_live_"+randChars(rng, base62, 24)) + "\n" +
			"SESSION_SECRET=" + plant("session_secret", randChars(rng, hexChar, 64)) + "\n" +
			"DEBUG=1\n")
	case KindSecret:
		return []byte(`"""Settings of the billing service."""
import os

DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = ["localhost", "billing.internal"]

# FIXME: read these from the environment before going live.
GITHUB_TOKEN = "` + plant("github_token", "ghp_"+randChars(rng, base62, 36)) + `"
AWS_ACCESS_KEY_ID = "` + plant("aws_access_key_id", "AKIA"+randChars(rng, base32, 16)) + `"
AWS_SECRET_ACCESS_KEY = "` + plant("aws_secret_access_key", randChars(rng, base62+"+/", 40)) + `"
AWS_REGION = "eu-west-1"

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost:5432/billing")
PAGE_SIZE = 50
`)
	case KindLFSPointer:
		return []byte("version https://git-lfs.github.com/spec/v1\noid sha256:" + randChars(rng, hexChar, 64) +
			"\nsize " + strconv.Itoa(500_000_000+rng.IntN(400_000_000)) + "\n")
	}
	if f.path == ".gitattributes" {
		return []byte("*.bin filter=lfs diff=lfs merge=lfs -text\n*.min.js linguist-generated=true\nvendor/** linguist-vendored\n")
	}
	return []byte("__pycache__/\n*.pyc\n.venv/\n/dist/\n/build/\ncoverage.out\n.DS_Store\n")
}

// writeTo generates the content: a head, then a block repeated (each
// repeat numbered, so the text varies), cut at size; text ends with a
// newline.
func (f *synthFile) writeTo(w io.Writer) error {
	if f.exact != nil {
		_, err := w.Write(f.exact)
		return err
	}
	if f.size == 0 {
		return nil
	}
	bw := bufio.NewWriterSize(w, 16<<10)
	head, block, binary := f.template()
	c := &capWriter{w: bw, left: f.size}
	if !binary {
		c.left-- // the final newline
	}
	c.write(head)
	var parts [][]byte
	for p := range strings.SplitSeq(block, "{n}") {
		parts = append(parts, []byte(p))
	}
	num := make([]byte, 0, 20)
	for n := 1; c.more(); n++ {
		num = strconv.AppendInt(num[:0], int64(n), 10)
		for i, p := range parts {
			if i > 0 {
				c.write(num)
			}
			c.write(p)
		}
	}
	if !binary && c.err == nil {
		_, c.err = bw.Write([]byte{'\n'})
	}
	if c.err != nil {
		return c.err
	}
	return bw.Flush()
}

type capWriter struct {
	w    io.Writer
	left int64
	err  error
}

func (c *capWriter) more() bool { return c.left > 0 && c.err == nil }

func (c *capWriter) write(p []byte) {
	if !c.more() {
		return
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	_, c.err = c.w.Write(p)
	c.left -= int64(len(p))
}

// template is a file's head and repeated block ({n} is the repeat's
// number); binary files get pseudo-random bytes.
func (f *synthFile) template() (head []byte, block string, binary bool) {
	rng := rand.New(rand.NewPCG(f.seed, 1))
	base := f.path[strings.LastIndexByte(f.path, '/')+1:]
	word := strings.TrimSuffix(strings.TrimSuffix(base[:len(base)-len(extOf(base))], ".test"), ".min")
	word = strings.TrimPrefix(word, "test_")
	name := camel(word)
	pkg := "app"
	if parts := strings.Split(f.path, "/"); len(parts) > 2 {
		pkg = strings.ReplaceAll(parts[len(parts)-2], "-", "")
	}
	k := strconv.Itoa(2 + rng.IntN(7))
	r := strings.NewReplacer("<Name>", name, "<name>", word, "<pkg>", pkg, "<k>", k)

	switch f.kind {
	case KindImage:
		var hd []byte
		switch extOf(base) {
		case ".png":
			hd = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00\x00\x00\x01\x80\x08\x06\x00\x00\x00")
		case ".jpg":
			hd = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
		default:
			hd = []byte("\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00")
		}
		noise := make([]byte, 8<<10)
		for i := range noise {
			noise[i] = byte(rng.Uint32())
		}
		// "{n}" cannot occur in noise that has no '{': strip them.
		return hd, strings.ReplaceAll(string(noise), "{", "\x00"), true
	case KindLarge:
		switch extOf(base) {
		case ".sql":
			return []byte("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n"),
				strings.Repeat("INSERT INTO public.events (id, user_id, kind, payload, created_at) VALUES ({n}, 4217, 'page_view', '{\"path\": \"/items/{n}\"}', '2024-11-02 10:15:00+00');\n", 12), false
		case ".csv":
			return []byte("id,user_id,kind,amount_cents,created_at\n"),
				strings.Repeat("{n},4217,purchase,1999,2024-11-02T10:15:00Z\n", 25), false
		}
		return nil, strings.Repeat("2025-01-06T09:00:00.{n}Z INFO http: request handled method=GET path=/api/v1/items/{n} status=200 duration_ms=12 request_id=f1e2d3c4\n", 10), false
	case KindMinified:
		if extOf(base) == ".css" {
			return []byte("/*! app.min.css */"), ".c{n}{margin:0;padding:0 4px;color:#333;display:flex}.c{n}:hover{color:#06c}", false
		}
		return []byte("/*! vendor bundle | MIT */"),
			`!function(e,t){"use strict";var n{n}=function(r){return r&&r.__esModule?r:{default:r}};e.m{n}=n{n}(t),e.f{n}=function(o){for(var i=0;i<o.length;i++)if(o[i]===e.m{n})return i;return-1}}(window,{});`, false
	case KindLockfile:
		switch base {
		case "go.sum":
			return nil, "github.com/acme/mod{n} v1.{n}.0 h1:q7K3vXQmZ3Ud0rFf9Jx7m2X0n5oYkz3tQpW1sVbLh4E=\ngithub.com/acme/mod{n} v1.{n}.0/go.mod h1:Xc8Yw2Q4ZpJ9l0fVnR6tK1mB3hD7sG5aE2uF9iO0pLk=\n", false
		case "poetry.lock":
			return []byte("# This file is automatically @generated by Poetry and should not be changed by hand.\n\n"),
				"[[package]]\nname = \"pkg{n}\"\nversion = \"1.{n}.0\"\ndescription = \"A dependency\"\noptional = false\npython-versions = \">=3.8\"\nfiles = [\n    {file = \"pkg{n}-1.{n}.0-py3-none-any.whl\", hash = \"sha256:5f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4\"},\n]\n\n", false
		}
		return []byte("{\n  \"name\": \"web\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n"),
			"    \"node_modules/pkg-{n}\": {\n      \"version\": \"1.{n}.0\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{n}/-/pkg-{n}-1.{n}.0.tgz\",\n      \"integrity\": \"sha512-Zx3v8Q2mN4bL7kP0wR5tY1uI9oA6sD3fG8hJ2kL5zX7cV0bN4mQ1wE6rT9yU3iO==\",\n      \"dev\": true\n    },\n", false
	case KindConfig:
		switch base {
		case "Makefile":
			return []byte(".PHONY: all test lint\n\nall: test\n\n"), "target{n}:\n\tgo test ./internal/... -run Test{n}\n\n", false
		case "go.mod":
			return []byte("module github.com/acme/billing\n\ngo 1.22\n\nrequire (\n"), "\tgithub.com/acme/mod{n} v1.{n}.0\n", false
		case "package.json":
			return []byte("{\n  \"name\": \"web\",\n  \"private\": true,\n  \"scripts\": {\"test\": \"jest\", \"build\": \"vite build\"},\n  \"dependencies\": {\n"), "    \"pkg-{n}\": \"^1.{n}.0\",\n", false
		case "pyproject.toml":
			return []byte("[tool.poetry]\nname = \"billing\"\nversion = \"0.1.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"), "pkg{n} = \"^1.{n}\"\n", false
		}
		return []byte("name: CI\non: [push, pull_request]\njobs:\n"), "  test{n}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n", false
	case KindDoc:
		return []byte(r.Replace("# <Name>\n\nHow the <pkg> service handles <name>s.\n\n")),
			r.Replace("## Step {n}\n\nThe <name> reads the request, validates it against the schema and hands it to the\nworker pool. Failures are retried with backoff, at most <k> times, then reported.\n\n"), false
	case KindNodeModules, KindVendored:
		if f.lang == "go" {
			return []byte("// Copyright (c) 2015, Dave Cheney <dave@cheney.net>\n// Code vendored from upstream; DO NOT EDIT.\n\npackage " + pkg + "\n\nimport \"fmt\"\n\n"),
				"// Wrap{n} annotates err with a message.\nfunc Wrap{n}(err error, msg string) error {\n\tif err == nil {\n\t\treturn nil\n\t}\n\treturn fmt.Errorf(\"%s: %w\", msg, err)\n}\n\n", false
		}
		if f.lang == "javascript" {
			return []byte("'use strict';\n/* Third-party code, MIT licensed. */\n\n"),
				"module.exports.pad{n} = function pad{n}(str, len, ch) {\n  str = String(str);\n  var i = -1;\n  if (!ch && ch !== 0) ch = ' ';\n  len = len - str.length;\n  while (++i < len) str = ch + str;\n  return str;\n};\n\n", false
		}
		return []byte("# vendored modules\n"), "# github.com/acme/mod{n} v1.{n}.0\n## explicit\n", false
	}
	// Sources and tests.
	switch f.lang {
	case "python":
		if f.kind == KindTest {
			return []byte(r.Replace("import pytest\n\nfrom app.<pkg> import <name>\n\n\n")),
				r.Replace("def test_load_<name>_{n}():\n    rows = [{\"id\": \"{n}\", \"name\": \"a\", \"score\": \"2.5\"}, {\"name\": \"broken\"}]\n    records = <name>.load_<name>_{n}(rows)\n    assert len(records) == 1\n    assert records[0].weight() == pytest.approx(2.5 * <k>)\n\n\n"), false
		}
		return []byte(r.Replace("\"\"\"<Name> of the <pkg> service.\"\"\"\nfrom __future__ import annotations\n\nimport logging\nfrom dataclasses import dataclass\n\nlog = logging.getLogger(__name__)\n\n\n")),
			r.Replace("@dataclass\nclass <Name>Record{n}:\n    id: int\n    name: str\n    score: float = 0.0\n\n    def weight(self) -> float:\n        return self.score * <k>\n\n\ndef load_<name>_{n}(rows: list[dict]) -> list[<Name>Record{n}]:\n    \"\"\"Parse rows into records, skipping the malformed ones.\"\"\"\n    out = []\n    for row in rows:\n        try:\n            out.append(<Name>Record{n}(int(row[\"id\"]), str(row[\"name\"]), float(row.get(\"score\", 0))))\n        except (KeyError, ValueError) as exc:\n            log.warning(\"skipping row %r: %s\", row, exc)\n    return out\n\n\n"), false
	case "go":
		if f.kind == KindTest {
			return []byte(r.Replace("package <pkg>\n\nimport \"testing\"\n\n")),
				r.Replace("func TestNormalize<Name>{n}(t *testing.T) {\n\tgot, err := Normalize<Name>{n}(\"  Hello \")\n\tif err != nil || got != \"hello\" {\n\t\tt.Fatalf(\"Normalize<Name>{n} = %q, %v\", got, err)\n\t}\n}\n\n"), false
		}
		return []byte(r.Replace("// Package <pkg> holds the <pkg> service's <name>.\npackage <pkg>\n\nimport (\n\t\"errors\"\n\t\"strings\"\n)\n\n")),
			r.Replace("// <Name>{n} is one entry of the catalogue.\ntype <Name>{n} struct {\n\tID    int\n\tTitle string\n}\n\n// Normalize<Name>{n} trims and lower-cases a title.\nfunc Normalize<Name>{n}(title string) (string, error) {\n\ttitle = strings.TrimSpace(title)\n\tif title == \"\" {\n\t\treturn \"\", errors.New(\"<pkg>: empty title\")\n\t}\n\treturn strings.ToLower(title), nil\n}\n\n"), false
	}
	if f.kind == KindTest {
		return []byte(r.Replace("import * as m from \"./<name>.js\";\n\n")),
			r.Replace("test(\"format<Name>{n} keeps enabled items\", () => {\n  expect(m.format<Name>{n}([{ id: 1, label: \" a \", enabled: true }, { id: 2, label: \"b\" }])).toBe(\"1: a\");\n});\n\n"), false
	}
	return []byte(r.Replace("/**\n * <Name> helpers of the <pkg> page.\n */\n\n")),
		r.Replace("export function format<Name>{n}(items) {\n  return items\n    .filter((item) => item && item.enabled)\n    .map((item) => `${item.id}: ${item.label.trim()}`)\n    .join(\"\\n\");\n}\n\n"), false
}

func extOf(base string) string {
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return base[i:]
	}
	return ""
}

func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == '.':
			up = true
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}
