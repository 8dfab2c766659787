package odata_test

import (
	"fmt"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

func Example() {
	q, err := odata.Parse("$filter=status%20eq%20'active'&$orderby=detectedDateTime%20desc&$top=2&$count=true",
		func(string) bool { return true })
	if err != nil {
		fmt.Println(err)
		return
	}
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	alerts := odata.Slice{
		{ID: "a", Status: alert.StatusActive, DetectedDateTime: day(1)},
		{ID: "b", Status: alert.StatusResolved, DetectedDateTime: day(2)},
		{ID: "c", Status: alert.StatusActive, DetectedDateTime: day(3)},
		{ID: "d", Status: alert.StatusActive, DetectedDateTime: day(2)},
	}
	res := q.Run(alerts, 100)
	for _, a := range res.Page {
		fmt.Println(a.ID, a.DetectedDateTime.Format(time.DateOnly))
	}
	fmt.Println("count", res.Count, "more", res.More, "next", res.Next)
	fmt.Println("equalities", q.Filter.Equalities())
	// Output:
	// c 2024-01-03
	// d 2024-01-02
	// count 3 more true next 2
	// equalities [{status active}]
}

func ExampleParse_error() {
	_, err := odata.Parse("$top=0", func(string) bool { return true })
	fmt.Println(err.(*odata.Error).Option, err)
	// Output:
	// $top Invalid value '0' for query option '$top'; expected an integer from 1 to 999.
}
