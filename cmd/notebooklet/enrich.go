package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/gonotebooklets/notebooklets/internal/sample"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

func init() {
	register(command{
		name:    "enrich",
		usage:   "enrich [--geoip-city FILE] [--asn-db FILE] [--config FILE] [--json] IP...",
		summary: "IP type, ASN and location of IP addresses from GeoLite2 databases",
		run:     cmdEnrich,
	})
}

// enrichColumns are the output fields, in order (also the JSON keys).
var enrichColumns = []string{"ip", "ip_type", "asn", "asn_org", "country_iso", "country", "city", "latitude", "longitude"}

// enrichRow is one line of enrich output. Unknown numbers are null in JSON
// and empty in the table (never 0 or 0,0).
type enrichRow struct {
	IP         string      `json:"ip"`
	IPType     string      `json:"ip_type"`
	ASN        *asn.Number `json:"asn"`
	ASNOrg     string      `json:"asn_org"`
	CountryISO string      `json:"country_iso"`
	Country    string      `json:"country"`
	City       string      `json:"city"`
	Latitude   *float64    `json:"latitude"`
	Longitude  *float64    `json:"longitude"`
}

func (r enrichRow) cells() []string {
	c := []string{r.IP, r.IPType, "", r.ASNOrg, r.CountryISO, r.Country, r.City, "", ""}
	if r.ASN != nil {
		c[2] = strconv.FormatUint(uint64(*r.ASN), 10)
	}
	if r.Latitude != nil && r.Longitude != nil {
		c[7] = strconv.FormatFloat(*r.Latitude, 'f', 4, 64)
		c[8] = strconv.FormatFloat(*r.Longitude, 'f', 4, 64)
	}
	return c
}

// enricher looks addresses up in a City and an ASN database.
type enricher struct {
	geo *geoip.DB
	asn *asn.DB
}

// enrich returns one row per address. Non-public addresses get their type
// only; addresses a database does not know get empty fields from it.
// Lookup errors (a corrupt database) are returned with the address.
func (e enricher) enrich(a netip.Addr) (enrichRow, error) {
	row := enrichRow{IP: a.String(), IPType: string(ipaddr.Classify(a))}
	if row.IPType != string(ipaddr.Public) {
		return row, nil
	}
	var errs []error
	if e.asn != nil {
		inf, ok, err := e.asn.Lookup(a)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			if inf.ASN != 0 {
				n := inf.ASN
				row.ASN = &n
			}
			row.ASNOrg = inf.Name
		}
	}
	if e.geo != nil {
		loc, err := e.geo.Locate(a)
		if err != nil {
			errs = append(errs, err)
		} else {
			row.CountryISO, row.Country, row.City = loc.CountryISO, loc.Country, loc.City
			if loc.Known {
				lat, lon := loc.Latitude, loc.Longitude
				row.Latitude, row.Longitude = &lat, &lon
			}
		}
	}
	return row, errors.Join(errs...)
}

// enrichAll enriches addrs in order, spreading large batches over the CPUs
// (database lookups are memory-latency bound; the readers are safe for
// concurrent use). It returns the rows and the lookup errors.
func (e enricher) enrichAll(ctx context.Context, addrs []netip.Addr) ([]enrichRow, []error) {
	return e.enrichN(ctx, addrs, runtime.GOMAXPROCS(0))
}

// enrichN is enrichAll with at most maxWorkers goroutines.
func (e enricher) enrichN(ctx context.Context, addrs []netip.Addr, maxWorkers int) ([]enrichRow, []error) {
	rows := make([]enrichRow, len(addrs))
	errs := make([]error, len(addrs))
	// Looking addresses up in address order walks the databases' search
	// trees along shared paths, so most tree nodes come from the CPU cache.
	order := make([]int, len(addrs))
	for i := range order {
		order[i] = i
	}
	if len(addrs) > 64 {
		slices.SortFunc(order, func(a, b int) int { return addrs[a].Compare(addrs[b]) })
	}
	const chunk = 512
	workers := min(maxWorkers, (len(addrs)+chunk-1)/chunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(addrs) || ctx.Err() != nil {
					return
				}
				for _, i := range order[lo:min(lo+chunk, len(addrs))] {
					rows[i], errs[i] = e.enrich(addrs[i])
				}
			}
		}()
	}
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return rows, out
}

func cmdEnrich(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enrich", stderr)
	cityPath := fs.String("geoip-city", "", "GeoLite2/GeoIP2 City database `FILE` (default: config, $"+geoip.EnvCityDB+", msticpy's GeoLite2 folder, else the embedded sample)")
	asnPath := fs.String("asn-db", "", "GeoLite2-ASN database `FILE` (default: config, $"+geoip.EnvASNDB+", msticpy's GeoLite2 folder, else the embedded sample)")
	cfgPath := fs.String("config", "", "msticpyconfig.yaml `FILE` (default: $MSTICPYCONFIG, ./msticpyconfig.yaml, ~/.msticpyconfig.yaml)")
	asJSON := fs.Bool("json", false, "print a JSON array with the keys "+strings.Join(enrichColumns, ", "))
	ips, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ips) == 0 {
		return usageError("no IP addresses given")
	}

	cfg, err := config.Load(*cfgPath)
	if err != nil {
		if *cfgPath != "" {
			return err
		}
		fmt.Fprintf(stderr, "notebooklet enrich: ignoring the configuration: %v\n", err)
		cfg = &config.Config{}
	}
	var folder string
	if g, ok := cfg.GeoIPLite(); ok {
		folder = g.DBFolder
	}
	cityDB, note, err := openEnrichDB(*cityPath, cfg.Notebooklets.GeoIPCityDB, folder, geoip.EditionCity, geoip.Open, func() (*geoip.DB, error) { return geoip.OpenBytes(sample.CityDB) })
	if err != nil {
		return err
	}
	defer cityDB.Close()
	if note != "" {
		fmt.Fprintln(stderr, "notebooklet enrich: "+note)
	}
	asnDB, note, err := openEnrichDB(*asnPath, cfg.Notebooklets.ASNDB, folder, geoip.EditionASN, asn.OpenDB, func() (*asn.DB, error) { return asn.OpenDBBytes(sample.ASNDB) })
	if err != nil {
		return err
	}
	defer asnDB.Close()
	if note != "" {
		fmt.Fprintln(stderr, "notebooklet enrich: "+note)
	}

	var addrs []netip.Addr
	var given []string
	var bad []string
	seen := map[string]bool{}
	for _, s := range ips {
		if seen[s] {
			continue
		}
		seen[s] = true
		a, ok := ipaddr.Parse(s)
		if !ok {
			bad = append(bad, strconv.Quote(s))
			continue
		}
		addrs = append(addrs, a)
		given = append(given, s)
	}
	rows, lookupErrs := enricher{geo: cityDB, asn: asnDB}.enrichAll(ctx, addrs)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for i := range rows {
		rows[i].IP = given[i] // as given, so callers can match their input
	}
	if err := printEnrich(stdout, rows, *asJSON); err != nil {
		return err
	}
	var errs []error
	if len(bad) == 1 {
		errs = append(errs, fmt.Errorf("invalid IP address %s", bad[0]))
	} else if len(bad) > 1 {
		errs = append(errs, fmt.Errorf("invalid IP addresses %s", strings.Join(bad, ", ")))
	}
	errs = append(errs, lookupErrs...)
	return errors.Join(errs...)
}

// openEnrichDB opens the database named by the flag, else by the config,
// else found by geoip.Lookup ($NOTEBOOKLETS_GEOIP_*, DBFolder, ~/.msticpy);
// with none of these it opens the embedded sample and says so in note. A
// named file that is missing or broken is an error.
func openEnrichDB[T any](flagPath, cfgPath, folder, edition string, open func(string) (T, error), openSample func() (T, error)) (db T, note string, err error) {
	explicit := flagPath
	if explicit == "" {
		explicit = cfgPath
	}
	p, err := geoip.Lookup{Edition: edition, Explicit: explicit, DBFolder: folder}.Find()
	var nf *geoip.NotFoundError
	switch {
	case err == nil:
		db, err = open(p)
		return db, "", err
	case errors.As(err, &nf) && nf.Reason == "":
		db, err = openSample()
		flag := "--geoip-city"
		if edition == geoip.EditionASN {
			flag = "--asn-db"
		}
		return db, fmt.Sprintf("no %s database given or found (looked in %s): using the embedded synthetic sample, which knows only the sample's addresses; pass %s FILE for real data",
			edition, strings.Join(nf.Looked, ", "), flag), err
	}
	return db, "", err
}

func printEnrich(w io.Writer, rows []enrichRow, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(enrichColumns, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(sanitizeCells(r.cells()), "\t"))
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// sanitizeCells keeps database strings from breaking the table (tabs,
// newlines, control characters).
// sanitizeCells makes cells safe for a terminal table: control characters
// escaped (nb.TerminalSafe), tabs and newlines, which would break the
// columns, as spaces.
func sanitizeCells(c []string) []string {
	for i, s := range c {
		c[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(nb.TerminalSafe(s))
	}
	return c
}
