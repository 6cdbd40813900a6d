package nb

import (
	"context"
	"errors"
	"fmt"
)

// Section is one display section of a notebooklet: the key of its title and
// text in the YAML `output:` mapping, and what it shows.
type Section struct {
	Key    string
	Render func(ctx context.Context, s Sink) error
}

// ErrUnknownSection is matched (errors.Is) when a section key is not in the
// notebooklet's metadata.
var ErrUnknownSection = errors.New("unknown section")

// ShowSection shows one section: unless silent, its heading and text from
// md, then whatever Render shows. A key missing from md is an error naming
// the known keys. A cancelled ctx stops before Render.
func ShowSection(ctx context.Context, s Sink, md *Metadata, sec Section, silent bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !silent {
		st, ok := md.Section(sec.Key)
		if !ok {
			keys := make([]string, 0, len(md.Sections))
			for _, x := range md.Sections {
				keys = append(keys, x.Key)
			}
			return fmt.Errorf("%w %q in %s (sections: %v)", ErrUnknownSection, sec.Key, md.Name, keys)
		}
		s.Heading(st.Level, st.Title)
		if st.Text != "" {
			s.Text(st.Text, st.Markdown)
		}
	}
	if sec.Render == nil {
		return nil
	}
	if err := sec.Render(ctx, s); err != nil {
		return fmt.Errorf("section %s: %w", sec.Key, err)
	}
	return nil
}
