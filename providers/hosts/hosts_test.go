package hosts

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/google/go-cmp/cmp"
)

func TestSample(t *testing.T) {
	h := samplegen.Host
	want := Host{
		Name: h.Name, FQDN: h.FQDN, PrivateIPs: []string{h.PrivateIP}, PublicIPs: []string{h.PublicIP},
		OSType: h.OSType, OSName: h.OSName, OSVersion: "10.0", Environment: "Azure",
		ResourceID: h.ResourceID(), SubscriptionID: h.SubscriptionID, ResourceGroup: h.ResourceGroup, VMID: h.VMID,
		Region: h.Region, VMSize: "Standard_D2s_v3", MACAddress: "00-0D-3A-1B-2C-3D",
		LastSeen: samplegen.End.Add(-7 * time.Minute), Sources: []string{"Heartbeat", "VMComputer", "NetworkInterface"},
	}
	s := Sample()
	for _, v := range []string{"msticalertswin1", "MSTICAlertsWin1", h.FQDN, "msticalertswin1.other.example", h.PrivateIP, h.PublicIP, "::ffff:" + h.PrivateIP} {
		got, err := s.Resolve(context.Background(), v)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", v, err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Resolve(%q) (-want +got):\n%s", v, d)
		}
	}
	for _, v := range []string{"otherhost", "10.0.3.99"} {
		if _, err := s.Resolve(context.Background(), v); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) err = %v", v, err)
		}
	}
	if _, err := s.Resolve(context.Background(), " "); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("empty value: %v", err)
	}
}

func TestFiles(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		value string
		want  Host
	}{
		{"portal csv, newest heartbeat wins", []string{"testdata/heartbeat_export.csv"}, "WEB01", Host{
			Name: "web01", FQDN: "web01.contoso.example", PublicIPs: []string{"52.114.7.9"}, OSType: "Linux", OSName: "Ubuntu",
			OSVersion: "20.04", Environment: "Azure", ResourceID: "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/web01",
			SubscriptionID: "s1", ResourceGroup: "rg1", LastSeen: time.Date(2019, 2, 14, 5, 24, 41, 0, time.UTC), Sources: []string{"Heartbeat"},
		}},
		{"private ip", []string{"testdata/heartbeat_export.csv"}, "10.1.0.4", Host{
			Name: "db01", PrivateIPs: []string{"10.1.0.4"}, OSType: "Windows", OSName: "Windows Server 2019", OSVersion: "10.0",
			Environment: "Non-Azure", LastSeen: time.Date(2019, 2, 14, 4, 0, 0, 0, time.UTC), Sources: []string{"Heartbeat"},
		}},
		{"vmcomputer and nic", []string{"testdata/mixed.ndjson"}, "10.1.0.6", Host{
			Name: "web01", FQDN: "web01.contoso.example", PrivateIPs: []string{"10.1.0.5", "10.1.0.6"}, PublicIPs: []string{"52.114.7.9"},
			OSType: "Linux", OSName: "Ubuntu 20.04", Environment: "Azure", SubscriptionID: "s1", ResourceGroup: "rg1", VMID: "vm-1",
			Region: "westeurope", VMSize: "Standard_B2s", MACAddress: "00-0D-3A-00-00-01",
			LastSeen: time.Date(2019, 2, 14, 4, 0, 0, 0, time.UTC), Sources: []string{"VMComputer", "NetworkInterface"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := OpenFile(tc.files[0])
			if err != nil {
				t.Fatal(err)
			}
			got, err := tab.Resolve(context.Background(), tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"empty.json":   "",
		"bad.json":     "[{",
		"other.ndjson": `{"Type":"SecurityEvent","Computer":"x"}`,
		"bad.ndjson":   "{\"Computer\":\"a\",\"OSType\":\"Linux\"}\n{oops\n",
		"bad.csv":      "a,b\n\"x",
	} {
		if _, err := Parse(name, []byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := OpenFile("testdata/nope.json"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
