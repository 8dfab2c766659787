package mock

import "github.com/partner-security/alertmock/mock/journal"

// The request journal is package journal; these names keep the mock's API.
type (
	// Journal keeps, per session, the last requests (see journal.Journal).
	Journal = journal.Journal
	// JournalEntry is one recorded request (see journal.Entry).
	JournalEntry = journal.Entry
	// JournalFilter selects journal entries (see journal.Filter).
	JournalFilter = journal.Filter
)

// Defaults of the request journal.
const (
	// DefaultJournalSize is how many requests the journal keeps per session
	// when Config.JournalSize is zero.
	DefaultJournalSize = journal.DefaultSize
	// DefaultJournalBodyBytes is how many bytes of a request body the journal
	// keeps when Config.JournalBodyBytes is zero.
	DefaultJournalBodyBytes = journal.DefaultBodyBytes
	// DefaultJournalBytes is the journal's memory budget when
	// Config.JournalBytes is zero (64 MiB).
	DefaultJournalBytes = journal.DefaultTotalBytes
	// DefaultJournalSessionBytes is the memory budget of one session's
	// journal when Config.JournalSessionBytes is zero (1 MiB).
	DefaultJournalSessionBytes = journal.DefaultSessionBytes
)
