/* dr_sweep.c -- placeholder */
#include "dr_impl.h"
