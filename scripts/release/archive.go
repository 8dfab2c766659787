package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one file of an archive, with the metadata the archive records.
type entry struct {
	name string // under the archive's top directory
	mode fs.FileMode
	path string // where it is read from
}

// entries lists the regular files of dir in name order, each with mode 0755
// if any execute bit is set, else 0644: neither the umask nor the order files
// were written in reaches the archive.
func entries(dir string) ([]entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, de := range des {
		if !de.Type().IsRegular() {
			return nil, fmt.Errorf("%s: only regular files are archived", filepath.Join(dir, de.Name()))
		}
		info, err := de.Info()
		if err != nil {
			return nil, err
		}
		mode := fs.FileMode(0o644)
		if info.Mode().Perm()&0o111 != 0 {
			mode = 0o755
		}
		out = append(out, entry{name: de.Name(), mode: mode, path: filepath.Join(dir, de.Name())})
	}
	return out, nil // in name order, as os.ReadDir returns them
}

// writeArchive packs the files of dir under the top directory top into file:
// a zip for a .zip name, else a gzip-compressed tar. Every entry is dated
// mtime.
func writeArchive(file, dir, top string, mtime time.Time) (err error) {
	es, err := entries(dir)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if strings.HasSuffix(file, ".zip") {
		return writeZip(f, es, top, mtime)
	}
	return writeTarGz(f, es, top, mtime)
}

// writeTarGz writes es as a tar under top/, compressed with gzip. The tar
// headers carry no user or group names, ids 0, and mtime (whole seconds, so
// the plain ustar format suffices); the gzip header carries no name or time.
func writeTarGz(w io.Writer, es []entry, top string, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	mtime = mtime.UTC().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	for _, e := range es {
		b, err := os.ReadFile(e.path)
		if err != nil {
			return err
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: top + "/" + e.name, Mode: int64(e.mode), Size: int64(len(b)), ModTime: mtime, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip writes es as a zip under top/, deflated, every entry dated mtime
// in UTC (the MS-DOS date field has no zone, so a local time would make the
// bytes depend on $TZ).
func writeZip(w io.Writer, es []entry, top string, mtime time.Time) error {
	zw := zip.NewWriter(w)
	mtime = mtime.UTC().Truncate(time.Second)
	dh := &zip.FileHeader{Name: top + "/", Method: zip.Store, Modified: mtime}
	dh.SetMode(fs.ModeDir | 0o755)
	if _, err := zw.CreateHeader(dh); err != nil {
		return err
	}
	for _, e := range es {
		b, err := os.ReadFile(e.path)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: top + "/" + e.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(e.mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		if _, err := fw.Write(b); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeSums writes dir/SHA256SUMS, one "HASH  NAME" line per file in name
// order (the format sha256sum -c and shasum -a 256 -c read), and returns its
// path.
func writeSums(dir string, names []string) (string, error) {
	names = slices.Sorted(slices.Values(names))
	var b strings.Builder
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), n)
	}
	path := filepath.Join(dir, "SHA256SUMS")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}
