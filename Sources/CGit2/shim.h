#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one non-variadic wrapper per use. */

/* Caches parsed tree objects up to `bytes` each (libgit2 keeps only trees under 4 KiB by default,
   so every path lookup under a directory of a thousand files would inflate and parse it again). */
static inline int plumb_git_set_tree_cache_limit(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE, bytes);
}
