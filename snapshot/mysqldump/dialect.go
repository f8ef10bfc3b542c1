package mysqldump

// mysqlVersion is the server version whose reading of executable comments
// the scanner imitates: MySQL 8.4, as RDS runs it.
const mysqlVersion = 80400

// dialect says which executable comments apply (see the package doc).
type dialect struct {
	// mariadb is true for a dump written by MariaDB (its header or its
	// sandbox marker says so).
	mariadb bool
}

// applies reports whether an executable comment of this version (0: none)
// applies; mariadb is true for a /*M!…*/ comment.
func (d dialect) applies(version int, mariadb bool) bool {
	if d.mariadb {
		return true
	}
	return !mariadb && version <= mysqlVersion
}
