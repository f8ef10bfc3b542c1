package mysqlsnap_test

import (
	"fmt"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// An Allowlist checks a dump's statements, in order, before anything is
// sent to the server.
func ExampleAllowlist() {
	al := mysqlsnap.NewAllowlist("liberator", mysqlsnap.AllowOptions{Dialect: mysqlsnap.DialectMariaDB})
	for i, stmt := range []string{
		"/*!40101 SET NAMES utf8mb4 */",
		"CREATE TABLE `PCN_IC` (`id` int NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
		"INSERT INTO `PCN_IC` VALUES (1),(2)",
		"/*!50001 CREATE VIEW `v` AS SELECT 1 AS `a` */",
		"/*!50000 GRANT ALL ON *.* TO 'x'@'%' */",
	} {
		d, err := al.Check(stmt, i+1)
		if err != nil {
			fmt.Println("refused:", err)
			continue
		}
		if d.Action == mysqlsnap.Skip {
			fmt.Printf("%s %s\n", d.Action, d.Kind)
			continue
		}
		fmt.Printf("%s %s\n", d.Action, d.SQL)
	}
	// Output:
	// execute /*!40101 SET NAMES utf8mb4 */
	// execute CREATE TABLE `PCN_IC` (`id` int NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci
	// execute INSERT INTO `PCN_IC` VALUES (1),(2)
	// skip view
	// refused: restore line 5: statement refused: GRANT is not allowed: "/*!50000 GRANT ALL ON *.* TO 'x'@'%' */"
}
