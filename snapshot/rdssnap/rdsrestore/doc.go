// Package rdsrestore is the restore step of the RDS Snapshotter in
// production: Restorer loads an uploaded dump into the RDS MySQL instance
// over TLS with the allowlisted restore of package mysqlsnap, and replaces
// the live database only once the whole dump has loaded.
//
// It is a separate package so that the Lambdas, which use rdssnap without
// restoring, do not link the MySQL driver and the dump scanner.
package rdsrestore
