package flows

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const aliasRow = `"FlowStartTime":"2019-02-14T00:10:00Z","FlowEndTime":"2019-02-14T00:50:00Z","FlowDirection":"O","AllowedInFlows":0,"VMIPAddress":"10.0.3.5","AllExtIPs":"13.107.4.50"`

// TestDuplicateColumns: two columns of one field (two aliases, or one name
// twice) give the first one's values, in CSV and JSON alike, on every run,
// and a warning names both (issue 10 item 2).
func TestDuplicateColumns(t *testing.T) {
	csvHdr := "FlowStartTime,FlowEndTime,FlowDirection,AllowedInFlows,VMIPAddress,AllExtIPs,"
	csvRow := "2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,0,10.0.3.5,13.107.4.50,"
	tests := []struct {
		name, file, data string
		want             int64
		warn             string
	}{
		{"csv projected first", "a.csv", csvHdr + "AllowedOutFlows,AllowedOutFlows_d\n" + csvRow + "5,7\n", 5,
			`a.csv: columns "AllowedOutFlows" and "AllowedOutFlows_d" both give AllowedOutFlows; "AllowedOutFlows" (the first) is read`},
		{"csv raw first", "a.csv", csvHdr + "AllowedOutFlows_d,AllowedOutFlows\n" + csvRow + "7,5\n", 7,
			`a.csv: columns "AllowedOutFlows_d" and "AllowedOutFlows" both give AllowedOutFlows; "AllowedOutFlows_d" (the first) is read`},
		{"csv same name twice", "a.csv", csvHdr + "AllowedOutFlows,AllowedOutFlows\n" + csvRow + "5,7\n", 5,
			`a.csv: column "AllowedOutFlows" appears twice; the first one is read`},
		{"json projected first", "a.json", `[{` + aliasRow + `,"AllowedOutFlows":5,"AllowedOutFlows_d":7}]`, 5,
			`a.json: columns "AllowedOutFlows" and "AllowedOutFlows_d" both give AllowedOutFlows; "AllowedOutFlows" (the first) is read`},
		{"json raw first", "a.json", `[{"AllowedOutFlows_d":7,` + aliasRow + `,"AllowedOutFlows":5}]`, 7,
			`a.json: columns "AllowedOutFlows_d" and "AllowedOutFlows" both give AllowedOutFlows; "AllowedOutFlows_d" (the first) is read`},
		{"ndjson case variants", "a.ndjson", `{` + aliasRow + `,"allowedoutflows":5,"AllowedOutFlows":7}` + "\n", 5,
			`a.ndjson: columns "allowedoutflows" and "AllowedOutFlows" both give AllowedOutFlows; "allowedoutflows" (the first) is read`},
		{"ndjson duplicate from the second object on", "a.ndjson", `{` + aliasRow + `,"AllowedOutFlows":5}` + "\n" + `{` + aliasRow + `,"AllowedOutFlows":6,"AllowedOutFlows_d":8}` + "\n", 11,
			`a.ndjson: columns "AllowedOutFlows" and "AllowedOutFlows_d" both give AllowedOutFlows; "AllowedOutFlows" (the first) is read (object 2)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 { // Go map order changes between runs: the answer must not
				s, err := OpenBytes(tc.file, []byte(tc.data), FormatAuto)
				if err != nil {
					t.Fatal(err)
				}
				got, st := collect(t, s, Query{})
				var sum int64
				for _, f := range got {
					sum += f.AllowedOutFlows
				}
				if sum != tc.want {
					t.Fatalf("AllowedOutFlows = %d, want %d", sum, tc.want)
				}
				if d := cmp.Diff([]string{tc.warn}, st.Warnings); d != "" {
					t.Fatalf("warnings (-want +got):\n%s", d)
				}
			}
		})
	}
}

// TestPortalTimeZones: a portal header's stated offset is applied to the
// times of its column; "[Local Time]" is refused on a required column with
// a message saying how to export in UTC, and ignored with a warning on
// TimeGenerated (issue 10 item 5).
func TestPortalTimeZones(t *testing.T) {
	body := func(start string) string {
		return `"` + start + `","2/14/2019, 12:50:00.000 AM",O,1,0,10.0.3.5,13.107.4.50` + "\n"
	}
	tests := []struct {
		name, header, start string
		want                string
	}{
		{"utc", "FlowStartTime [UTC]", "2/14/2019, 12:10:00.000 AM", "2019-02-14T00:10:00Z"},
		{"east offset", "FlowStartTime [UTC+05:30]", "2/14/2019, 5:40:00.000 AM", "2019-02-14T00:10:00Z"},
		{"west offset", "FlowStartTime [UTC-03:00]", "2/13/2019, 9:10:00.000 PM", "2019-02-14T00:10:00Z"},
		{"hours only", "FlowStartTime [UTC+2]", "2/14/2019, 2:10:00.000 AM", "2019-02-14T00:10:00Z"},
		{"zoned value is absolute", "FlowStartTime [UTC+05:30]", "2019-02-14T00:10:00Z", "2019-02-14T00:10:00Z"},
		{"iso without zone takes the offset", "FlowStartTime [UTC+01:00]", "2019-02-14T01:10:00", "2019-02-14T00:10:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.header + ",FlowEndTime [UTC],FlowDirection,AllowedOutFlows,AllowedInFlows,VMIPAddress,AllExtIPs\n" + body(tc.start)
			s, err := OpenBytes("tz.csv", []byte(data), FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := collect(t, s, Query{})
			if len(got) != 1 || !got[0].FlowStartTime.Equal(ts(tc.want)) {
				t.Fatalf("flows %+v, want FlowStartTime %s", got, tc.want)
			}
		})
	}
	for _, unit := range []string{"[Local Time]", "[Europe/Paris]", "[UTC+25:00]"} {
		data := "FlowStartTime " + unit + ",FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,VMIPAddress\n"
		_, err := OpenBytes("tz.csv", []byte(data), FormatAuto)
		if err == nil || !strings.Contains(err.Error(), "tz.csv") || !strings.Contains(err.Error(), "UTC") || !strings.Contains(err.Error(), unit[1:len(unit)-1]) {
			t.Errorf("%s: err = %v, want a refusal naming the file and saying how to export in UTC", unit, err)
		}
		if unit == "[Local Time]" && !errors.Is(err, ErrLocalTime) {
			t.Errorf("%s: err = %v, want ErrLocalTime", unit, err)
		}
	}
	data := "TimeGenerated [Local Time],FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,VMIPAddress\n" +
		`"2/14/2019, 1:30:00.000 AM",2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,1,0,10.0.3.5` + "\n"
	s, err := OpenBytes("tg.csv", []byte(data), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 1 || !got[0].TimeGenerated.IsZero() || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "ignored") {
		t.Errorf("TimeGenerated [Local Time]: flows %+v, warnings %q", got, st.Warnings)
	}
}
