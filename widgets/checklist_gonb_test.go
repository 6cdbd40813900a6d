//go:build unix

package widgets

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// The GoNB side of Checklist.Done runs in a child process (gonbui decides
// IsNotebook from the environment at init) that talks over two named pipes to
// a fake GoNB kernel played by the test: the same gob protocol GoNB v0.11.3's
// internal/jpyexec speaks (display data, comm subscriptions, comm values, the
// #gonbui/sync handshake).

const gonbChildEnv = "NOTEBOOKLETS_TEST_GONB_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(gonbChildEnv) != "" {
		os.Exit(gonbChild())
	}
	os.Exit(m.Run())
}

// The child's environment variable holds the Apply bound (a duration).

// childResult is what the child prints on stdout.
type childResult struct {
	Selection Selection
	Err       string
}

// gonbChildModeEnv selects what the child cell shows: "" the checklist,
// "charts" two charts and a map with embedded assets.
const gonbChildModeEnv = "NOTEBOOKLETS_TEST_GONB_CHILD_MODE"

// gonbChild runs one checklist as a GoNB cell would and prints the outcome.
func gonbChild() int {
	if os.Getenv(gonbChildModeEnv) == "charts" {
		return gonbChartsChild()
	}
	items := []Item{
		{ID: "AS1", Label: "AS1", Details: []string{"100"}, Default: true, Reason: "rare"},
		{ID: "AS2", Label: "AS2", Details: []string{"5000"}},
		{ID: "AS3", Label: "AS3", Details: []string{"7"}, Default: true, Reason: "rare"},
		{ID: "AS10", Label: "AS10", Details: []string{"9000"}},
	}
	apply, err := time.ParseDuration(os.Getenv(gonbChildEnv))
	if err != nil {
		apply = 0 // the default bound
	}
	cl := NewChecklist("asn", items...).Columns("ASN", "flows").Title("Select the ASNs").Timeout(apply)
	if err := cl.Done(); err != nil {
		fmt.Println(`{"Err":` + jsValue(err.Error()) + `}`)
		return 0
	}
	sel, err := cl.Wait(context.Background())
	res := childResult{Selection: sel}
	if err != nil {
		res.Err = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	return 0
}

// gonbChartsChild shows two charts and a map in the cell, their assets
// embedded (no asset URL), and prints the error of each Done.
func gonbChartsChild() int {
	a := Assets{BaseURL: EmbeddedBaseURL, TileURL: NoTiles}
	pts := []Point{{Time: time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC), Value: 1}}
	errs := []string{}
	for _, err := range []error{
		NewTimeline("one").Series(Series{Name: "s", Points: pts}).Assets(a).Done(),
		NewValuesPlot("two").Series(Series{Name: "s", Points: pts}).Assets(a).Done(),
		NewMap("m").Assets(a).Marker(Marker{Lat: 1, Lon: 1}).Done(),
	} {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	b, _ := json.Marshal(childResult{Err: strings.Join(errs, "; ")})
	fmt.Println(string(b))
	return 0
}

// kernelMsg is one message the cell sent to the fake kernel.
type kernelMsg struct {
	Kind      string // "subscribe", "html", "comm"
	Address   string
	DisplayID string
	HTML      string
	Value     any
}

// fakeKernel reads the cell's messages, answers #gonbui/sync, and calls
// onHTML for each displayed HTML (it may send values back with send).
type fakeKernel struct {
	mu   sync.Mutex
	msgs []kernelMsg
	enc  *gob.Encoder
}

func (k *fakeKernel) send(addr string, v any) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.enc.Encode(&protocol.CommValue{Address: addr, Value: v})
}

func (k *fakeKernel) messages() []kernelMsg {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]kernelMsg(nil), k.msgs...)
}

func (k *fakeKernel) serve(t *testing.T, r *os.File, onHTML func(k *fakeKernel, m kernelMsg)) {
	dec := gob.NewDecoder(r)
	for {
		var d protocol.DisplayData
		if err := dec.Decode(&d); err != nil {
			return // the pipe is closed when the test ends
		}
		var m kernelMsg
		switch {
		case d.Data[protocol.MIMECommSubscribe] != nil:
			s, ok := d.Data[protocol.MIMECommSubscribe].(protocol.CommSubscription)
			if !ok {
				t.Errorf("subscribe message of type %T", d.Data[protocol.MIMECommSubscribe])
				continue
			}
			m = kernelMsg{Kind: "subscribe", Address: s.Address}
			if s.Unsubscribe {
				m.Kind = "unsubscribe"
			}
		case d.Data[protocol.MIMECommValue] != nil:
			v, ok := d.Data[protocol.MIMECommValue].(protocol.CommValue)
			if !ok {
				t.Errorf("comm value message of type %T", d.Data[protocol.MIMECommValue])
				continue
			}
			if v.Address == protocol.GonbuiSyncAddress {
				if err := k.send(protocol.GonbuiSyncAckAddress, v.Value); err != nil {
					t.Errorf("sync ack: %v", err)
				}
			}
			m = kernelMsg{Kind: "comm", Address: v.Address, Value: v.Value}
		default:
			h, _ := d.Data[protocol.MIMETextHTML].(string)
			m = kernelMsg{Kind: "html", DisplayID: d.DisplayID, HTML: h}
		}
		k.mu.Lock()
		k.msgs = append(k.msgs, m)
		k.mu.Unlock()
		if m.Kind == "html" && onHTML != nil {
			onHTML(k, m)
		}
	}
}

// runGoNBCell starts the child with the fake kernel and returns its result
// and the messages the kernel saw.
func runGoNBCell(t *testing.T, readyTimeout, applyTimeout string, onHTML func(k *fakeKernel, m kernelMsg), env ...string) (childResult, []kernelMsg, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	toKernel, toCell := filepath.Join(dir, "pipe"), filepath.Join(dir, "pipe_back")
	for _, p := range []string{toKernel, toCell} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
	}
	// O_RDWR opens of a FIFO do not block on Linux, whatever the child does.
	r, err := os.OpenFile(toKernel, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.OpenFile(toCell, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	k := &fakeKernel{enc: gob.NewEncoder(w)}
	go k.serve(t, r, onHTML)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), gonbChildEnv+"="+applyTimeout, protocol.GONB_PIPE_ENV+"="+toKernel,
		protocol.GONB_PIPE_BACK_ENV+"="+toCell, "NOTEBOOKLETS_WIDGET_READY_TIMEOUT="+readyTimeout)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("cell: %v\nstderr: %s", err, stderr.String())
	}
	took := time.Since(start)
	var res childResult
	line := strings.TrimSpace(stdout.String())
	if i := strings.LastIndex(line, "\n"); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("cell output %q: %v\nstderr: %s", stdout.String(), err, stderr.String())
	}
	return res, k.messages(), took
}

func kinds(msgs []kernelMsg) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Kind)
	}
	return out
}

func TestChecklistGoNBApply(t *testing.T) {
	var once sync.Once
	res, msgs, _ := runGoNBCell(t, "10s", "30s", func(k *fakeKernel, m kernelMsg) {
		// The first HTML is the live list: answer as the page's script does.
		once.Do(func() {
			var addr string
			for _, x := range k.messages() {
				if x.Kind == "subscribe" {
					addr = x.Address
				}
			}
			if addr == "" || !strings.Contains(m.HTML, jsValue(addr)) {
				t.Errorf("live list shown before subscribing, or without its address %q", addr)
				return
			}
			for _, v := range []string{`{"event":"ready"}`, `not json`, `{"event":"apply","ids":["AS10","AS2","AS99"]}`} {
				if err := k.send(addr, v); err != nil {
					t.Errorf("send %s: %v", v, err)
				}
			}
		})
	})
	if diff := cmp.Diff(childResult{Selection: Selection{IDs: []string{"AS2", "AS10"}}}, res); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
	// Subscribe first (GoNB drops values sent to an address nobody listens to
	// and installs gonb_comm on the page), then the live list, then the
	// acknowledgements (the page repeats each event until acknowledged; GoNB
	// may hand "ready" and "apply" over in either order, so "ready" is
	// acknowledged only if it came first, "apply" always, and last), then the
	// list as applied in the same display, then the sync that flushes it.
	if len(msgs) < 2 {
		t.Fatalf("messages %v", kinds(msgs))
	}
	addr := msgs[0].Address
	var acks []any
	var rest []kernelMsg
	for _, m := range msgs {
		if m.Kind == "comm" && m.Address == addr+"/ack" {
			acks = append(acks, m.Value)
			if len(rest) != 2 {
				t.Errorf("acknowledgement %v sent after %v, want after the live list", m.Value, kinds(rest))
			}
			continue
		}
		rest = append(rest, m)
	}
	if n := len(acks); n == 0 || n > 2 || acks[n-1] != "apply" || (n == 2 && acks[0] != "ready") {
		t.Errorf("acknowledgements %v, want [ready apply] or [apply]", acks)
	}
	msgs = rest
	if diff := cmp.Diff([]string{"subscribe", "html", "html", "comm"}, kinds(msgs)); diff != "" {
		t.Fatalf("message order (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(addr, CommAddressPrefix+"asn/") {
		t.Errorf("address %q lacks prefix %q", addr, CommAddressPrefix+"asn/")
	}
	live, final := msgs[1], msgs[2]
	if live.DisplayID == "" || final.DisplayID != live.DisplayID {
		t.Errorf("display ids %q then %q: the applied list must replace the live one", live.DisplayID, final.DisplayID)
	}
	if !strings.Contains(live.HTML, "<script>") || !strings.Contains(live.HTML, `value="AS1" id=`) {
		t.Errorf("live list lacks its script or checkboxes")
	}
	if strings.Contains(final.HTML, "<script>") || !strings.Contains(final.HTML, "Applied: 2 selected.") {
		t.Errorf("final list should be static and say what was applied:\n%s", final.HTML)
	}
	for id, want := range map[string]bool{"AS1": false, "AS2": true, "AS3": false, "AS10": true} {
		if got := checkedIn(final.HTML, id); got != want {
			t.Errorf("final list: %s checked = %v, want %v", id, got, want)
		}
	}
	if msgs[3].Address != protocol.GonbuiSyncAddress {
		t.Errorf("last message %+v, want a sync", msgs[3])
	}
}

func TestChecklistGoNBNoFrontEnd(t *testing.T) {
	res, msgs, took := runGoNBCell(t, "300ms", "30s", nil)
	want := childResult{Selection: Selection{IDs: []string{"AS1", "AS3"}, FellBack: true, Reason: "no notebook front end answered within 300ms"}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
	// With no "ready" by a third of the bound, the cell asks GoNB (once) to
	// check its browser connection (comms.Start), then keeps the defaults.
	if diff := cmp.Diff([]string{"subscribe", "html", "comm", "html", "comm"}, kinds(msgs)); diff != "" {
		t.Fatalf("message order (-want +got):\n%s", diff)
	}
	if msgs[2].Address != protocol.GonbuiStartAddress {
		t.Errorf("nudge went to %q, want %q", msgs[2].Address, protocol.GonbuiStartAddress)
	}
	msgs = append(msgs[:2], msgs[3:]...)
	if !strings.Contains(msgs[2].HTML, "Kept the defaults: no notebook front end answered within 300ms.") {
		t.Errorf("final list does not say the defaults were kept:\n%s", msgs[2].HTML)
	}
	if !checkedIn(msgs[2].HTML, "AS1") || checkedIn(msgs[2].HTML, "AS2") {
		t.Errorf("final list not ticked as the defaults")
	}
	if took > 10*time.Second {
		t.Errorf("cell took %v with a 300ms ready bound", took)
	}
}

func TestChecklistGoNBReadyNoApply(t *testing.T) {
	var once sync.Once
	res, _, _ := runGoNBCell(t, "10s", "500ms", func(k *fakeKernel, m kernelMsg) {
		once.Do(func() {
			for _, x := range k.messages() {
				if x.Kind == "subscribe" {
					_ = k.send(x.Address, `{"event":"ready"}`)
				}
			}
		})
	})
	want := childResult{Selection: Selection{IDs: []string{"AS1", "AS3"}, FellBack: true, Reason: "Apply was not pressed within 500ms"}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
}

// checkedIn reports whether the checkbox with value id is checked in h.
func checkedIn(h, id string) bool {
	i := strings.Index(h, `value="`+id+`"`)
	if i < 0 {
		return false
	}
	end := strings.Index(h[i:], ">")
	return end >= 0 && strings.Contains(h[i:i+end], " checked")
}

func TestChecklistGoNBBrokenPipes(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), gonbChildEnv+"=30s", protocol.GONB_PIPE_ENV+"="+filepath.Join(dir, "missing"),
		protocol.GONB_PIPE_BACK_ENV+"="+filepath.Join(dir, "missing_back"), "NOTEBOOKLETS_WIDGET_READY_TIMEOUT=20s")
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cell: %v", err)
	}
	var res childResult
	if err := json.Unmarshal(bytes.TrimSpace(out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:]), &res); err != nil {
		t.Fatalf("cell output %q: %v", out, err)
	}
	if !res.Selection.FellBack || !strings.HasPrefix(res.Selection.Reason, "no connection to GoNB: ") || res.Err != "" {
		t.Errorf("selection %+v (err %q), want the defaults kept for the broken connection", res.Selection, res.Err)
	}
	if diff := cmp.Diff([]string{"AS1", "AS3"}, res.Selection.IDs); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v: a broken connection must not wait for the ready bound (20s)", took)
	}
}

// TestGoNBCellEmbedsOnce shows two charts and a map in one GoNB cell with
// no asset URL: the first chart carries ECharts, the second none, the map
// Leaflet, markercluster and the outlines; each shows as display data.
func TestGoNBCellEmbedsOnce(t *testing.T) {
	res, msgs, _ := runGoNBCell(t, "1s", "1s", nil, gonbChildModeEnv+"=charts")
	if res.Err != "" {
		t.Fatalf("cell: %s", res.Err)
	}
	var carried [][]string
	for _, m := range msgs {
		if m.Kind == "html" {
			carried = append(carried, embeddedNames(template.HTML(m.HTML)))
		}
	}
	var mapNames []string
	for _, x := range append(append([]asset(nil), mapAssets...), outlineAssets...) {
		mapNames = append(mapNames, x.name())
	}
	want := [][]string{{echartsJS.name()}, nil, mapNames}
	if diff := cmp.Diff(want, carried); diff != "" {
		t.Errorf("embedded copies per output (-want +got):\n%s", diff)
	}
}
