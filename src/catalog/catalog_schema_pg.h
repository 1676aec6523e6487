/* The catalog's schema on PostgreSQL: the same tables and schema versions as the SQLite schema
 * (catalog_schema.c) in PostgreSQL's dialect, with usage events partitioned by month. */
#ifndef MM_CATALOG_SCHEMA_PG_H
#define MM_CATALOG_SCHEMA_PG_H

#include "catalog/db_engine.h"

/* The newest schema version the PostgreSQL migrations know (equal to catalog_schema_version()
 * when both are in step). */
int catalog_schema_pg_version(void);
/* The stored schema version (0 for an empty database); MM_E_SCHEMA when the database holds
 * tables but is not an mmadmin catalog. */
mm_status catalog_schema_pg_read(db_conn *db, int64_t *version, mm_error *err);
/* MM_E_SCHEMA, touching nothing, for a database that is not ours or of a newer schema. */
mm_status catalog_schema_pg_check(db_conn *db, mm_error *err);
/* Upgrades an older schema in one transaction (concurrent openers wait for each other), then
 * makes sure this month's and next month's usage partitions exist. MM_E_SCHEMA for a newer or
 * foreign database (untouched) or an older one opened read-only. */
mm_status catalog_schema_pg_migrate(db_conn *db, int64_t now_ms, mm_error *err);

#endif
