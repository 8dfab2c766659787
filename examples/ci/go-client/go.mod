// A client team's module, outside the alertmock repository: .ci/docs-examples.sh
// copies this directory to a temporary directory, points the replace below
// at the checkout and runs go test -race there. In your own module, drop the
// replace and go get github.com/partner-security/alertmock@latest.
module example.com/alertclient

go 1.26

require github.com/partner-security/alertmock v0.0.0

replace github.com/partner-security/alertmock => ../../..
