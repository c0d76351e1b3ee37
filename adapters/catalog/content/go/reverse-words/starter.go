//go:build ignore

package main

// reverseWords returns the words of s in reverse order, separated by single spaces.
// For example, reverseWords("  hello   world  ") is "world hello".
func reverseWords(s string) string {
	// TODO: split s into words, reverse their order and join them.
	return ""
}
