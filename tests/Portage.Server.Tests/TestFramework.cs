// PostgreSQL tests skip (with the reason) on a machine without PostgreSQL, instead of failing: see TestPostgres.
[assembly: TestFramework("Portage.Testing.Skipping.DynamicSkipTestFramework", "Portage.Testing")]
