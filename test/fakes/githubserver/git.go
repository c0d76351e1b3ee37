package githubserver

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// blob is a file's content: literal bytes, or generated on demand by a
// synthetic file (never held in memory).
type blob struct {
	sha  string
	size int64
	data []byte
	gen  *synthFile

	linesOnce sync.Once
	lines     int
}

func (b *blob) writeTo(w io.Writer) error {
	if b.gen != nil {
		return b.gen.writeTo(w)
	}
	_, err := w.Write(b.data)
	return err
}

// bytes is the whole content; only for blobs small enough to diff.
func (b *blob) bytes() []byte {
	if b.gen == nil {
		return b.data
	}
	var buf bytes.Buffer
	buf.Grow(int(b.size))
	_ = b.writeTo(&buf)
	return buf.Bytes()
}

var errEnough = errors.New("enough")

// limitWriter keeps the first n bytes and then stops the writer.
type limitWriter struct {
	buf []byte
	n   int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	room := w.n - len(w.buf)
	if len(p) >= room {
		w.buf = append(w.buf, p[:room]...)
		return room, errEnough
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// binary says the content has a NUL byte in its first 8,000, git's test.
func (b *blob) binary() bool {
	if b.gen != nil {
		return b.gen.kind == KindImage
	}
	w := &limitWriter{n: 8000}
	_ = b.writeTo(w)
	return bytes.IndexByte(w.buf, 0) >= 0
}

type lineCounter struct {
	n    int
	last byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte{'\n'})
	if len(p) > 0 {
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

// lineCount counts lines as diff stats do (a last line without a newline
// counts), streaming, once per blob.
func (b *blob) lineCount() int {
	b.linesOnce.Do(func() {
		c := &lineCounter{}
		_ = b.writeTo(c)
		b.lines = c.n
		if b.size > 0 && c.last != '\n' {
			b.lines++
		}
	})
	return b.lines
}

// hashBlob computes a git blob sha by streaming the content.
func hashBlob(size int64, write func(io.Writer) error) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", size)
	_ = write(h)
	return hex.EncodeToString(h.Sum(nil))
}

func newLiteralBlob(content string) *blob {
	data := []byte(content)
	b := &blob{data: data, size: int64(len(data))}
	b.sha = hashBlob(b.size, b.writeTo)
	return b
}

// File modes as the API shows them.
const (
	modeFile    = "100644"
	modeExec    = "100755"
	modeSymlink = "120000"
	modeTree    = "040000"
)

type treeEntry struct {
	name string
	mode string
	typ  string // blob | tree
	sha  string
	size int64 // blobs only
}

type tree struct {
	sha     string
	entries []treeEntry // git order
}

type commit struct {
	sha       string
	tree      string
	parents   []string
	message   string
	author    *user
	name      string
	email     string
	when      time.Time
	statsOnce sync.Once
	additions int
	deletions int
}

// objects is a repository's object store.
type objects struct {
	blobs   map[string]*blob
	trees   map[string]*tree
	commits map[string]*commit
}

func newObjects() objects {
	return objects{blobs: map[string]*blob{}, trees: map[string]*tree{}, commits: map[string]*commit{}}
}

// fileRef is one file of a flat snapshot.
type fileRef struct {
	mode string
	blob *blob
}

// gitLess orders tree entries as git does: by name, a tree's name
// compared as if it ended with "/".
func gitLess(a, b treeEntry) bool {
	an, bn := a.name, b.name
	if a.typ == "tree" {
		an += "/"
	}
	if b.typ == "tree" {
		bn += "/"
	}
	return an < bn
}

// writeTree stores the nested trees of a flat snapshot and returns the
// root tree's sha.
func (o *objects) writeTree(files map[string]fileRef) string {
	type dir struct {
		files map[string]fileRef
		dirs  map[string]*dir
	}
	root := &dir{files: map[string]fileRef{}, dirs: map[string]*dir{}}
	for p, f := range files {
		parts := strings.Split(p, "/")
		d := root
		for _, name := range parts[:len(parts)-1] {
			sub, ok := d.dirs[name]
			if !ok {
				sub = &dir{files: map[string]fileRef{}, dirs: map[string]*dir{}}
				d.dirs[name] = sub
			}
			d = sub
		}
		d.files[parts[len(parts)-1]] = f
		o.blobs[f.blob.sha] = f.blob
	}
	var write func(d *dir) string
	write = func(d *dir) string {
		entries := make([]treeEntry, 0, len(d.files)+len(d.dirs))
		for name, f := range d.files {
			entries = append(entries, treeEntry{name: name, mode: f.mode, typ: "blob", sha: f.blob.sha, size: f.blob.size})
		}
		for name, sub := range d.dirs {
			entries = append(entries, treeEntry{name: name, mode: modeTree, typ: "tree", sha: write(sub)})
		}
		sort.Slice(entries, func(i, j int) bool { return gitLess(entries[i], entries[j]) })
		h := sha1.New()
		var body bytes.Buffer
		for _, e := range entries {
			raw, _ := hex.DecodeString(e.sha)
			body.WriteString(strings.TrimPrefix(e.mode, "0"))
			body.WriteByte(' ')
			body.WriteString(e.name)
			body.WriteByte(0)
			body.Write(raw)
		}
		fmt.Fprintf(h, "tree %d\x00", body.Len())
		h.Write(body.Bytes())
		t := &tree{sha: hex.EncodeToString(h.Sum(nil)), entries: entries}
		o.trees[t.sha] = t
		return t.sha
	}
	return write(root)
}

// writeCommit stores a commit object, hashed as git does.
func (o *objects) writeCommit(c *commit) string {
	var body bytes.Buffer
	fmt.Fprintf(&body, "tree %s\n", c.tree)
	for _, p := range c.parents {
		fmt.Fprintf(&body, "parent %s\n", p)
	}
	sig := fmt.Sprintf("%s <%s> %d +0000", c.name, c.email, c.when.Unix())
	fmt.Fprintf(&body, "author %s\ncommitter %s\n\n%s", sig, sig, c.message)
	if !strings.HasSuffix(c.message, "\n") {
		body.WriteByte('\n')
	}
	h := sha1.New()
	fmt.Fprintf(h, "commit %d\x00", body.Len())
	h.Write(body.Bytes())
	c.sha = hex.EncodeToString(h.Sum(nil))
	o.commits[c.sha] = c
	return c.sha
}

// flatten is a tree's files by path.
func (o *objects) flatten(treeSHA string) map[string]fileRef {
	out := map[string]fileRef{}
	var walk func(sha, prefix string)
	walk = func(sha, prefix string) {
		t := o.trees[sha]
		if t == nil {
			return
		}
		for _, e := range t.entries {
			if e.typ == "tree" {
				walk(e.sha, prefix+e.name+"/")
			} else if b := o.blobs[e.sha]; b != nil {
				out[prefix+e.name] = fileRef{mode: e.mode, blob: b}
			}
		}
	}
	walk(treeSHA, "")
	return out
}

// lookup finds the entry at path in a tree ("" is the tree itself).
func (o *objects) lookup(treeSHA, path string) (treeEntry, bool) {
	cur := treeEntry{typ: "tree", mode: modeTree, sha: treeSHA}
	if path == "" {
		return cur, o.trees[treeSHA] != nil
	}
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		t := o.trees[cur.sha]
		if cur.typ != "tree" || t == nil {
			return treeEntry{}, false
		}
		found := false
		for _, e := range t.entries {
			if e.name == name {
				cur, found = e, true
				break
			}
		}
		if !found {
			return treeEntry{}, false
		}
	}
	return cur, true
}

// change is one file a diff between two trees touches.
type change struct {
	path     string
	status   string // added | modified | removed
	old, new *blob
}

// diffTrees lists the files that differ between two trees ("" is the
// empty tree), in path order, skipping identical sub-trees.
func (o *objects) diffTrees(a, b string) []change {
	var out []change
	var walk func(a, b, prefix string)
	entries := func(sha string) []treeEntry {
		if t := o.trees[sha]; t != nil {
			return t.entries
		}
		return nil
	}
	var all func(sha, prefix, status string, old bool)
	all = func(sha, prefix, status string, old bool) {
		for _, e := range entries(sha) {
			if e.typ == "tree" {
				all(e.sha, prefix+e.name+"/", status, old)
				continue
			}
			c := change{path: prefix + e.name, status: status}
			if old {
				c.old = o.blobs[e.sha]
			} else {
				c.new = o.blobs[e.sha]
			}
			out = append(out, c)
		}
	}
	walk = func(a, b, prefix string) {
		if a == b {
			return
		}
		ea, eb := entries(a), entries(b)
		byName := func(es []treeEntry) map[string]treeEntry {
			m := make(map[string]treeEntry, len(es))
			for _, e := range es {
				m[e.name] = e
			}
			return m
		}
		ma, mb := byName(ea), byName(eb)
		names := map[string]bool{}
		for n := range ma {
			names[n] = true
		}
		for n := range mb {
			names[n] = true
		}
		for _, n := range sortedKeys(names) {
			x, inA := ma[n]
			y, inB := mb[n]
			p := prefix + n
			switch {
			case inA && inB && x.sha == y.sha && x.typ == y.typ:
			case inA && inB && x.typ == "tree" && y.typ == "tree":
				walk(x.sha, y.sha, p+"/")
			case inA && inB && x.typ != "tree" && y.typ != "tree":
				out = append(out, change{path: p, status: "modified", old: o.blobs[x.sha], new: o.blobs[y.sha]})
			default:
				if inA {
					if x.typ == "tree" {
						all(x.sha, p+"/", "removed", true)
					} else {
						out = append(out, change{path: p, status: "removed", old: o.blobs[x.sha]})
					}
				}
				if inB {
					if y.typ == "tree" {
						all(y.sha, p+"/", "added", false)
					} else {
						out = append(out, change{path: p, status: "added", new: o.blobs[y.sha]})
					}
				}
			}
		}
	}
	walk(a, b, "")
	sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// BlobSHA is git's blob sha of content (`git hash-object`).
func BlobSHA(content []byte) string {
	return hashBlob(int64(len(content)), func(w io.Writer) error { _, err := w.Write(content); return err })
}
