/* The SQLite engine's own handle, for the few SQLite-only parts of the catalog (PRAGMAs at open,
 * quick_check and integrity_check, the SQL functions of the rollup migration). */
#ifndef MM_DB_ENGINE_SQLITE_H
#define MM_DB_ENGINE_SQLITE_H

#include <sqlite3.h>

#include "catalog/db_engine.h"

/* The connection's sqlite3 handle; NULL when db is not an SQLite connection. */
sqlite3 *db_sqlite_handle(db_conn *db);

#endif
