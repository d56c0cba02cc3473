// <ringkv/db.h>: the public API of the embedded key-value store (see engine/db.h).
#include "engine/db.h"
