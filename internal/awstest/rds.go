package awstest

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RDS error codes as the service returns them.
const (
	CodeThrottling              = "Throttling"
	CodeDBSnapshotAlreadyExists = "DBSnapshotAlreadyExists"
	CodeDBSnapshotNotFound      = "DBSnapshotNotFound"
	CodeDBInstanceNotFound      = "DBInstanceNotFound"
	CodeInvalidDBSnapshotState  = "InvalidDBSnapshotState"
	CodeExportTaskAlreadyExists = "ExportTaskAlreadyExists"
	CodeExportTaskNotFound      = "ExportTaskNotFound"
	CodeInvalidExportSource     = "InvalidExportSourceState"
	CodeInvalidParameterValue   = "InvalidParameterValue"
	CodeSnapshotQuotaExceeded   = "SnapshotQuotaExceeded"
	// CodeExportQuota is what the fake returns when more than
	// RDS.MaxActiveExports exports would run at once. The 5-concurrent-export
	// quota is not a modelled error in the RDS API; the service reports it as
	// a quota fault, and the library treats any "*QuotaExceeded*" or
	// "*LimitExceeded*" code as try-later.
	CodeExportQuota = "ExportTaskQuotaExceeded"
)

// Snapshot is the fake's record of a DB snapshot.
type Snapshot struct {
	ID       string
	Instance string
	Type     string // "manual" or "automated"
	Status   string // "creating", "available", "failed", …
	Created  time.Time
	ARN      string
	// Tags are the snapshot's tags (CreateDBSnapshot's Tags, returned in
	// DescribeDBSnapshots' TagList).
	Tags map[string]string
	// describesLeft is how many more describes the snapshot stays creating.
	describesLeft int
}

// ExportTask is the fake's record of an export task.
type ExportTask struct {
	ID           string
	SourceArn    string
	SnapshotID   string
	S3Bucket     string
	S3Prefix     string
	IamRoleArn   string
	KmsKeyID     string
	ExportOnly   []string
	Status       string
	Percent      int
	ExtractedGB  int
	FailureCause string
	Started      time.Time
	Ended        time.Time
	// describes counts describes seen since start.
	describes int
	failWith  string
}

// Prefix returns the key prefix the export's files are written under:
// "<S3Prefix>/<id>/".
func (t ExportTask) Prefix() string {
	p := t.S3Prefix
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p + t.ID + "/"
}

// RDS is a local RDS endpoint speaking the Query protocol. Create it with
// NewRDS; point an rds.Client at it with Config(r.URL()).
type RDS struct {
	recorder
	srv   *httptest.Server
	clock liberator.Clock

	// SnapshotDescribes is how many DescribeDBSnapshots calls that include a
	// new snapshot see it "creating" before it becomes "available".
	SnapshotDescribes int
	// ExportDescribes is how many DescribeExportTasks calls an export spends
	// in each of STARTING and IN_PROGRESS.
	ExportDescribes int
	// MaxActiveExports is the concurrent export quota (5 in AWS).
	MaxActiveExports int
	// MaxManualSnapshots is the region's manual snapshot quota (100 in
	// AWS): CreateDBSnapshot beyond it fails with SnapshotQuotaExceeded.
	// 0: no quota.
	MaxManualSnapshots int
	// OnExportComplete, if set, is called when an export turns COMPLETE to
	// write its files; an error turns the export FAILED with the error as
	// FailureCause.
	OnExportComplete func(ctx context.Context, t ExportTask) error

	// OnEvent, if set, receives the RDS events the fake emits (after the
	// request that caused them): RDS-EVENT-0042 when a manual snapshot
	// becomes available, RDS-EVENT-0161 / 0159 when an export completes /
	// fails. Render them with RDSNotification's SNSEnvelope or EventBridge.
	OnEvent func(RDSNotification)

	events    []RDSNotification
	instances map[string]bool
	snaps     map[string]*Snapshot
	exports   map[string]*ExportTask
	order     []string // export ids in start order
	failNext  string
}

// NewRDS starts a fake RDS endpoint on c's time. Close it when done.
func NewRDS(c liberator.Clock) *RDS {
	r := &RDS{
		clock:             c,
		SnapshotDescribes: 1,
		ExportDescribes:   1,
		MaxActiveExports:  5,
		instances:         map[string]bool{},
		snaps:             map[string]*Snapshot{},
		exports:           map[string]*ExportTask{},
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// URL is the endpoint's base URL.
func (r *RDS) URL() string { return r.srv.URL }

// Config returns an aws.Config for clients of this endpoint.
func (r *RDS) Config() aws.Config { return Config(r.srv.URL) }

// Close stops the server.
func (r *RDS) Close() { r.srv.Close() }

// AddInstance registers a DB instance so snapshots of it can be created.
func (r *RDS) AddInstance(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.instances[id] = true
}

// SnapshotARN returns the ARN the fake gives snapshot id.
func SnapshotARN(id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:snapshot:%s", Region, Account, id)
}

// PutSnapshot stores a snapshot as it is (for AWS Backup or automated
// snapshots, or old manual ones). Missing fields get defaults.
func (r *RDS) PutSnapshot(s Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.Type == "" {
		s.Type = "manual"
	}
	if s.Status == "" {
		s.Status = "available"
	}
	if s.ARN == "" {
		s.ARN = SnapshotARN(s.ID)
	}
	if s.Created.IsZero() {
		s.Created = r.clock.Now()
	}
	r.instances[s.Instance] = true
	r.snaps[s.ID] = &s
}

// Snapshots returns the stored snapshots sorted by id.
func (r *RDS) Snapshots() []Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Snapshot
	for _, k := range slices.Sorted(maps.Keys(r.snaps)) {
		s := *r.snaps[k]
		s.describesLeft = 0
		s.Tags = maps.Clone(s.Tags)
		out = append(out, s)
	}
	return out
}

// FailSnapshot makes snapshot id "failed".
func (r *RDS) FailSnapshot(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.snaps[id]; ok {
		s.Status = "failed"
	}
}

// FailNextExport makes the next export started fail with cause instead of
// completing.
func (r *RDS) FailNextExport(cause string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext = cause
}

// Export returns the export task id, if any.
func (r *RDS) Export(id string) (ExportTask, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.exports[id]
	if !ok {
		return ExportTask{}, false
	}
	return *t, true
}

type rdsError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

const rdsXmlns = "http://rds.amazonaws.com/doc/2014-10-31/"

func (r *RDS) serve(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		r.fail(w, Fault{Code: "MalformedQueryString", Message: err.Error(), Status: 400})
		return
	}
	action := req.PostForm.Get("Action")
	params := map[string]string{}
	for k, v := range req.PostForm {
		if k == "Action" || k == "Version" {
			continue
		}
		params[k] = v[0]
	}
	if f, ok := r.record(action, params); ok {
		r.fail(w, f)
		return
	}
	r.mu.Lock()
	result, f := r.handle(req.Context(), action, req.PostForm)
	events, hook := r.events, r.OnEvent
	r.events = nil
	r.mu.Unlock()
	if hook != nil {
		for _, ev := range events {
			hook(ev)
		}
	}
	if f != nil {
		if f.Status == 0 {
			f.Status = 400
		}
		r.fail(w, *f)
		return
	}
	body, err := xml.Marshal(result)
	if err != nil {
		r.fail(w, Fault{Code: "InternalFailure", Message: err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, rdsXmlns, body, newID(8), action)
}

func (r *RDS) fail(w http.ResponseWriter, f Fault) {
	typ := "Sender"
	if f.Status >= 500 {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(rdsError{Xmlns: rdsXmlns, Type: typ, Code: f.Code, Message: f.Message, RequestID: newID(8)})
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
}

type xSnapshot struct {
	DBSnapshotIdentifier string
	DBInstanceIdentifier string
	SnapshotCreateTime   string `xml:",omitempty"`
	Engine               string
	Status               string
	PercentProgress      int
	SnapshotType         string
	DBSnapshotArn        string
	TagList              []xTag `xml:"TagList>Tag,omitempty"`
}

type xTag struct {
	Key   string
	Value string
}

// tagRE is what RDS accepts in a tag key or value.
var tagRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// formTags reads the Tags.Tag.N.Key/Value parameters, checking them as RDS
// does (keys 1..128 characters, values up to 256, letters, digits, spaces
// and _ . : / = + - @ only; at most 50 tags).
func formTags(form url.Values) (map[string]string, *Fault) {
	tags := map[string]string{}
	for i := 1; ; i++ {
		k, ok := form["Tags.Tag."+strconv.Itoa(i)+".Key"]
		if !ok {
			break
		}
		v := form.Get("Tags.Tag." + strconv.Itoa(i) + ".Value")
		if len(k[0]) == 0 || len(k[0]) > 128 || len(v) > 256 || !tagRE.MatchString(k[0]) || !tagRE.MatchString(v) {
			return nil, &Fault{Code: CodeInvalidParameterValue, Message: fmt.Sprintf("Invalid tag %q=%q", k[0], v)}
		}
		tags[k[0]] = v
	}
	if len(tags) > 50 {
		return nil, &Fault{Code: "TagQuotaPerResourceExceeded", Message: "too many tags"}
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

func (s *Snapshot) x() xSnapshot {
	p := 100
	if s.Status == "creating" {
		p = 50
	}
	return xSnapshot{
		DBSnapshotIdentifier: s.ID,
		DBInstanceIdentifier: s.Instance,
		SnapshotCreateTime:   s.Created.UTC().Format(time.RFC3339Nano),
		Engine:               "mysql",
		Status:               s.Status,
		PercentProgress:      p,
		SnapshotType:         s.Type,
		DBSnapshotArn:        s.ARN,
		TagList:              xTags(s.Tags),
	}
}

func xTags(tags map[string]string) []xTag {
	var out []xTag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, xTag{Key: k, Value: tags[k]})
	}
	return out
}

type xExportTask struct {
	ExportTaskIdentifier   string
	SourceArn              string
	ExportOnly             []string `xml:"ExportOnly>member,omitempty"`
	SnapshotTime           string   `xml:",omitempty"`
	TaskStartTime          string   `xml:",omitempty"`
	TaskEndTime            string   `xml:",omitempty"`
	S3Bucket               string
	S3Prefix               string `xml:",omitempty"`
	IamRoleArn             string
	KmsKeyId               string
	Status                 string
	PercentProgress        int
	TotalExtractedDataInGB int
	FailureCause           string `xml:",omitempty"`
	SourceType             string
}

func (t *ExportTask) x() xExportTask {
	x := xExportTask{
		ExportTaskIdentifier:   t.ID,
		SourceArn:              t.SourceArn,
		ExportOnly:             t.ExportOnly,
		S3Bucket:               t.S3Bucket,
		S3Prefix:               t.S3Prefix,
		IamRoleArn:             t.IamRoleArn,
		KmsKeyId:               t.KmsKeyID,
		Status:                 t.Status,
		PercentProgress:        t.Percent,
		TotalExtractedDataInGB: t.ExtractedGB,
		FailureCause:           t.FailureCause,
		SourceType:             "SNAPSHOT",
	}
	if !t.Started.IsZero() {
		x.TaskStartTime = t.Started.UTC().Format(time.RFC3339Nano)
	}
	if !t.Ended.IsZero() {
		x.TaskEndTime = t.Ended.UTC().Format(time.RFC3339Nano)
	}
	return x
}

type xSnapshotResult struct {
	XMLName  xml.Name
	Snapshot xSnapshot `xml:"DBSnapshot"`
}

type xDescribeSnapshotsResult struct {
	XMLName   xml.Name    `xml:"DescribeDBSnapshotsResult"`
	Snapshots []xSnapshot `xml:"DBSnapshots>DBSnapshot"`
	Marker    string      `xml:",omitempty"`
}

type xStartExportResult struct {
	XMLName xml.Name `xml:"StartExportTaskResult"`
	xExportTask
}

type xDescribeExportsResult struct {
	XMLName xml.Name      `xml:"DescribeExportTasksResult"`
	Tasks   []xExportTask `xml:"ExportTasks>ExportTask"`
	Marker  string        `xml:",omitempty"`
}

// page applies Marker/MaxRecords (20..100, default 100, as RDS does).
func page(form url.Values, n int) (start, end int, next string, f *Fault) {
	max := 100
	if s := form.Get("MaxRecords"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 20 || v > 100 {
			return 0, 0, "", &Fault{Code: CodeInvalidParameterValue, Message: "MaxRecords must be between 20 and 100"}
		}
		max = v
	}
	if m := form.Get("Marker"); m != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(m, "m-"))
		if err != nil || v < 0 || v > n {
			return 0, 0, "", &Fault{Code: CodeInvalidParameterValue, Message: "bad Marker"}
		}
		start = v
	}
	end = start + max
	if end >= n {
		end = n
	} else {
		next = "m-" + strconv.Itoa(end)
	}
	return start, end, next, nil
}

func (r *RDS) handle(ctx context.Context, action string, form url.Values) (any, *Fault) {
	now := r.clock.Now()
	switch action {
	case "CreateDBSnapshot":
		id, inst := form.Get("DBSnapshotIdentifier"), form.Get("DBInstanceIdentifier")
		if id == "" || inst == "" {
			return nil, &Fault{Code: "MissingParameter", Message: "DBSnapshotIdentifier and DBInstanceIdentifier are required"}
		}
		if !r.instances[inst] {
			return nil, &Fault{Code: CodeDBInstanceNotFound, Message: "DBInstance " + inst + " not found.", Status: 404}
		}
		if _, ok := r.snaps[id]; ok {
			return nil, &Fault{Code: CodeDBSnapshotAlreadyExists, Message: "Cannot create the snapshot because a snapshot with the identifier " + id + " already exists."}
		}
		manual := 0
		for _, s := range r.snaps {
			if s.Type == "manual" {
				manual++
			}
		}
		if r.MaxManualSnapshots > 0 && manual >= r.MaxManualSnapshots {
			return nil, &Fault{Code: CodeSnapshotQuotaExceeded, Message: fmt.Sprintf("Cannot create more than %d manual snapshots", r.MaxManualSnapshots)}
		}
		tags, f := formTags(form)
		if f != nil {
			return nil, f
		}
		s := &Snapshot{ID: id, Instance: inst, Type: "manual", Status: "creating", Created: now, ARN: SnapshotARN(id), Tags: tags, describesLeft: r.SnapshotDescribes}
		if s.describesLeft <= 0 {
			s.Status = "available"
		}
		r.snaps[id] = s
		return xSnapshotResult{XMLName: xml.Name{Local: "CreateDBSnapshotResult"}, Snapshot: s.x()}, nil

	case "DeleteDBSnapshot":
		id := form.Get("DBSnapshotIdentifier")
		s, ok := r.snaps[id]
		if !ok {
			return nil, &Fault{Code: CodeDBSnapshotNotFound, Message: "DBSnapshot " + id + " not found.", Status: 404}
		}
		if s.Status != "available" && s.Status != "failed" {
			return nil, &Fault{Code: CodeInvalidDBSnapshotState, Message: "Cannot delete the snapshot because it is in state " + s.Status}
		}
		delete(r.snaps, id)
		x := s.x()
		x.Status = "deleted"
		return xSnapshotResult{XMLName: xml.Name{Local: "DeleteDBSnapshotResult"}, Snapshot: x}, nil

	case "DescribeDBSnapshots":
		id, inst, typ := form.Get("DBSnapshotIdentifier"), form.Get("DBInstanceIdentifier"), form.Get("SnapshotType")
		if id != "" && inst != "" {
			// As RDS documents it: the two can't be used in conjunction.
			return nil, &Fault{Code: "InvalidParameterCombination", Message: "DBSnapshotIdentifier can't be used in conjunction with DBInstanceIdentifier"}
		}
		if inst != "" && !r.instances[inst] {
			return nil, &Fault{Code: CodeDBInstanceNotFound, Message: "DBInstance " + inst + " not found.", Status: 404}
		}
		var list []*Snapshot
		for _, k := range slices.Sorted(maps.Keys(r.snaps)) {
			s := r.snaps[k]
			if (id != "" && s.ID != id) || (inst != "" && s.Instance != inst) || (typ != "" && s.Type != typ) {
				continue
			}
			list = append(list, s)
		}
		if id != "" && len(list) == 0 {
			return nil, &Fault{Code: CodeDBSnapshotNotFound, Message: "DBSnapshot " + id + " not found.", Status: 404}
		}
		start, end, next, f := page(form, len(list))
		if f != nil {
			return nil, f
		}
		res := xDescribeSnapshotsResult{Marker: next}
		for _, s := range list[start:end] {
			res.Snapshots = append(res.Snapshots, s.x())
			if s.Status == "creating" {
				s.describesLeft--
				if s.describesLeft <= 0 {
					s.Status = "available"
					r.emit("RDS-EVENT-0042", s.ID, s.ARN, "Manual snapshot created")
				}
			}
		}
		return res, nil

	case "StartExportTask":
		t := &ExportTask{
			ID:         form.Get("ExportTaskIdentifier"),
			SourceArn:  form.Get("SourceArn"),
			S3Bucket:   form.Get("S3BucketName"),
			S3Prefix:   form.Get("S3Prefix"),
			IamRoleArn: form.Get("IamRoleArn"),
			KmsKeyID:   form.Get("KmsKeyId"),
			Status:     "STARTING",
			Started:    now,
		}
		for i := 1; ; i++ {
			v, ok := form["ExportOnly.member."+strconv.Itoa(i)]
			if !ok {
				break
			}
			t.ExportOnly = append(t.ExportOnly, v[0])
		}
		if t.ID == "" || t.SourceArn == "" || t.S3Bucket == "" || t.IamRoleArn == "" || t.KmsKeyID == "" {
			return nil, &Fault{Code: "MissingParameter", Message: "ExportTaskIdentifier, SourceArn, S3BucketName, IamRoleArn and KmsKeyId are required"}
		}
		if !ValidIdentifier(t.ID) || len(t.ID) > 60 {
			return nil, &Fault{Code: CodeInvalidParameterValue, Message: "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."}
		}
		if _, ok := r.exports[t.ID]; ok {
			return nil, &Fault{Code: CodeExportTaskAlreadyExists, Message: "Cannot start export task because a task with the identifier " + t.ID + " already exists."}
		}
		var src *Snapshot
		for _, s := range r.snaps {
			if s.ARN == t.SourceArn {
				src = s
			}
		}
		if src == nil {
			return nil, &Fault{Code: CodeDBSnapshotNotFound, Message: "DBSnapshot " + t.SourceArn + " not found.", Status: 404}
		}
		if src.Status != "available" {
			return nil, &Fault{Code: CodeInvalidExportSource, Message: "The snapshot " + src.ID + " is in state " + src.Status}
		}
		active := 0
		for _, e := range r.exports {
			if e.Status == "STARTING" || e.Status == "IN_PROGRESS" || e.Status == "CANCELING" {
				active++
			}
		}
		if r.MaxActiveExports > 0 && active >= r.MaxActiveExports {
			return nil, &Fault{Code: CodeExportQuota, Message: fmt.Sprintf("You can have at most %d export tasks in progress at the same time.", r.MaxActiveExports)}
		}
		t.SnapshotID = src.ID
		t.failWith = r.failNext
		r.failNext = ""
		r.exports[t.ID] = t
		r.order = append(r.order, t.ID)
		return xStartExportResult{xExportTask: t.x()}, nil

	case "DescribeExportTasks":
		id, srcArn := form.Get("ExportTaskIdentifier"), form.Get("SourceArn")
		var list []*ExportTask
		for _, k := range r.order {
			t := r.exports[k]
			if (id != "" && t.ID != id) || (srcArn != "" && t.SourceArn != srcArn) {
				continue
			}
			list = append(list, t)
		}
		if id != "" && len(list) == 0 {
			return nil, &Fault{Code: CodeExportTaskNotFound, Message: "The export task with the ID " + id + " wasn't found.", Status: 404}
		}
		start, end, next, f := page(form, len(list))
		if f != nil {
			return nil, f
		}
		res := xDescribeExportsResult{Marker: next}
		for _, t := range list[start:end] {
			res.Tasks = append(res.Tasks, t.x())
			r.advance(ctx, t)
		}
		return res, nil
	}
	return nil, &Fault{Code: "InvalidAction", Message: "unsupported action " + action}
}

// advance moves an export one describe further (called with r.mu held).
func (r *RDS) advance(ctx context.Context, t *ExportTask) {
	if t.Status != "STARTING" && t.Status != "IN_PROGRESS" {
		return
	}
	t.describes++
	n := r.ExportDescribes
	if n <= 0 {
		n = 1
	}
	switch {
	case t.describes < n:
	case t.describes < 2*n:
		t.Status = "IN_PROGRESS"
		t.Percent = 100 * t.describes / (2 * n)
		t.ExtractedGB = t.describes
	default:
		t.Ended = r.clock.Now()
		if t.failWith != "" {
			t.Status, t.FailureCause = "FAILED", t.failWith
			r.emit("RDS-EVENT-0159", t.SnapshotID, t.SourceArn, "Snapshot export task failed.")
			return
		}
		if r.OnExportComplete != nil {
			if err := r.OnExportComplete(ctx, *t); err != nil {
				t.Status, t.FailureCause = "FAILED", err.Error()
				r.emit("RDS-EVENT-0159", t.SnapshotID, t.SourceArn, "Snapshot export task failed.")
				return
			}
		}
		t.Status, t.Percent = "COMPLETE", 100
		r.emit("RDS-EVENT-0161", t.SnapshotID, t.SourceArn, "Snapshot export task completed.")
		t.ExtractedGB = t.describes
	}
}

func (r *RDS) emit(id, source, arn, msg string) {
	r.events = append(r.events, RDSNotification{EventID: id, SourceID: source, SourceARN: arn, Message: msg, Time: r.clock.Now()})
}

// ValidIdentifier reports whether id is a valid RDS identifier: it begins
// with a letter, holds only ASCII letters, digits and hyphens, and neither
// ends with a hyphen nor holds two consecutive hyphens.
func ValidIdentifier(id string) bool {
	if id == "" || !(id[0] >= 'a' && id[0] <= 'z' || id[0] >= 'A' && id[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return !strings.HasSuffix(id, "-") && !strings.Contains(id, "--")
}
