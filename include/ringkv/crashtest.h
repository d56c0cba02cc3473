// <ringkv/crashtest.h>: the crash-consistency harness as a library (see crash/crashtest.h).
#include "crash/crashtest.h"
