#ifndef GRANARY_CMAGIC_SHIM_H
#define GRANARY_CMAGIC_SHIM_H
#include <magic.h>
#endif
