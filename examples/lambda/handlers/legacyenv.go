package handlers

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// EnvAlias is an environment variable of the chain this module replaces
// that FromEnv still reads, as the variable New, when New is not set: a
// function or task deployed with its old environment works during the
// cutover. Each one read is logged once at warn level (LogDeprecated).
type EnvAlias struct {
	Old  string // the old chain's name
	New  string // the name it stands for
	From string // where the old chain read it
}

// EnvAliases are the old chain's variables (LBHackney-IT/Data-Platform:
// the ECS task docker/sql-to-parquet, the snapshot Lambdas
// rds-database-snapshot-replicator and export_rds_snapshot_to_s3, the copier
// Lambdas s3-to-s3-export-copier and rds_snapshot_export_s3_to_s3_copier),
// in the order they are tried: for one New, the first Old set wins.
//
// BUCKET_NAME is the dump bucket, as the ECS task read it; the Python
// export Lambda's BUCKET_NAME (its export bucket) must be renamed
// LIBERATOR_EXPORT_BUCKET. MYSQL_OTHER_FLAGS gives the port (--port=N,
// -P N) and the CA bundle (--ssl-ca=PATH); its other flags tuned the
// mariadb client, which the restore does not use, and are ignored (and
// logged). COPIER_QUEUE_ARN is read as the scheduler queue's URL, so the
// old copier queue's waiting messages are handled. IMPORT_DATE_OVERRIDE
// without DUMP_KEY names the dump as the ECS task did:
// <LIBERATOR_DUMP_PREFIX>liberator_dump_YYMMDD.zip.
var EnvAliases = []EnvAlias{
	{"RDS_INSTANCE_ID", EnvDBInstance, "ECS task"},
	{"MYSQL_HOST", EnvDBHost, "ECS task"},
	{"MYSQL_USER", EnvDBUser, "ECS task"},
	{"MYSQL_PASS", EnvDBPassword, "ECS task"},
	{"MYSQL_OTHER_FLAGS", EnvDBPort, "ECS task (--port=N or -P N)"},
	{"MYSQL_OTHER_FLAGS", EnvDBCABundle, "ECS task (--ssl-ca=PATH)"},
	{"BUCKET_NAME", EnvDumpBucket, "ECS task"},
	{"BUCKET_NAME", EnvTaskBucket, "ECS task"},
	{"IMPORT_DATE_OVERRIDE", EnvImportDate, "ECS task"},
	{"S3_BUCKET_NAME", EnvExportBucket, "snapshot Lambda"},
	{"SOURCE_BUCKET", EnvExportBucket, "copier Lambda (Python)"},
	{"SOURCE_PREFIX", EnvExportPrefix, "copier Lambda (Python)"},
	{"IAM_ROLE_ARN", EnvExportRoleARN, "snapshot Lambda"},
	{"KMS_KEY_ID", EnvExportKMSKey, "snapshot Lambda"},
	{"COPIER_QUEUE_ARN", EnvQueueURL, "snapshot Lambda (an ARN, read as the queue's URL)"},
	{"BUCKET_DESTINATION", EnvLandingBucket, "copier Lambda (Node)"},
	{"TARGET_BUCKET", EnvLandingBucket, "copier Lambda (Python)"},
	{"SERVICE_AREA", EnvLandingPrefix, "copier Lambda (Node)"},
	{"TARGET_PREFIX", EnvLandingPrefix, "copier Lambda (Python)"},
	{"WORKFLOW_NAME", EnvWorkflowName, "copier Lambdas"},
	{"BACKDATED_WORKFLOW_NAME", EnvBackdatedWorkflow, "copier Lambdas"},
}

// legacyUse records which of the old chain's variables were read.
type legacyUse struct {
	used    []EnvAlias
	ignored []string // MYSQL_OTHER_FLAGS flags not used
}

// legacyEnv returns getenv that also reads the old chain's names
// (EnvAliases), and what it read of them.
func legacyEnv(getenv func(string) string) (func(string) string, *legacyUse) {
	u := &legacyUse{}
	seen := map[string]bool{}
	note := func(a EnvAlias) {
		if !seen[a.Old+">"+a.New] {
			seen[a.Old+">"+a.New] = true
			u.used = append(u.used, a)
		}
	}
	var get func(string) string
	get = func(name string) string {
		if v := getenv(name); strings.TrimSpace(v) != "" {
			return v
		}
		for _, a := range EnvAliases {
			if a.New != name {
				continue
			}
			v := getenv(a.Old)
			if strings.TrimSpace(v) == "" {
				continue
			}
			switch a.Old {
			case "MYSQL_OTHER_FLAGS":
				port, ca, _ := mysqlFlags(v)
				if v = port; name == EnvDBCABundle {
					v = ca
				}
				if v == "" {
					continue
				}
			case "COPIER_QUEUE_ARN":
				v = queueURL(v)
			}
			note(a)
			return v
		}
		if name == EnvTaskKey && get(EnvMessage) == "" {
			// The ECS task found its dump by date: parking/liberator_dump_YYMMDD.zip.
			if d, err := liberator.ParseDate(strings.TrimSpace(getenv("IMPORT_DATE_OVERRIDE"))); err == nil {
				prefix := strings.TrimSpace(get(EnvDumpPrefix))
				if prefix == "" {
					prefix = "parking/"
				}
				note(EnvAlias{"IMPORT_DATE_OVERRIDE", EnvTaskKey, "ECS task (the dump of that date)"})
				return strings.TrimSuffix(prefix, "/") + "/liberator_dump_" + d.Compact()[2:] + ".zip"
			}
		}
		return ""
	}
	if flags := strings.TrimSpace(getenv("MYSQL_OTHER_FLAGS")); flags != "" {
		_, _, u.ignored = mysqlFlags(flags)
	}
	return get, u
}

// mysqlFlags reads the mariadb client flags the restore can use from
// MYSQL_OTHER_FLAGS: the port and the CA bundle; the rest are returned as
// ignored.
func mysqlFlags(s string) (port, ca string, ignored []string) {
	f := strings.Fields(s)
	for i := 0; i < len(f); i++ {
		switch a := f[i]; {
		case strings.HasPrefix(a, "--port="):
			port = strings.TrimPrefix(a, "--port=")
		case (a == "-P" || a == "--port") && i+1 < len(f):
			i++
			port = f[i]
		case strings.HasPrefix(a, "-P") && len(a) > 2:
			port = a[2:]
		case strings.HasPrefix(a, "--ssl-ca="):
			ca = strings.TrimPrefix(a, "--ssl-ca=")
		default:
			ignored = append(ignored, a)
		}
	}
	return port, ca, ignored
}

// queueURL turns an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) into
// its URL; anything else is returned as it is.
func queueURL(arn string) string {
	p := strings.Split(strings.TrimSpace(arn), ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" {
		return arn
	}
	host := "sqs." + p[3] + ".amazonaws.com"
	if strings.HasPrefix(p[1], "aws-cn") {
		host += ".cn"
	}
	return fmt.Sprintf("https://%s/%s/%s", host, p[4], p[5])
}

// LogDeprecated logs, once each at warn level, the old chain's variables
// the configuration was read from (EnvAliases) and the MYSQL_OTHER_FLAGS
// flags it ignored. Every entry point calls it once its logger exists.
func (c Config) LogDeprecated(log *slog.Logger) {
	for _, a := range c.Deprecated {
		log.Warn("deprecated environment variable: rename it", "old", a.Old, "new", a.New, "from", a.From)
	}
	if len(c.IgnoredMySQLFlags) > 0 {
		log.Warn("MYSQL_OTHER_FLAGS: flags of the mariadb client the restore does not use are ignored",
			"ignored", strings.Join(c.IgnoredMySQLFlags, " "))
	}
}
