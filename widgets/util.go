package widgets

import (
	"encoding/json"
	"strings"
)

type htmlBuilder = strings.Builder

func jsonRoundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
