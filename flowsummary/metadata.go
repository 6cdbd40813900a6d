package flowsummary

import (
	_ "embed"
	"fmt"

	"github.com/gonotebooklets/notebooklets/nb"
)

// metadataYAML is the notebooklet's metadata file: options, section titles
// and texts, methods, result fields and run parameters.
//
//go:embed network_flow_summary.yaml
var metadataYAML []byte

// metadata is the parsed network_flow_summary.yaml.
var metadata = mustLoadMetadata(metadataYAML)

func mustLoadMetadata(data []byte) *nb.Metadata {
	md, err := nb.LoadMetadata(data)
	if err != nil {
		// The file is embedded and tested; a failure is a build defect.
		panic(fmt.Sprintf("flowsummary: network_flow_summary.yaml: %v", err))
	}
	return md
}

// Metadata returns the notebooklet's metadata (from
// network_flow_summary.yaml). Callers must not modify it.
func Metadata() *nb.Metadata { return metadata }

// registration is the value registered with nb.Register; it describes the
// notebooklet to the help, the CLI and nb.Find.
type registration struct{}

// Metadata implements nb.Notebooklet.
func (registration) Metadata() *nb.Metadata { return metadata }

func init() { nb.Register(registration{}) }
