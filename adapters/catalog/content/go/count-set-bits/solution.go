//go:build ignore

package main

// countSetBits returns the number of 1 bits in the binary form of n (n >= 0).
func countSetBits(n int) int {
	count := 0
	for n != 0 {
		n &= n - 1 // clears the lowest 1 bit
		count++
	}
	return count
}
