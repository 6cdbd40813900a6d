// Package geoip places IP addresses on the map with MaxMind GeoLite2/GeoIP2
// City databases.
package geoip

import "net/netip"

// Location is where a database places an IP address. Private and reserved
// addresses, and addresses the database does not know, have Known false and
// no coordinates (never 0,0).
type Location struct {
	IP         string  `json:"ip"`
	CountryISO string  `json:"country_iso"`
	Country    string  `json:"country"`
	City       string  `json:"city"`
	Latitude   float64 `json:"latitude"`
	Longitude  float64 `json:"longitude"`
	Known      bool    `json:"known"`
}

// Locator looks up the location of an address.
type Locator interface {
	Locate(ip netip.Addr) (Location, error)
}
