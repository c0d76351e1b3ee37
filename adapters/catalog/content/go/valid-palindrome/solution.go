//go:build ignore

package main

import "unicode"

// isPalindrome reports whether s reads the same in both directions when only
// its letters and digits are kept and case is ignored.
func isPalindrome(s string) bool {
	// Ranging over a string yields runes, so multi-byte letters stay whole.
	var kept []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			kept = append(kept, unicode.ToLower(r))
		}
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		if kept[i] != kept[j] {
			return false
		}
	}
	return true
}
