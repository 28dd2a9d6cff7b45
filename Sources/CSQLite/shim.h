#pragma once
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import.
static inline void (*_Nullable CSQLite_transient(void))(void *_Nullable) { return SQLITE_TRANSIENT; }
