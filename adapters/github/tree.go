package github

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	gh "github.com/google/go-github/v89/github"
)

// treeEntry is what a tree listing keeps of an entry.
type treeEntry struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size int64  `json:"size"`
}

// listing is one git/trees answer: its blobs and sub-trees, nothing else.
type listing struct {
	Entries   []treeEntry
	Truncated bool
}

// getTree reads a git/trees listing, decoding its entries one at a time
// from the response body and keeping only blobs and sub-trees, so a
// listing of tens of thousands of entries costs their paths and shas, not
// go-github's full object per entry (several KB each while decoding).
func getTree(ctx context.Context, gc *gh.Client, owner, name, sha string, recursive bool) (listing, error) {
	u := fmt.Sprintf("repos/%v/%v/git/trees/%v", owner, name, sha)
	if recursive {
		u += "?recursive=1"
	}
	req, err := gc.NewRequest(ctx, "GET", u, nil)
	if err != nil {
		return listing{}, err
	}
	resp, err := gc.BareDo(req)
	if err != nil {
		return listing{}, err
	}
	defer resp.Body.Close()
	l, err := decodeTree(resp.Body)
	if err != nil {
		return listing{}, fmt.Errorf("decode tree: %w", err)
	}
	return l, nil
}

// decodeTree streams {"sha", "url", "tree": [...], "truncated"}.
func decodeTree(r io.Reader) (listing, error) {
	var l listing
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return l, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return l, err
		}
		switch key {
		case "tree":
			if err := expectDelim(dec, '['); err != nil {
				return l, err
			}
			for dec.More() {
				var e treeEntry
				if err := dec.Decode(&e); err != nil {
					return l, err
				}
				if e.Type == "blob" || e.Type == "tree" {
					l.Entries = append(l.Entries, e)
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return l, err
			}
		case "truncated":
			if err := dec.Decode(&l.Truncated); err != nil {
				return l, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return l, err
			}
		}
	}
	return l, expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, got %v", want, t)
	}
	return nil
}
