package flowsummary

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gonotebooklets/notebooklets/nb"
)

// stateVersion is the format version of the saved result.
const stateVersion = 2

// stateKind names the saved result of this handle's notebook: one per
// notebook (JPY_SESSION_NAME), so that two notebooks in one folder never
// read each other's results.
func (n *NetworkFlowSummary) stateKind() string {
	if n.notebook.Key == "" {
		return "NetworkFlowSummary"
	}
	return "NetworkFlowSummary." + n.notebook.Key
}

func newRunID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// saveRun saves the result of Run, which becomes the notebook's current
// run. The warnings of the state directory (a directory others can write)
// go to the result.
func (n *NetworkFlowSummary) saveRun(res *Result) error {
	n.last = res
	if n.store == nil {
		return nil
	}
	warns, err := n.store.Prepare()
	for _, w := range warns {
		res.warn("%s", w)
	}
	if err != nil {
		return err
	}
	unlock, err := n.store.Lock(n.stateKind())
	if err != nil {
		return err
	}
	defer unlock()
	return n.store.Save(n.stateKind(), stateVersion, res.RunID, res)
}

// saveStep saves the result of a later step over its run's saved result,
// only if the state still belongs to that run: another run started since
// (another process with the same notebook or state directory) is never
// overwritten. The step then says so, in the cell and in its result, and
// keeps its result (returned, and this handle's for its next steps).
func (n *NetworkFlowSummary) saveStep(res *Result) error {
	err := n.replaceState(res)
	if errors.Is(err, ErrOtherRun) {
		res.warn("%v", err)
		n.display().Text("Warning: "+err.Error(), false)
		return nil
	}
	return err
}

func (n *NetworkFlowSummary) replaceState(res *Result) error {
	n.last = res
	if n.store == nil {
		return nil
	}
	kind := n.stateKind()
	unlock, err := n.store.Lock(kind)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := n.store.Stat(kind)
	if err != nil && !errors.Is(err, nb.ErrNoState) {
		return err
	}
	if err == nil && cur.Run != res.RunID {
		return fmt.Errorf("%w: another run (%s, saved %s) replaced this step's run (%s, %s) in %s; this step's result was not saved there",
			ErrOtherRun, cur.Run, cur.Saved.Format("2006-01-02 15:04:05 MST"), res.RunID, res.Description, cur.Path)
	}
	return n.store.Save(kind, stateVersion, res.RunID, res)
}

// current returns the result the later steps act on: this handle's own
// last result when it has one (steps chained in one program), else the
// notebook's saved run. Nothing saved is a not-ready error with msg.
func (n *NetworkFlowSummary) current(ctx context.Context, msg string) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n.err != nil {
		return nil, n.err
	}
	if n.last != nil {
		return n.last, nil
	}
	if n.store == nil {
		return nil, &notReadyError{msg: msg}
	}
	var res Result
	info, err := n.store.Load(n.stateKind(), stateVersion, &res)
	if errors.Is(err, nb.ErrNoState) {
		return nil, &notReadyError{msg: msg}
	}
	if err != nil {
		return nil, err
	}
	if info.Run != res.RunID {
		return nil, fmt.Errorf("flowsummary: %w: %s names run %q but holds run %q; run the notebooklet again", ErrOtherRun, info.Path, info.Run, res.RunID)
	}
	if res.Notebook != n.notebook.Path {
		res.warn("the saved result was made in notebook %q, not this one (%q)", res.Notebook, n.notebook.Path)
	}
	n.last = &res
	return &res, nil
}

// Result returns the result this handle's later steps act on: its own last
// result, else the notebook's saved run (with what the later steps added).
// Nothing is shown.
func (n *NetworkFlowSummary) Result(ctx context.Context) (*Result, error) {
	return n.current(ctx, msgRunFirst)
}
