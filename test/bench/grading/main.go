// Command grading measures what the sandbox adds to grading a submission on
// the local runner: the latency of Runner.Run for a passing solution with 8
// tests, in Python, JavaScript and Go, through the bubblewrap sandbox
// (limits, cgroup, namespaces) and directly (the same harness and process
// model, local.Config{Unsandboxed: true}: no bwrap, no rlimits, no cgroup),
// in one process, alternating which way goes first.
//
//	go run ./test/bench/grading [-n 30] [-warmup 3] [-lang python,javascript,go]
//
// Each way is warmed up first (the Go std export data is built then, once).
// It prints a table of median and p95 per way and the sandbox's overhead,
// then one line per language for scripts to grep:
//
//	GRADING lang=python sandbox_p50_ms=... direct_p50_ms=... overhead_p50_ms=... overhead_p95_ms=... target=PASS
//
// Target: the sandbox adds under 50 ms (median) per Python or JavaScript
// submission; Go has no target (compiling dominates). The exit status is
// non-zero only when a run fails or grades wrong, not for a missed target.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

const targetMs = 50.0

var solutions = map[language.Language]string{
	language.Python: `def solve(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
    return []
`,
	language.JavaScript: `function solve(nums, target) {
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];
    seen.set(nums[i], i);
  }
  return [];
}
`,
	language.Go: `package main

func solve(nums []int, target int) []int {
	seen := map[int]int{}
	for i, n := range nums {
		if j, ok := seen[target-n]; ok {
			return []int{j, i}
		}
		seen[n] = i
	}
	return nil
}
`,
}

// tests are 8 two-sum calls and their answers.
var tests = []struct{ args, want string }{
	{"[[2,7,11,15],9]", "[0,1]"}, {"[[3,2,4],6]", "[1,2]"}, {"[[3,3],6]", "[0,1]"}, {"[[1,2,3,4,5],9]", "[3,4]"},
	{"[[0,4,3,0],0]", "[0,3]"}, {"[[-1,-2,-3,-4,-5],-8]", "[2,4]"}, {"[[5,75,25],100]", "[1,2]"}, {"[[1,2],4]", "[]"},
}

func spec(lang language.Language) exercise.RunSpec {
	s := exercise.RunSpec{Language: lang, Code: solutions[lang], Entry: "solve", Limits: exercise.DefaultLimits()}
	for i, t := range tests {
		s.Tests = append(s.Tests, exercise.RunInput{Name: fmt.Sprintf("t%d", i+1), Args: json.RawMessage(t.args)})
	}
	return s
}

func check(rr exercise.RunResult) error {
	if rr.Status != exercise.RunCompleted {
		return fmt.Errorf("status %s (%s): %s %s", rr.Status, rr.Detail, rr.CompileOutput, rr.Stderr)
	}
	for i, t := range tests {
		if !exercise.JSONEqual(rr.Tests[i].Actual, json.RawMessage(t.want)) {
			return fmt.Errorf("test %d: got %s (%s), want %s", i+1, rr.Tests[i].Actual, rr.Tests[i].Error, t.want)
		}
	}
	return nil
}

func main() {
	n := flag.Int("n", 30, "measured runs per way and language")
	warmup := flag.Int("warmup", 3, "warm-up runs per way and language")
	langs := flag.String("lang", "python,javascript,go", "languages to measure")
	flag.Parse()
	if err := run(*n, *warmup, *langs); err != nil {
		fmt.Fprintln(os.Stderr, "grading bench:", err)
		os.Exit(1)
	}
}

func run(n, warmup int, langList string) error {
	var langs []language.Language
	for _, name := range strings.Split(langList, ",") {
		l, err := language.Parse(name)
		if err != nil {
			return err
		}
		langs = append(langs, l)
	}
	sandboxed, err := local.New(local.Config{Languages: langs})
	if err != nil {
		return fmt.Errorf("sandboxed runner: %w", err)
	}
	direct, err := local.New(local.Config{Languages: langs, Unsandboxed: true})
	if err != nil {
		return fmt.Errorf("direct runner: %w", err)
	}
	ctx := context.Background()
	fmt.Printf("grading latency, %d runs per way after %d warm-up, %d tests per submission (cgroups: %v)\n",
		n, warmup, len(tests), sandboxed.CgroupsEnabled())
	type row struct {
		lang                           language.Language
		sbx, dir                       []float64
		p50Over, p95Over               float64
		sbxP50, dirP50, sbxP95, dirP95 float64
	}
	var rows []row
	for _, lang := range langs {
		s := spec(lang)
		ways := []*local.Runner{direct, sandboxed}
		times := [2][]float64{}
		one := func(w int) error {
			start := time.Now()
			rr, err := ways[w].Run(ctx, s)
			ms := float64(time.Since(start).Microseconds()) / 1000
			if err != nil {
				return err
			}
			if err := check(rr); err != nil {
				return fmt.Errorf("%s (%s): %w", lang, map[int]string{0: "direct", 1: "sandbox"}[w], err)
			}
			times[w] = append(times[w], ms)
			return nil
		}
		for i := 0; i < warmup; i++ {
			for w := range ways {
				if err := one(w); err != nil {
					return err
				}
			}
		}
		times = [2][]float64{}
		for i := 0; i < n; i++ {
			for k := range ways {
				if err := one((i + k) % 2); err != nil { // alternate which goes first
					return err
				}
			}
		}
		r := row{lang: lang, dir: times[0], sbx: times[1]}
		r.dirP50, r.dirP95 = pct(r.dir, 50), pct(r.dir, 95)
		r.sbxP50, r.sbxP95 = pct(r.sbx, 50), pct(r.sbx, 95)
		r.p50Over, r.p95Over = r.sbxP50-r.dirP50, r.sbxP95-r.dirP95
		rows = append(rows, r)
	}
	fmt.Println()
	fmt.Printf("%-11s %12s %12s %12s %12s %14s %14s %7s\n", "language", "direct p50", "direct p95", "sandbox p50",
		"sandbox p95", "overhead p50", "overhead p95", "ratio")
	for _, r := range rows {
		fmt.Printf("%-11s %9.1f ms %9.1f ms %9.1f ms %9.1f ms %11.1f ms %11.1f ms %6.2fx\n", r.lang, r.dirP50, r.dirP95,
			r.sbxP50, r.sbxP95, r.p50Over, r.p95Over, r.sbxP50/r.dirP50)
	}
	fmt.Println()
	for _, r := range rows {
		target := "n/a"
		if r.lang != language.Go {
			target = "PASS"
			if r.p50Over >= targetMs {
				target = "FAIL"
			}
		}
		fmt.Printf("GRADING lang=%s sandbox_p50_ms=%.1f direct_p50_ms=%.1f overhead_p50_ms=%.1f overhead_p95_ms=%.1f target=%s\n",
			r.lang, r.sbxP50, r.dirP50, r.p50Over, r.p95Over, target)
	}
	return nil
}

// pct is the p-th percentile (nearest rank).
func pct(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
