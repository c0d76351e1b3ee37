// Package ports holds the interfaces the core needs from the outside world
// (repositories, clock, transactions, health probes...). In this codebase
// "ports" means these outbound, driven interfaces; the HTTP handlers are
// driving adapters that call application use cases directly.
//
// Every signature speaks domain types: no pgx, redis, fiber or SDK type
// crosses a port.
package ports
