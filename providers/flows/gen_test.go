package flows

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"
)

// genCSV writes rows in the format of ../shared/bench/gen_flows.py (the
// projected schema, PublicIPs as quoted JSON text), deterministically.
func genCSV(rows int, seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, 7))
	remote := make([]string, 2000)
	firsts := []int{13, 20, 23, 40, 52, 104, 151, 173, 185, 195, 203, 212}
	for i := range remote {
		if i%10 == 0 {
			remote[i] = fmt.Sprintf("10.%d.%d.%d", rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
		} else {
			remote[i] = fmt.Sprintf("%d.%d.%d.%d", firsts[rnd.IntN(len(firsts))], rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
		}
	}
	type proto struct {
		l4, l7 string
		port   int
		w      int
	}
	protos := []proto{{"T", "https", 443, 50}, {"T", "http", 80, 15}, {"U", "dns", 53, 15}, {"T", "ssh", 22, 5},
		{"T", "rdp", 3389, 3}, {"U", "ntp", 123, 5}, {"T", "smtp", 25, 2}, {"T", "unknown", 8443, 5}}
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.Grow(rows * 262)
	b.WriteString("TenantId,TimeGenerated,FlowStartTime,FlowEndTime,FlowIntervalEndTime,FlowType,ResourceGroup,VMName,VMIPAddress,PublicIPs,SrcIP,DestIP,L4Protocol,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,DeniedInFlows,DeniedOutFlows,RemoteRegion,VMRegion,AllExtIPs\n")
	for range rows {
		start := t0.Add(time.Duration(rnd.IntN(86400*2+1)) * time.Second)
		end := start.Add(time.Duration(rnd.IntN(3001)) * time.Second)
		w := rnd.IntN(100)
		var p proto
		for _, p = range protos {
			if w < p.w {
				break
			}
			w -= p.w
		}
		ext := remote[rnd.IntN(len(remote))]
		dir := "O"
		if rnd.Float64() >= 0.7 {
			dir = "I"
		}
		private := ext[:3] == "10."
		n := 1 + rnd.IntN(40)
		out, in := n, 0
		if dir == "I" {
			out, in = 0, n
		}
		ftype, pub, src, dst, region := "AzurePublic", `"[""`+ext+`""]"`, "", "", "eastus"
		if private {
			ftype, pub, region = "IntraVNet", "[]", ""
			if dir == "I" {
				src = ext
			} else {
				dst = ext
			}
		}
		fmt.Fprintf(&b, "52b1ab41-869e-4138-9e40-2a4457f09bf0,%s,%s,%s,%s,%s,asihuntomsworkspacerg,msticalertswin1,10.0.3.5,%s,%s,%s,%s,%s,%d,%s,%d,%d,0,0,%s,eastus,%s\n",
			end.Add(30*time.Minute).Format("2006-01-02T15:04:05.000000Z"), start.Format("2006-01-02T15:04:05Z"),
			end.Format("2006-01-02T15:04:05Z"), end.Truncate(time.Hour).Format("2006-01-02T15:04:05Z"),
			ftype, pub, src, dst, p.l4, p.l7, p.port, dir, out, in, region, ext)
	}
	return b.Bytes()
}
