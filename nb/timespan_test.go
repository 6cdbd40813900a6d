package nb

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fixNow(t *testing.T, tm time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return tm }
	t.Cleanup(func() { now = old })
}

func TestParseTimeSpan(t *testing.T) {
	nowT := time.Date(2019, 2, 16, 12, 0, 0, 0, time.UTC)
	fixNow(t, nowT)
	d := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name               string
		start, end, period string
		want               TimeSpan
		wantErr            string
	}{
		{name: "nothing is unset"},
		{name: "start and end", start: "2019-02-12T00:00:00Z", end: "2019-02-16T00:00:00Z",
			want: TimeSpan{d("2019-02-12T00:00:00Z"), d("2019-02-16T00:00:00Z")}},
		{name: "date only", start: "2019-02-12", end: "2019-02-13",
			want: TimeSpan{d("2019-02-12T00:00:00Z"), d("2019-02-13T00:00:00Z")}},
		{name: "space form", start: "2019-02-12 10:30:00", end: "2019-02-12 11:00",
			want: TimeSpan{d("2019-02-12T10:30:00Z"), d("2019-02-12T11:00:00Z")}},
		{name: "zone kept", start: "2019-02-12T10:00:00+02:00", end: "2019-02-12T11:00:00+02:00",
			want: TimeSpan{d("2019-02-12T10:00:00+02:00"), d("2019-02-12T11:00:00+02:00")}},
		{name: "period 30m", period: "30m", want: TimeSpan{nowT.Add(-30 * time.Minute), nowT}},
		{name: "period 12h", period: "12h", want: TimeSpan{nowT.Add(-12 * time.Hour), nowT}},
		{name: "period 1d", period: "1d", want: TimeSpan{nowT.Add(-24 * time.Hour), nowT}},
		{name: "period 2w", period: "2w", want: TimeSpan{nowT.Add(-14 * 24 * time.Hour), nowT}},
		{name: "period 1.5d", period: "1.5d", want: TimeSpan{nowT.Add(-36 * time.Hour), nowT}},
		{name: "period go duration", period: "1h30m", want: TimeSpan{nowT.Add(-90 * time.Minute), nowT}},
		{name: "period upper case", period: "2D", want: TimeSpan{nowT.Add(-48 * time.Hour), nowT}},
		{name: "period from start", start: "2019-02-12", period: "1d",
			want: TimeSpan{d("2019-02-12T00:00:00Z"), d("2019-02-13T00:00:00Z")}},
		{name: "period to end", end: "2019-02-13", period: "1d",
			want: TimeSpan{d("2019-02-12T00:00:00Z"), d("2019-02-13T00:00:00Z")}},
		{name: "start alone until now", start: "2019-02-15", want: TimeSpan{d("2019-02-15T00:00:00Z"), nowT}},
		{name: "end before start", start: "2019-02-13", end: "2019-02-12", wantErr: "is before start"},
		{name: "end alone", end: "2019-02-12", wantErr: "end given without a start"},
		{name: "all three", start: "2019-02-12", end: "2019-02-13", period: "1d", wantErr: "not all three"},
		{name: "bad start", start: "yesterday", wantErr: `start: invalid time span: time "yesterday"`},
		{name: "bad end", start: "2019-02-12", end: "12/02/2019", wantErr: "end: invalid time span"},
		{name: "bad period", period: "3 fortnights", wantErr: `period "3 fortnights"`},
		{name: "bad period unit", period: "5y", wantErr: `period "5y"`},
		{name: "bad day count", period: "xd", wantErr: "not a number of days"},
		{name: "zero period", period: "0h", wantErr: "must be positive"},
		{name: "negative period", period: "-1d", wantErr: "must be positive"},
		{name: "huge period", period: "1000000w", wantErr: "too long"},
		{name: "start after now", start: "2019-03-01", wantErr: "is before start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTimeSpan(tt.start, tt.end, tt.period)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrTimeSpan) {
					t.Fatalf("err = %v, want ErrTimeSpan containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(tt.want.Start) || !got.End.Equal(tt.want.End) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewTimeSpan(t *testing.T) {
	a := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	b := a.Add(time.Hour)
	tests := []struct {
		name       string
		start, end time.Time
		wantErr    string
	}{
		{"both zero", time.Time{}, time.Time{}, ""},
		{"ordered", a, b, ""},
		{"equal", a, a, ""},
		{"reversed", b, a, "is before start"},
		{"no start", time.Time{}, b, "without a start"},
		{"no end", a, time.Time{}, "without an end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := NewTimeSpan(tt.start, tt.end)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(TimeSpan{tt.start, tt.end}, ts); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestTimeSpanMethods(t *testing.T) {
	a := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	ts := TimeSpan{a, a.Add(2 * time.Hour)}
	if ts.IsZero() || !(TimeSpan{}).IsZero() {
		t.Error("IsZero")
	}
	if ts.Duration() != 2*time.Hour {
		t.Errorf("Duration = %v", ts.Duration())
	}
	for _, c := range []struct {
		tm   time.Time
		want bool
	}{{a, true}, {a.Add(time.Hour), true}, {a.Add(2 * time.Hour), true}, {a.Add(-time.Second), false}, {a.Add(3 * time.Hour), false}} {
		if got := ts.Contains(c.tm); got != c.want {
			t.Errorf("Contains(%v) = %v", c.tm, got)
		}
	}
	if !(TimeSpan{}).Contains(a) {
		t.Error("unset span should contain everything")
	}
	if got, want := ts.String(), "2019-02-12T00:00:00Z – 2019-02-12T02:00:00Z"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if (TimeSpan{}).String() != "unset" {
		t.Error("unset String")
	}
}

func TestLast(t *testing.T) {
	nowT := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	fixNow(t, nowT)
	ts, err := Last("2w")
	if err != nil {
		t.Fatal(err)
	}
	if !ts.End.Equal(nowT) || ts.Duration() != 14*24*time.Hour {
		t.Errorf("Last(2w) = %v", ts)
	}
	if _, err := Last(""); err == nil {
		t.Error("Last(\"\") succeeded")
	}
}
