package nb

import (
	"sort"
	"strings"
	"unicode"
)

// Match is one notebooklet found by Find.
type Match struct {
	Name        string
	Notebooklet Notebooklet
	// Terms are the search terms that matched, in query order.
	Terms []string
	// Where says where each match was found, e.g. "keyword:network".
	Where []string
	// Score ranks matches: more matched terms first, then a higher score.
	Score int
}

// Weights of the places a term can match.
const (
	weightName        = 8
	weightKeyword     = 6
	weightEntity      = 5
	weightDescription = 4
	weightOption      = 3
	weightMethod      = 3
	weightSection     = 1
)

// tokens splits s into lower-case words; CamelCase and snake_case names
// are split too ("NetworkFlowSummary" → network, flow, summary).
func tokens(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(cur[len(cur)-1]))) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// matchesToken reports whether term matches one of the words: equal, or a
// prefix of at least 3 letters ("net" matches "network").
func matchesToken(term string, words []string) bool {
	for _, w := range words {
		if w == term || (len(term) >= 3 && strings.HasPrefix(w, term)) {
			return true
		}
	}
	return false
}

// Find returns the registered notebooklets that match any of the search
// terms (split on spaces and punctuation, case-insensitive), ranked: more
// terms matched first, then the weight of where they matched (name,
// keywords, entity types, description, options, methods, section titles
// and texts), then the name.
func Find(terms string) []Match {
	q := tokens(terms)
	var out []Match
	for _, n := range All() {
		m := n.Metadata()
		fields := []struct {
			where  string
			weight int
			text   string
		}{{"name", weightName, m.Name}, {"description", weightDescription, m.Description}}
		for _, k := range m.Keywords {
			fields = append(fields, struct {
				where  string
				weight int
				text   string
			}{"keyword", weightKeyword, k})
		}
		for _, e := range m.EntityTypes {
			fields = append(fields, struct {
				where  string
				weight int
				text   string
			}{"entity", weightEntity, e})
		}
		for _, o := range m.Options() {
			fields = append(fields, struct {
				where  string
				weight int
				text   string
			}{"option", weightOption, o.Name + " " + o.Description})
		}
		for _, x := range m.Methods {
			fields = append(fields, struct {
				where  string
				weight int
				text   string
			}{"method", weightMethod, x.Name + " " + x.Doc})
		}
		for _, s := range m.Sections {
			fields = append(fields, struct {
				where  string
				weight int
				text   string
			}{"section", weightSection, s.Title + " " + s.Text})
		}
		match := Match{Name: m.Name, Notebooklet: n}
		seen := map[string]bool{}
		for _, t := range q {
			if seen[t] {
				continue
			}
			seen[t] = true
			hit := false
			for _, f := range fields {
				if matchesToken(t, tokens(f.text)) {
					match.Score += f.weight
					match.Where = append(match.Where, f.where+":"+t)
					hit = true
				}
			}
			if hit {
				match.Terms = append(match.Terms, t)
			}
		}
		if len(match.Terms) > 0 {
			out = append(out, match)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Terms) != len(out[j].Terms) {
			return len(out[i].Terms) > len(out[j].Terms)
		}
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Name < out[j].Name
	})
	return out
}
