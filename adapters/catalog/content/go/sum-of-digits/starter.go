//go:build ignore

package main

// sumOfDigits returns the sum of the decimal digits of n, ignoring its sign.
// For example, sumOfDigits(-907) is 9 + 0 + 7 = 16.
func sumOfDigits(n int) int {
	// TODO: add up the digits of n.
	return 0
}
