package nb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeSpan is the time range of a query. The zero value means "unset": a
// notebooklet then uses its own default (for local files, the range of the
// data).
type TimeSpan struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ErrTimeSpan is matched (errors.Is) by every error of NewTimeSpan, Last
// and ParseTimeSpan.
var ErrTimeSpan = errors.New("invalid time span")

// now is the clock; tests replace it.
var now = time.Now

// NewTimeSpan returns the span [start, end]. Both zero gives the unset
// span; only one of them zero, or end before start, is an error.
func NewTimeSpan(start, end time.Time) (TimeSpan, error) {
	switch {
	case start.IsZero() && end.IsZero():
		return TimeSpan{}, nil
	case start.IsZero():
		return TimeSpan{}, fmt.Errorf("%w: end %s given without a start", ErrTimeSpan, end.Format(time.RFC3339))
	case end.IsZero():
		return TimeSpan{}, fmt.Errorf("%w: start %s given without an end", ErrTimeSpan, start.Format(time.RFC3339))
	case end.Before(start):
		return TimeSpan{}, fmt.Errorf("%w: end %s is before start %s", ErrTimeSpan, end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return TimeSpan{Start: start, End: end}, nil
}

// Last returns the span of the given period ending now. Periods are a
// positive number and a unit: s, m, h, d (days) or w (weeks), for example
// "30m", "12h", "1d", "2w"; Go durations such as "1h30m" work too.
func Last(period string) (TimeSpan, error) {
	d, err := ParsePeriod(period)
	if err != nil {
		return TimeSpan{}, err
	}
	end := now().UTC()
	return TimeSpan{Start: end.Add(-d), End: end}, nil
}

// ParsePeriod parses a period such as "30m", "12h", "1d" or "2w".
func ParsePeriod(period string) (time.Duration, error) {
	p := strings.TrimSpace(strings.ToLower(period))
	if p == "" {
		return 0, fmt.Errorf("%w: empty period (use e.g. 30m, 12h, 1d, 2w)", ErrTimeSpan)
	}
	var d time.Duration
	if unit := p[len(p)-1]; unit == 'd' || unit == 'w' {
		n, err := strconv.ParseFloat(p[:len(p)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("%w: period %q: not a number of days or weeks (use e.g. 1d, 2w)", ErrTimeSpan, period)
		}
		day := 24 * time.Hour
		if unit == 'w' {
			day *= 7
		}
		if n > float64(100*365*24*time.Hour/day) {
			return 0, fmt.Errorf("%w: period %q is too long", ErrTimeSpan, period)
		}
		d = time.Duration(n * float64(day))
	} else {
		var err error
		if d, err = time.ParseDuration(p); err != nil {
			return 0, fmt.Errorf("%w: period %q: use a number and a unit s, m, h, d or w (e.g. 30m, 12h, 1d, 2w)", ErrTimeSpan, period)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%w: period %q must be positive", ErrTimeSpan, period)
	}
	return d, nil
}

// timeLayouts are the accepted time formats; times without a zone are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime parses a time in RFC 3339 or one of the forms
// "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02" (UTC when no zone
// is given).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q: use RFC 3339 (2019-02-12T10:00:00Z) or 2019-02-12 [10:00[:00]]", ErrTimeSpan, s)
}

// ParseTimeSpan builds a span from command-line style strings; empty means
// not given:
//
//   - start and end: that span;
//   - period alone: the period ending now;
//   - period and start: the period from start; period and end: the period
//     ending at end;
//   - start alone: from start until now;
//   - nothing: the unset span.
//
// Giving all three, an end alone, a bad time or period, or an end before the
// start is an error.
func ParseTimeSpan(start, end, period string) (TimeSpan, error) {
	start, end, period = strings.TrimSpace(start), strings.TrimSpace(end), strings.TrimSpace(period)
	var st, et time.Time
	var err error
	if start != "" {
		if st, err = ParseTime(start); err != nil {
			return TimeSpan{}, fmt.Errorf("start: %w", err)
		}
	}
	if end != "" {
		if et, err = ParseTime(end); err != nil {
			return TimeSpan{}, fmt.Errorf("end: %w", err)
		}
	}
	if period == "" {
		switch {
		case start == "" && end == "":
			return TimeSpan{}, nil
		case start == "":
			return TimeSpan{}, fmt.Errorf("%w: end given without a start or a period", ErrTimeSpan)
		case end == "":
			et = now().UTC()
		}
		return NewTimeSpan(st, et)
	}
	d, err := ParsePeriod(period)
	if err != nil {
		return TimeSpan{}, err
	}
	switch {
	case start != "" && end != "":
		return TimeSpan{}, fmt.Errorf("%w: give a start and an end, or a period with at most one of them, not all three", ErrTimeSpan)
	case start != "":
		return NewTimeSpan(st, st.Add(d))
	case end != "":
		return NewTimeSpan(et.Add(-d), et)
	}
	return Last(period)
}

// IsZero reports whether the span is unset.
func (t TimeSpan) IsZero() bool { return t.Start.IsZero() && t.End.IsZero() }

// Duration is End - Start.
func (t TimeSpan) Duration() time.Duration { return t.End.Sub(t.Start) }

// Contains reports whether tm is within [Start, End]; an unset span
// contains every time.
func (t TimeSpan) Contains(tm time.Time) bool {
	if t.IsZero() {
		return true
	}
	return !tm.Before(t.Start) && !tm.After(t.End)
}

// String formats the span as "start – end" in RFC 3339, or "unset".
func (t TimeSpan) String() string {
	if t.IsZero() {
		return "unset"
	}
	return t.Start.Format(time.RFC3339) + " – " + t.End.Format(time.RFC3339)
}
