package githubserver

import (
	"fmt"
	"strings"
)

const (
	// maxPatchBytes: GitHub leaves the patch out of larger files' diffs.
	maxPatchBytes = 1 << 20
	// maxDiffCells bounds the LCS table; a larger middle section is
	// diffed as a whole replacement (still correct, not minimal).
	maxDiffCells = 1 << 20
	diffContext  = 3
)

// fileDiff is what GitHub reports of one changed file.
type fileDiff struct {
	additions, deletions int
	patch                string
	hasPatch             bool
}

// diffBlobs diffs two versions of a file (nil: absent). Binary files get
// no patch and no line counts; large ones line counts only.
func diffBlobs(old, new *blob) fileDiff {
	for _, b := range []*blob{old, new} {
		if b != nil && b.binary() {
			return fileDiff{}
		}
	}
	large := (old != nil && old.size > maxPatchBytes) || (new != nil && new.size > maxPatchBytes)
	if large {
		var d fileDiff
		if old != nil {
			d.deletions = old.lineCount()
		}
		if new != nil {
			d.additions = new.lineCount()
		}
		return d
	}
	var a, b []byte
	if old != nil {
		a = old.bytes()
	}
	if new != nil {
		b = new.bytes()
	}
	patch, add, del := unifiedDiff(splitLines(string(a)), splitLines(string(b)))
	return fileDiff{additions: add, deletions: del, patch: patch, hasPatch: patch != ""}
}

// diffStats counts a change's lines without building its patch: an added
// or removed file is all additions or deletions.
func diffStats(old, new *blob) (int, int) {
	switch {
	case old == nil && new == nil:
		return 0, 0
	case old == nil:
		if new.binary() {
			return 0, 0
		}
		return new.lineCount(), 0
	case new == nil:
		if old.binary() {
			return 0, 0
		}
		return 0, old.lineCount()
	}
	d := diffBlobs(old, new)
	return d.additions, d.deletions
}

// splitLines keeps each line's "\n" so a missing last newline shows.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type op struct {
	kind byte // ' ', '-', '+'
	text string
}

// editScript diffs two line lists: common prefix and suffix, then an LCS
// of the middle when small enough.
func editScript(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for _, l := range a[:pre] {
		ops = append(ops, op{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		for _, l := range ma {
			ops = append(ops, op{'-', l})
		}
		for _, l := range mb {
			ops = append(ops, op{'+', l})
		}
	} else {
		n, m := len(ma), len(mb)
		// lcs[i][j]: LCS length of ma[i:] and mb[j:].
		lcs := make([]int32, (n+1)*(m+1))
		at := func(i, j int) int32 { return lcs[i*(m+1)+j] }
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*(m+1)+j] = at(i+1, j+1) + 1
				} else {
					lcs[i*(m+1)+j] = max(at(i+1, j), at(i, j+1))
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && ma[i] == mb[j]:
				ops = append(ops, op{' ', ma[i]})
				i++
				j++
			case j < m && (i == n || at(i, j+1) >= at(i+1, j)):
				ops = append(ops, op{'+', mb[j]})
				j++
			default:
				ops = append(ops, op{'-', ma[i]})
				i++
			}
		}
		// Deletions before additions within a run, as git shows them.
		for k := 0; k < len(ops); {
			if ops[k].kind == ' ' {
				k++
				continue
			}
			e := k
			for e < len(ops) && ops[e].kind != ' ' {
				e++
			}
			run := append([]op(nil), ops[k:e]...)
			w := k
			for _, o := range run {
				if o.kind == '-' {
					ops[w] = o
					w++
				}
			}
			for _, o := range run {
				if o.kind == '+' {
					ops[w] = o
					w++
				}
			}
			k = e
		}
	}
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{' ', l})
	}
	return ops
}

// unifiedDiff renders GitHub's "patch": hunks with three lines of
// context, no file header, no final newline.
func unifiedDiff(a, b []string) (string, int, int) {
	ops := editScript(a, b)
	var changed []int
	add, del := 0, 0
	for i, o := range ops {
		switch o.kind {
		case '+':
			add++
			changed = append(changed, i)
		case '-':
			del++
			changed = append(changed, i)
		}
	}
	if len(changed) == 0 {
		return "", 0, 0
	}
	// Line numbers before each op.
	oldAt, newAt := make([]int, len(ops)+1), make([]int, len(ops)+1)
	for i, o := range ops {
		oldAt[i+1], newAt[i+1] = oldAt[i], newAt[i]
		if o.kind != '+' {
			oldAt[i+1]++
		}
		if o.kind != '-' {
			newAt[i+1]++
		}
	}
	var sb strings.Builder
	for g := 0; g < len(changed); {
		first, last := changed[g], changed[g]
		g++
		for g < len(changed) && changed[g]-last <= 2*diffContext+1 {
			last = changed[g]
			g++
		}
		from, to := max(first-diffContext, 0), min(last+diffContext+1, len(ops))
		oc, nc := oldAt[to]-oldAt[from], newAt[to]-newAt[from]
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(oldAt[from], oc), hunkRange(newAt[from], nc))
		for _, o := range ops[from:to] {
			sb.WriteByte(o.kind)
			sb.WriteString(o.text)
			if !strings.HasSuffix(o.text, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return strings.TrimSuffix(sb.String(), "\n"), add, del
}

// hunkRange is "start,count" with git's conventions: a count of one is
// left out, an empty range starts at the line before.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
