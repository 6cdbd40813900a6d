package nb

import (
	"errors"
	"fmt"
)

var (
	// ErrMissingParameter is matched (errors.Is) by a MissingParameterError.
	ErrMissingParameter = errors.New("missing parameter")
	// ErrProvider is matched (errors.Is) by a ProviderError: a data
	// provider that is missing, not configured, or failed.
	ErrProvider = errors.New("provider error")
)

// MissingParameterError says which required parameter was not given.
type MissingParameterError struct {
	Name string
	// Hint optionally says what to give, e.g. "a host name or IP address".
	Hint string
}

func (e *MissingParameterError) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("missing parameter %q: %s", e.Name, e.Hint)
	}
	return fmt.Sprintf("missing parameter %q", e.Name)
}

// Is reports whether target is ErrMissingParameter.
func (e *MissingParameterError) Is(target error) bool { return target == ErrMissingParameter }

// ProviderError says which provider is missing or failed, and why.
type ProviderError struct {
	Provider string
	Err      error
}

func (e *ProviderError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("provider %s: not available", e.Provider)
	}
	return fmt.Sprintf("provider %s: %v", e.Provider, e.Err)
}

// Is reports whether target is ErrProvider.
func (e *ProviderError) Is(target error) bool { return target == ErrProvider }

// Unwrap returns the underlying error.
func (e *ProviderError) Unwrap() error { return e.Err }

// ErrUsage marks errors in how a command was called (bad flags, missing
// arguments). A command wraps such errors with ErrUsage (fmt.Errorf("%w:
// ...", nb.ErrUsage)) so the notebooklet command exits with status 2.
var ErrUsage = errors.New("usage")
