#pragma once
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import.
static inline void (*_Nullable CSQLite_transient(void))(void *_Nullable) { return SQLITE_TRANSIENT; }

// sqlite3_db_config is variadic; this is its (int, int*) form, e.g. SQLITE_DBCONFIG_DQS_DML.
static inline int CSQLite_db_config_int(sqlite3 *_Nonnull db, int op, int value, int *_Nullable result) {
    return sqlite3_db_config(db, op, value, result);
}
