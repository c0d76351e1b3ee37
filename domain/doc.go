// Package domain is the centre of the hexagon: entities, value objects and
// policies in plain Go. Nothing below domain/ imports anything but the
// standard library and other domain packages (test/arch enforces it).
package domain
