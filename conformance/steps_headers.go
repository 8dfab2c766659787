package conformance

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// header returns a response header of the latest response, which must be there.
func (st *scenario) header(name string) (string, error) {
	if st.last == nil {
		return "", errors.New("no request was sent yet")
	}
	vals, ok := st.last.header[http.CanonicalHeaderKey(name)]
	if !ok || len(vals) == 0 {
		return "", fmt.Errorf("the response has no header %s", name)
	}
	return vals[0], nil
}

func (st *scenario) hasHeader(name string) error {
	_, err := st.header(name)
	return err
}

func (st *scenario) headerIsJSON(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("header %s = %q; want application/json", name, v)
	}
	return nil
}

func (st *scenario) headerIs(name, want string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("header %s = %q; want %q", name, v, want)
	}
	return nil
}

func (st *scenario) headerIsUUID(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if !uuidPattern.MatchString(v) {
		return fmt.Errorf("header %s = %q; want a UUID", name, v)
	}
	return nil
}

func (st *scenario) headerIsHeader(name, other string) error {
	want, err := st.header(other)
	if err != nil {
		return err
	}
	return st.headerIs(name, want)
}

func (st *scenario) headerNotRemembered(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if v == st.rememberedHeader {
		return fmt.Errorf("header %s = %q again; want a new value", name, v)
	}
	return nil
}

func (st *scenario) headerHasParameter(name, param string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	_, params, err := mime.ParseMediaType(v)
	k, want, _ := strings.Cut(param, "=")
	if err != nil || !strings.EqualFold(params[strings.ToLower(k)], want) {
		return fmt.Errorf("header %s = %q; want the parameter %s", name, v, param)
	}
	return nil
}

func (st *scenario) headerLists(name, want string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	for _, item := range strings.Split(v, ",") {
		if strings.TrimSpace(item) == want {
			return nil
		}
	}
	return fmt.Errorf("header %s = %q; want it to list %s", name, v, want)
}

// errorField returns a member of the error envelope's "error" object.
func (st *scenario) errorField(path string) (any, error) {
	obj, err := st.lastObject()
	if err != nil {
		return nil, err
	}
	v, ok := lookup(obj, "error."+path)
	if !ok {
		return nil, fmt.Errorf("the error has no %q: %s", path, excerpt(st.last.body))
	}
	return v, nil
}

func (st *scenario) errorFieldIsHeader(path, name string) error {
	want, err := st.header(name)
	if err != nil {
		return err
	}
	return st.errorFieldIs(path, want)
}

func (st *scenario) errorFieldIs(path, want string) error {
	v, err := st.errorField(path)
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("the error's %q = %s; want %q", path, show(v), want)
	}
	return nil
}

// graphDate is the layout of innerError.date: UTC without a zone designator.
const graphDate = "2006-01-02T15:04:05"

func (st *scenario) errorFieldIsRequestTime(path string) error {
	v, err := st.errorField(path)
	if err != nil {
		return err
	}
	s, _ := v.(string)
	t, err := time.Parse(graphDate, s)
	if err != nil {
		return fmt.Errorf("the error's %q = %s; want UTC without a zone, like %q", path, show(v), graphDate)
	}
	// The date has whole seconds: allow the second the request started in.
	return st.within(fmt.Sprintf("the error's %q", path), t.Add(999*time.Millisecond), st.last)
}
