//go:build ignore

package main

import (
	"slices"
	"strings"
)

// reverseWords returns the words of s in reverse order, separated by single spaces.
func reverseWords(s string) string {
	words := strings.Fields(s) // splits on any run of whitespace, drops empty pieces
	slices.Reverse(words)
	return strings.Join(words, " ")
}
