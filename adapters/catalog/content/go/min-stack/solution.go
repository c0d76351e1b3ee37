//go:build ignore

package main

import (
	"strconv"
	"strings"
)

// minStack runs the stack operations in ops ("push X", "pop", "top", "min")
// and returns the values reported by "top" and "min", in order.
func minStack(ops []string) []int {
	// mins[i] is the smallest of values[0..i], so every operation is O(1).
	var values, mins []int
	reported := []int{}
	for _, op := range ops {
		fields := strings.Fields(op)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "push":
			if len(fields) != 2 {
				continue
			}
			x, err := strconv.Atoi(fields[1])
			if err != nil {
				continue // the statement guarantees valid input; skip anything else
			}
			m := x
			if len(mins) > 0 {
				m = min(m, mins[len(mins)-1])
			}
			values = append(values, x)
			mins = append(mins, m)
		case "pop":
			if len(values) > 0 {
				values = values[:len(values)-1]
				mins = mins[:len(mins)-1]
			}
		case "top":
			if len(values) > 0 {
				reported = append(reported, values[len(values)-1])
			}
		case "min":
			if len(mins) > 0 {
				reported = append(reported, mins[len(mins)-1])
			}
		}
	}
	return reported
}
