package rdssnap

import (
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// The tags of a run's label (liberator.RunLabel) on the snapshot
// CreateSnapshot makes. DescribeDBSnapshots returns them (TagList), so a
// handler of an RDS event about the snapshot, or about its export
// (DescribeExportTasks returns no tags, and StartExportTask takes none:
// an export is found through its snapshot), continues the same run with
// the same import date.
const (
	TagRunID      = "liberator:run_id"
	TagImportDate = "liberator:import_date" // YYYY-MM-DD
	TagDumpKey    = "liberator:dump_key"
	TagBackdated  = "liberator:backdated" // "true", only on backdated runs
)

// tagValueRE is what RDS accepts in a tag value (at most 256 of them).
var tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// tagSafe reports whether RDS accepts v as a tag value.
func tagSafe(v string) bool { return len(v) <= 256 && tagValueRE.MatchString(v) }

// RunTags returns the tags that record label. A run id or dump key RDS
// would refuse as a tag value (characters other than letters, digits,
// spaces and _ . : / = + - @, or over 256 of them) is left out, and
// skipped names it; the import date always fits. A label without a valid
// date gives no tags.
func RunTags(label liberator.RunLabel) (tags []types.Tag, skipped []string) {
	if !label.ImportDate.Valid() {
		return nil, nil
	}
	add := func(k, v string) {
		switch {
		case v == "":
		case !tagSafe(v):
			skipped = append(skipped, k)
		default:
			tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
	}
	add(TagImportDate, label.ImportDate.String())
	add(TagRunID, label.RunID)
	add(TagDumpKey, label.DumpKey)
	if label.Backdated {
		add(TagBackdated, "true")
	}
	return tags, skipped
}

// LabelFromTags reads the run label tags record (RunTags); nil when they
// hold no valid import date.
func LabelFromTags(tags []types.Tag) *liberator.RunLabel {
	var l liberator.RunLabel
	for _, t := range tags {
		v := aws.ToString(t.Value)
		switch aws.ToString(t.Key) {
		case TagImportDate:
			d, err := liberator.ParseDate(v)
			if err != nil {
				return nil
			}
			l.ImportDate = d
		case TagRunID:
			l.RunID = v
		case TagDumpKey:
			l.DumpKey = v
		case TagBackdated:
			l.Backdated = v == "true"
		}
	}
	if l.ImportDate.IsZero() {
		return nil
	}
	return &l
}
