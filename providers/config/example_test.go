package config_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
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

func ExampleASNResolver() {
	cfg, _ := config.Parse("msticpyconfig.yaml", []byte("Notebooklets:\n  offline: true\n"))
	// Offline with the embedded sample database: nothing leaves the machine.
	r, warns, err := config.ASNResolver(cfg, config.ASNOptions{Sample: true, NoCache: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	fmt.Println("warnings:", len(warns))
	res, _ := r.Resolve(context.Background(), []string{"13.107.4.50", "10.0.3.5"})
	for _, ip := range []string{"13.107.4.50", "10.0.3.5"} {
		inf := res.Found[ip]
		fmt.Printf("%s: %s (source %s)\n", ip, inf.Label(), inf.Source)
	}
	// Output:
	// warnings: 0
	// 13.107.4.50: AS64497 CONTOSO-CLOUD-EDGE (source geolite2-asn)
	// 10.0.3.5: private address (source private)
}

func ExampleTIProvidersWith() {
	cfg, _ := config.Parse("msticpyconfig.yaml", []byte(`
TIProviders:
  VirusTotal:
    Args:
      AuthKey: not-a-real-key
      RequestsPerMinute: 4
    Primary: True
  AzureSentinel:
    Args:
      WorkspaceID: 00000000-0000-0000-0000-000000000001
    Primary: True
    Provider: AzSTI
`))
	provs, _ := config.TIProvidersWith(cfg, config.TIOptions{})
	for _, p := range provs {
		fmt.Println(p.Name(), "-", provenance.Of(p).Location)
	}
	// Offline: only local indicator files (here none).
	provs, _ = config.TIProvidersWith(cfg, config.TIOptions{Offline: true})
	fmt.Println("offline:", len(provs), "providers")
	// Output:
	// AzSTI - workspace 00000000-0000-0000-0000-000000000001 (ThreatIntelIndicators, ThreatIntelligenceIndicator)
	// VirusTotal - https://www.virustotal.com
	// offline: 0 providers
}
