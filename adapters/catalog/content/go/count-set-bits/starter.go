//go:build ignore

package main

// countSetBits returns the number of 1 bits in the binary form of n (n >= 0).
// For example, countSetBits(11) is 3 because 11 is 1011 in binary.
func countSetBits(n int) int {
	// TODO: count the 1 bits of n.
	return 0
}
