package github

// Classify exposes the error translation to the table test.
var Classify = classify
