package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteJUnit writes the result as JUnit XML in the shape of the common
// JUnit schema (Jenkins xUnit's junit-10.xsd, which pytest and most CI
// readers follow): one <testsuite> per feature file, named after the feature,
// with the file in its file attribute, the target and alert under test as
// properties; one <testcase> per scenario (outline row) with classname (the
// feature's name), its time, and <failure> (the first failing step, the
// error's first line as message and the whole error inside) or <skipped/>.
// Times are seconds, never negative: a suite's time is the sum of its
// scenarios', the run's is its wall time.
func (r *Result) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "conformance", Time: seconds(r.Duration)}
	index := map[string]int{}
	for _, sc := range r.Scenarios {
		i, ok := index[sc.Feature]
		if !ok {
			i = len(doc.Suites)
			index[sc.Feature] = i
			name := sc.FeatureName
			if name == "" {
				name = sc.Feature
			}
			doc.Suites = append(doc.Suites, junitSuite{Name: name, File: sc.Feature, Properties: &junitProperties{Props: []junitProperty{
				{Name: "target", Value: r.BaseURL}, {Name: "alertId", Value: r.AlertID},
			}}})
		}
		s := &doc.Suites[i]
		tc := junitCase{Name: caseName(s, sc), Classname: s.Name, Time: seconds(sc.Duration)}
		s.duration += max(sc.Duration, 0)
		s.Tests++
		switch sc.Outcome {
		case Passed:
		case Skipped:
			s.Skipped++
			tc.Skipped = &junitSkipped{Message: firstLine(sc.Err, 240)}
		default:
			s.Failures++
			tc.Failure = &junitFailure{
				Type:    string(sc.Outcome),
				Message: failureMessage(sc),
				Text:    fmt.Sprintf("Step: %s\n\n%s\n\nScenario: %s:%d %s\n", sc.Step, strings.TrimSpace(sc.Err), sc.Feature, sc.Line, sc.Name),
			}
		}
		s.Cases = append(s.Cases, tc)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Time = seconds(s.duration)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// caseName is the scenario's name, made unique within its suite by the line
// of its outline row when another scenario of the feature has the same name.
func caseName(s *junitSuite, sc ScenarioResult) string {
	for _, c := range s.Cases {
		if c.Name == sc.Name {
			return fmt.Sprintf("%s (line %d)", sc.Name, sc.Line)
		}
	}
	return sc.Name
}

// failureMessage is the failing step and the first line of its error.
func failureMessage(sc ScenarioResult) string {
	msg := firstLine(strings.TrimSpace(sc.Err), 240)
	if sc.Step != "" {
		msg = "step [" + sc.Step + "]: " + msg
	}
	return msg
}

// seconds formats d as JUnit does: seconds with three decimals, never negative.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", max(d, 0).Seconds())
}

// The JUnit document, in the element and attribute order of junit-10.xsd.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string           `xml:"name,attr"`
		Tests      int              `xml:"tests,attr"`
		Failures   int              `xml:"failures,attr"`
		Errors     int              `xml:"errors,attr"`
		Skipped    int              `xml:"skipped,attr"`
		Time       string           `xml:"time,attr"`
		File       string           `xml:"file,attr"`
		Properties *junitProperties `xml:"properties"`
		Cases      []junitCase      `xml:"testcase"`
		duration   time.Duration
	}
	junitProperties struct {
		Props []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Skipped   *junitSkipped `xml:"skipped"`
		Failure   *junitFailure `xml:"failure"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr,omitempty"`
	}
	junitFailure struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",cdata"`
	}
)
