// libjsonnet's C API (Debian's libjsonnet-dev). PlumbManifests' Jsonnet renderer is its one importer.
#include <stddef.h>
#include <libjsonnet.h>
