package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// epoch is the date the tests give the archive entries.
var epoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// tree writes files into a new directory: the names in the order given, with
// the modes given, each dated mtime.
func tree(t *testing.T, files []struct {
	name string
	mode fs.FileMode
}, mtime time.Time) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("contents of "+f.name), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil { // WriteFile's mode passes the umask
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type file = struct {
	name string
	mode fs.FileMode
}

// TestArchivesIgnoreFileMetadata: the same contents written in another
// order, at another time, with other permissions (another umask), dated the
// same instant in another zone, give the same archive bytes, for both
// formats.
func TestArchivesIgnoreFileMetadata(t *testing.T) {
	a := tree(t, []file{{"conformance", 0o700}, {"alertmock", 0o700}, {"README.md", 0o600}}, time.Now())
	b := tree(t, []file{{"README.md", 0o664}, {"alertmock", 0o775}, {"conformance", 0o755}}, time.Now().Add(-90*time.Minute))
	for _, ext := range []string{".tar.gz", ".zip"} {
		t.Run(ext, func(t *testing.T) {
			out := t.TempDir()
			pa, pb := filepath.Join(out, "a"+ext), filepath.Join(out, "b"+ext)
			if err := writeArchive(pa, a, "alertmock_v1_linux_amd64", epoch); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond) // a clock that leaked in would now differ
			// the same instant in another zone
			if err := writeArchive(pb, b, "alertmock_v1_linux_amd64", epoch.In(time.FixedZone("x", -7*3600))); err != nil {
				t.Fatal(err)
			}
			ba, bb := read(t, pa), read(t, pb)
			if !bytes.Equal(ba, bb) {
				t.Errorf("archives of the same contents differ (%d and %d bytes)", len(ba), len(bb))
			}
		})
	}
}

// TestTarGzLayout: one top directory, files in name order, modes 0755 for
// executables and 0644 for the rest, owner 0:0 without names, every entry
// dated epoch; the gzip header has no name and no time.
func TestTarGzLayout(t *testing.T) {
	dir := tree(t, []file{{"conformance", 0o700}, {"alertmock", 0o750}, {"README.md", 0o600}, {"LICENSE", 0o640}}, time.Now())
	p := filepath.Join(t.TempDir(), "x.tar.gz")
	if err := writeArchive(p, dir, "top", epoch.Add(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(read(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() || gz.Comment != "" {
		t.Errorf("gzip header: name %q, time %v, comment %q; want all empty", gz.Name, gz.ModTime, gz.Comment)
	}
	tr := tar.NewReader(gz)
	type row struct {
		name string
		mode int64
	}
	var got []row
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row{h.Name, h.Mode})
		if !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mtime %v; want %v", h.Name, h.ModTime, epoch)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q; want 0:0 without names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: atime %v ctime %v; want none", h.Name, h.AccessTime, h.ChangeTime)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			if want := "contents of " + h.Name[len("top/"):]; string(b) != want {
				t.Errorf("%s: contents %q; want %q", h.Name, b, want)
			}
		}
	}
	want := []row{{"top/", 0o755}, {"top/LICENSE", 0o644}, {"top/README.md", 0o644}, {"top/alertmock", 0o755}, {"top/conformance", 0o755}}
	if len(got) != len(want) {
		t.Fatalf("entries %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %v; want %v", i, got[i], want[i])
		}
	}
}

// TestZipLayout: the zip has the same layout, dated epoch in UTC whatever
// the local zone.
func TestZipLayout(t *testing.T) {
	t.Setenv("TZ", "Asia/Kolkata") // a zone with a half-hour offset
	dir := tree(t, []file{{"conformance.exe", 0o700}, {"alertmock.exe", 0o755}, {"README.md", 0o600}}, time.Now())
	p := filepath.Join(t.TempDir(), "x.zip")
	if err := writeArchive(p, dir, "top", epoch.In(time.FixedZone("x", 5*3600+1800))); err != nil {
		t.Fatal(err)
	}
	b := read(t, p)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		mode fs.FileMode
	}{{"top/", fs.ModeDir | 0o755}, {"top/README.md", 0o644}, {"top/alertmock.exe", 0o755}, {"top/conformance.exe", 0o755}}
	if len(zr.File) != len(want) {
		t.Fatalf("%d entries; want %d", len(zr.File), len(want))
	}
	for i, f := range zr.File {
		if f.Name != want[i].name || f.Mode() != want[i].mode {
			t.Errorf("entry %d = %s %v; want %s %v", i, f.Name, f.Mode(), want[i].name, want[i].mode)
		}
		if !f.Modified.Equal(epoch) {
			t.Errorf("%s: modified %v; want %v", f.Name, f.Modified, epoch)
		}
	}
}

// TestEntriesRefuseDirectories: an unexpected folder in a platform's
// directory is an error, not silently left out.
func TestEntriesRefuseDirectories(t *testing.T) {
	dir := tree(t, []file{{"alertmock", 0o755}}, epoch)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeArchive(filepath.Join(t.TempDir(), "x.tar.gz"), dir, "top", epoch); err == nil {
		t.Error("archived a folder with a subfolder; want an error")
	}
}

// TestWriteSums: sha256sum's format, in name order whatever the order given.
func TestWriteSums(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"b.zip": "", "a.tar.gz": "abc"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := writeSums(dir, []string{"b.zip", "a.tar.gz"})
	if err != nil {
		t.Fatal(err)
	}
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.tar.gz\n" + // sha256("abc")
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b.zip\n" // sha256("")
	if got := string(read(t, p)); got != want {
		t.Errorf("SHA256SUMS =\n%s\nwant\n%s", got, want)
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
