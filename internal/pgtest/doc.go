// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb in
// a temporary directory, the server on a free loopback port with its socket
// directory inside the temporary directory, stopped and removed afterwards.
//
// PostgreSQL refuses to run as root; when the tests run as root (as CI
// does), the cluster runs as the unprivileged user "postgres" (looked up
// with os/user; the temporary directory is given to it). A test that needs
// PostgreSQL fails — never skips — when no cluster can be started.
//
// One cluster per test package keeps tests fast; each test gets its own
// database:
//
//	var cluster *pgtest.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := cluster.NewDatabase(t) // dropped when the test ends
//		…
//	}
package pgtest
