// Command scale measures the alertmock binary with a large generated dataset
// (issue #10's table): start until /healthz answers, RSS after start, the
// first request of a new session, memory per new session with one change,
// filtered and ordered list latencies, and with -state the PATCH latency and
// the restart. It prints a Markdown table with the goals.
//
//	go run ./scripts/scale               # 100,000 alerts
//	go run ./scripts/scale -n 10000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct {
	measure string
	got     float64
	unit    string
	goal    float64
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	n := fs.Int("n", 100_000, "alerts in the generated dataset")
	bin := fs.String("bin", "", "alertmock binary (default: go build ./cmd/alertmock)")
	samples := fs.Int("samples", 200, "requests per latency measure (the new-session measure takes 50)")
	check := fs.Bool("check", true, "exit non-zero when a goal is missed (the goals are for 100,000 alerts)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "alertmock-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "alertmock")
		if b, err := exec.Command("go", "build", "-o", *bin, "./cmd/alertmock").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, b)
		}
	}
	data := filepath.Join(dir, "alerts.json")
	b, err := json.Marshal(map[string]any{"value": gen.Alerts(*n)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(data, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d alerts, %.0f MB of JSON, GOMAXPROCS %d\n\n", *n, float64(len(b))/1e6, runtime.GOMAXPROCS(0))
	b = nil

	var procs []*proc
	defer func() { // whatever happens, no server outlives the run
		for _, p := range procs {
			p.cmd.Process.Kill()
		}
	}()
	start := func(args ...string) (*proc, time.Duration, error) {
		p, d, err := startProc(*bin, args...)
		if p != nil {
			procs = append(procs, p)
		}
		return p, d, err
	}
	var rows []row
	p, startTime, err := start("-data", data)
	if err != nil {
		return err
	}
	rows = append(rows, row{"start until /healthz answers", startTime.Seconds(), "s", 5})
	cpu, err := p.cpu()
	if err != nil {
		return err
	}
	rss, err := p.rss()
	if err != nil {
		return err
	}
	rows = append(rows, row{"RSS after start", rss / 1e6, "MB", 400})

	list := p.base + "/security/partner/securityAlerts"
	first := latencies(50, func(i int) error { return p.get(list, fmt.Sprint("new-", i)) })
	rows = append(rows, row{"first request in a new session (list, p99 of 50)", ms(p99(first)), "ms", 20})
	for i := range 20 { // a session with changes for the list queries
		if err := p.patch(list+"/"+gen.ID(i*(*n/20)), "q", `{"status":"investigating"}`); err != nil {
			return err
		}
	}
	filter := latencies(*samples, func(int) error { return p.get(list+"?$filter=status%20eq%20'active'&$top=100", "q") })
	rows = append(rows, row{"`$filter=status eq 'active'&$top=100` p99", ms(p99(filter)), "ms", 50})
	order := latencies(*samples, func(int) error { return p.get(list+"?$orderby=detectedDateTime%20desc&$top=100", "q") })
	rows = append(rows, row{"`$orderby=detectedDateTime desc&$top=100` p99", ms(p99(order)), "ms", 100})
	p.stop()

	perSession, err := sessionMemory(b, data)
	if err != nil {
		return err
	}
	rows = append(rows, row{"memory per new session with one change (in-process heap)", perSession / 1e3, "KB", 200})

	state := filepath.Join(dir, "state.db")
	p, _, err = start("-data", data, "-state", state)
	if err != nil {
		return err
	}
	list = p.base + "/security/partner/securityAlerts"
	// Four clients, each in its own session, cycle alerts through statuses.
	var mu sync.Mutex
	var patches []time.Duration
	var wg sync.WaitGroup
	var perr error
	for c := range 4 {
		wg.Go(func() {
			bodies := []string{`{"status":"investigating"}`, `{"status":"active"}`}
			d := latencies(*samples/4, func(i int) error {
				return p.patch(list+"/"+gen.ID((c*997+i/2*13)%*n), fmt.Sprint("w", c), bodies[i%2])
			})
			mu.Lock()
			defer mu.Unlock()
			if d == nil && perr == nil {
				perr = errors.New("PATCH failed")
			}
			patches = append(patches, d...)
		})
	}
	wg.Wait()
	if perr != nil {
		p.stop()
		return fmt.Errorf("%w: %s", perr, p.stderr.String())
	}
	rows = append(rows, row{"`-state`: PATCH p99 (4 clients)", ms(p99(patches)), "ms", 20})
	p.stop()
	p, restart, err := start("-data", data, "-state", state)
	if err != nil {
		return err
	}
	if err := p.get(p.base+"/security/partner/securityAlerts/"+gen.ID(0), "w0"); err != nil {
		p.stop()
		return err
	}
	rows = append(rows, row{"`-state`: restart until /healthz answers", restart.Seconds(), "s", 10})
	p.stop()

	fmt.Fprintln(out, "| measure | result | goal | |")
	fmt.Fprintln(out, "|---|---|---|---|")
	failed := 0
	for _, r := range rows {
		ok := "ok"
		if r.got > r.goal {
			ok, failed = "**missed**", failed+1
		}
		fmt.Fprintf(out, "| %s | %.3g %s | ≤ %g %s | %s |\n", r.measure, r.got, r.unit, r.goal, r.unit, ok)
	}
	if d, err := fsyncP99(dir); err == nil {
		fmt.Fprintf(out, "\nThe disk's own floor: writing 4 KiB and fdatasync, p99 of 100: %.3g ms (a -state PATCH needs two).\n", ms(d))
	}
	fmt.Fprintf(out, "\nThe start used %.1f s of CPU (user+system; the wall time depends on what else runs on the cores).\n", cpu.Seconds())
	if failed > 0 && *check {
		return fmt.Errorf("%d goals missed", failed)
	}
	return nil
}

// proc is a running alertmock.
type proc struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	base   string // …/beta
	root   string
	client *http.Client
}

// startProc runs the binary and returns once /healthz answers, with the time
// from the start of the process.
func startProc(bin string, args ...string) (*proc, time.Duration, error) {
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-log-level", "error"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	var stderr strings.Builder // read after the process ended
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "alertmock: serving "); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	u, ok := <-urls
	if !ok {
		cmd.Wait()
		return nil, 0, fmt.Errorf("alertmock %v: %s", args, stderr.String())
	}
	p := &proc{cmd: cmd, stderr: &stderr, base: u, root: strings.TrimSuffix(u, "/beta"), client: &http.Client{Timeout: time.Minute}}
	for time.Since(t0) < 2*time.Minute {
		resp, err := p.client.Get(p.root + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, time.Since(t0), nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return p, 0, errors.New("/healthz did not answer within 2 minutes")
}

// rss is the resident set size of the process in bytes.
func (p *proc) rss() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpu is the user and system time the process has used.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration((utime + stime) / 100 * float64(time.Second)), nil // USER_HZ is 100 on Linux
}

func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

func (p *proc) do(method, url, session, body string) error {
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer scale")
	req.Header.Set("X-Mock-Session", session)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return nil
}

func (p *proc) get(url, session string) error { return p.do("GET", url, session, "") }

func (p *proc) patch(url, session, body string) error { return p.do("PATCH", url, session, body) }

// latencies runs f k times and returns each duration (nil if one failed).
func latencies(k int, f func(i int) error) []time.Duration {
	out := make([]time.Duration, 0, k)
	for i := range k {
		t0 := time.Now()
		if err := f(i); err != nil {
			fmt.Fprintln(os.Stderr, "scale:", err)
			return nil
		}
		out = append(out, time.Since(t0))
	}
	return out
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return time.Hour
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// fsyncP99 measures the disk: 4 KiB written and synced, p99 of 100.
func fsyncP99(dir string) (time.Duration, error) {
	f, err := os.Create(filepath.Join(dir, "fsync"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	d := latencies(100, func(i int) error {
		if _, err := f.WriteAt(buf, int64(i%16)*4096); err != nil {
			return err
		}
		return syscall.Fdatasync(int(f.Fd()))
	})
	return p99(d), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sessionMemory measures, in this process, the live heap a new session with
// one change adds (journal included): 1,000 sessions each PATCH one alert.
func sessionMemory(_ []byte, data string) (float64, error) {
	b, err := os.ReadFile(data)
	if err != nil {
		return 0, err
	}
	alerts, err := mock.DecodeAlerts(b)
	if err != nil {
		return 0, err
	}
	b = nil
	s, err := mock.New(mock.Config{Alerts: alerts})
	if err != nil {
		return 0, err
	}
	alerts = nil
	const sessions = 1000
	path := "/beta/security/partner/securityAlerts/" + gen.ID(0)
	patch := func(session string, body string) error {
		r := httptest.NewRequest("PATCH", path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer scale")
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Mock-Session", session)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			return fmt.Errorf("PATCH: %d %s", w.Code, w.Body)
		}
		return nil
	}
	if err := patch("warm", `{"status":"investigating"}`); err != nil {
		return 0, err
	}
	before := liveHeap()
	for i := range sessions {
		if err := patch(fmt.Sprint("s", i), `{"status":"investigating"}`); err != nil {
			return 0, err
		}
	}
	after := liveHeap()
	runtime.KeepAlive(s)
	return (after - before) / sessions, nil
}

func liveHeap() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}
