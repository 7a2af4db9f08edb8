#ifndef GRANARY_CLIBXML2_SHIM_H
#define GRANARY_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU; its encoding header would then pull in the system ICU headers, whose types clash
   with Foundation's bundled ICU. Nothing here needs libxml2's ICU converters. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xpath.h>
#include <libxml/xmlschemas.h>
#endif
