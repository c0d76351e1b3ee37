//go:build ignore

package main

// sumOfDigits returns the sum of the decimal digits of n, ignoring its sign.
func sumOfDigits(n int) int {
	sum := 0
	for n != 0 {
		d := n % 10 // negative when n is negative, so flip it
		if d < 0 {
			d = -d
		}
		sum += d
		n /= 10
	}
	return sum
}
