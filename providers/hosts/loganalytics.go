package hosts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
)

// LogAnalyticsOptions tune the Log Analytics resolver.
type LogAnalyticsOptions struct {
	// Endpoint replaces https://api.loganalytics.io; Audience defaults to it.
	Endpoint, Audience string
	// ClientOptions are passed to azlogs (Transport, Retry, ...).
	ClientOptions azcore.ClientOptions
	// Lookback is how far back to look for records (default 30 days).
	Lookback time.Duration
	// Now returns the current time (tests); default time.Now.
	Now func() time.Time
}

// LogAnalyticsResolver resolves hosts from the latest Heartbeat, VMComputer
// and NetworkInterface records of a Log Analytics workspace.
type LogAnalyticsResolver struct {
	workspace string
	client    *azlogs.Client
	lookback  time.Duration
	now       func() time.Time
}

// ErrAuth is matched (errors.Is) when Log Analytics rejects the credential;
// it is the same error as flows.ErrAuth.
var ErrAuth = loganalytics.ErrAuth

// LogAnalytics returns a Resolver over a workspace. cred nil means
// azidentity's DefaultAzureCredential.
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, opts *LogAnalyticsOptions) (*LogAnalyticsResolver, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, errors.New("hosts: log analytics: empty workspace ID")
	}
	if opts == nil {
		opts = &LogAnalyticsOptions{}
	}
	client, err := loganalytics.NewClient(cred, loganalytics.ClientConfig{Endpoint: opts.Endpoint, Audience: opts.Audience, ClientOptions: opts.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("hosts: log analytics: %w", err)
	}
	r := &LogAnalyticsResolver{workspace: workspaceID, client: client, lookback: opts.Lookback, now: opts.Now}
	if r.lookback <= 0 {
		r.lookback = 30 * 24 * time.Hour
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

func kqlString(s string) string { return loganalytics.QuoteString(s) }

// KQL returns the query for value: the newest record of each kind that
// names the host (msticpy's get_heartbeat_for_host / get_ips_for_host) or
// holds the address (get_heartbeat_for_ip / get_host_for_ip): Heartbeat,
// VMComputer, the NetworkInterface rows of AzureNetworkAnalytics_CL, the
// VNet flow records of NTANetAnalytics (whose SrcVm/DestVm name the VMs),
// and Defender for Endpoint's DeviceInfo, DeviceNetworkInfo and
// DeviceNetworkEvents (whose DeviceName is the device's FQDN). Tables that
// do not exist in the workspace are skipped (union isfuzzy=true). A name
// is matched by its first label in the flow and device tables, as they
// write VM names and FQDNs.
func KQL(value string) (string, error) {
	v := strings.TrimSpace(value)
	if ip, ok := ipaddr.Canonical(v); ok {
		q := kqlString(ip)
		mapped := kqlString("::ffff:" + ip)
		return fmt.Sprintf(`union isfuzzy=true
  (Heartbeat | where ComputerIP == %[1]s or ComputerPrivateIPs has %[1]s | top 1 by TimeGenerated desc nulls last),
  (VMComputer | where Ipv4Addresses has %[1]s or Ipv6Addresses has %[1]s | top 1 by TimeGenerated desc nulls last),
  (AzureNetworkAnalytics_CL | where ResourceType == "NetworkInterface"
     | where PrivateIPAddresses_s has %[1]s or PublicIPAddresses_s has %[1]s | top 1 by TimeGenerated desc nulls last),
  (NTANetAnalytics | where SubType == "FlowLog" | where SrcIp == %[1]s or DestIp == %[1]s | top 1 by TimeGenerated desc nulls last),
  (DeviceNetworkInfo | where IPAddresses has %[1]s | top 1 by TimeGenerated desc nulls last),
  (DeviceInfo | where PublicIP == %[1]s | top 1 by TimeGenerated desc nulls last),
  (DeviceNetworkEvents | where LocalIP in (%[1]s, %[2]s) | top 1 by TimeGenerated desc nulls last)`, q, mapped), nil
	}
	if v == "" || strings.ContainsAny(v, "\"\\'|;\n\r ") {
		return "", fmt.Errorf("hosts: %q is not a host name or IP address", value)
	}
	name := kqlString(v)
	short := kqlString(shortName(v))
	return fmt.Sprintf(`union isfuzzy=true
  (Heartbeat | where Computer has %[1]s | top 1 by TimeGenerated desc nulls last),
  (VMComputer | where Computer has %[1]s or HostName =~ %[1]s | top 1 by TimeGenerated desc nulls last),
  (AzureNetworkAnalytics_CL | where ResourceType == "NetworkInterface"
     | where VirtualMachine_s has %[1]s | top 1 by TimeGenerated desc nulls last),
  (NTANetAnalytics | where SubType == "FlowLog" | where SrcVm has %[2]s or DestVm has %[2]s | top 1 by TimeGenerated desc nulls last),
  (DeviceInfo | where DeviceName has %[2]s | top 1 by TimeGenerated desc nulls last),
  (DeviceNetworkInfo | where DeviceName has %[2]s | top 1 by TimeGenerated desc nulls last),
  (DeviceNetworkEvents | where DeviceName has %[2]s | top 1 by TimeGenerated desc nulls last)`, name, short), nil
}

// Resolve implements Resolver.
func (r *LogAnalyticsResolver) Resolve(ctx context.Context, value string) (Host, error) {
	kql, err := KQL(value)
	if err != nil {
		return Host{}, err
	}
	now := r.now().UTC()
	ti := azlogs.NewTimeInterval(now.Add(-r.lookback), now)
	resp, err := r.client.QueryWorkspace(ctx, r.workspace, azlogs.QueryBody{Query: &kql, Timespan: &ti}, nil)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden) {
			return Host{}, fmt.Errorf("hosts: %w: HTTP %d for workspace %s (check the credential and its Log Analytics Reader role)", ErrAuth, re.StatusCode, r.workspace)
		}
		return Host{}, fmt.Errorf("hosts: log analytics query failed: %w", err)
	}
	var recs []Record
	for _, t := range resp.Tables {
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			if c.Name != nil {
				cols[i] = *c.Name
			}
		}
		for _, row := range t.Rows {
			rec := Record{}
			for i, v := range row {
				if i < len(cols) && v != nil {
					rec[cols[i]] = v
				}
			}
			recs = append(recs, rec)
		}
	}
	name := "log analytics workspace " + r.workspace
	if len(recs) == 0 {
		msg := ""
		if resp.Error != nil {
			msg = " (" + resp.Error.Code + ")"
		}
		return Host{}, fmt.Errorf("hosts: %w: no Heartbeat, VMComputer, NetworkInterface, NTANetAnalytics or Defender device record for %q in %s over the last %s%s",
			ErrNotFound, value, name, r.lookback, msg)
	}
	tab, err := FromRecords(name, recs)
	if err != nil {
		return Host{}, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return tab.Resolve(ctx, value)
}

// Provenance implements provenance.Describer: the workspace.
func (r *LogAnalyticsResolver) Provenance() provenance.Info {
	return provenance.Info{Kind: "log-analytics", Name: "Heartbeat, VMComputer, flow and device records", Location: "workspace " + r.workspace}
}
