//go:build ignore

package main

// minStack runs the stack operations in ops ("push X", "pop", "top", "min")
// and returns the values reported by "top" and "min", in order.
func minStack(ops []string) []int {
	// TODO: simulate the stack and collect the reported values.
	return nil
}
