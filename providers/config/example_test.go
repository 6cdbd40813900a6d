package config_test

import (
	"fmt"
	"os"

	"github.com/gonotebooklets/notebooklets/providers/config"
)

func Example() {
	os.Setenv("EXAMPLE_OTX_KEY", "not-a-real-key")
	cfg, err := config.Parse("msticpyconfig.yaml", []byte(`
TIProviders:
  OTX:
    Args:
      AuthKey:
        EnvironmentVar: EXAMPLE_OTX_KEY
    Primary: True
    Provider: OTX
AzureSentinel:
  Workspaces:
    Default:
      WorkspaceId: 00000000-0000-0000-0000-000000000001
      TenantId: 00000000-0000-0000-0000-000000000002
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ws, _ := cfg.Workspace("")
	fmt.Println("workspace:", ws.WorkspaceID)
	fmt.Println("OTX key:", cfg.TIProviders["OTX"].Arg("AuthKey"))
	provs, _ := config.TIProviders(cfg)
	for _, p := range provs {
		fmt.Println("provider:", p.Name())
	}
	// Output:
	// workspace: 00000000-0000-0000-0000-000000000001
	// OTX key: [redacted]
	// provider: OTX
}
