//go:build ignore

package main

// isPalindrome reports whether s reads the same in both directions when only
// its letters and digits are kept and case is ignored.
func isPalindrome(s string) bool {
	// TODO: compare the letters and digits of s from both ends.
	return false
}
