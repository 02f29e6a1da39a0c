// A minimal test harness: CHECK records a failure and goes on; main returns
// the number of failures so ctest sees a non-zero exit.
#pragma once

#include <cstdio>
#include <exception>

namespace check {
inline int failures = 0;
inline int passes = 0;
}  // namespace check

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (cond) {                                                                       \
            ++check::passes;                                                              \
        } else {                                                                          \
            ++check::failures;                                                            \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                 \
    } while (0)

// CHECK_THROWS(Exception, statement): the statement must throw that exception.
#define CHECK_THROWS(Exception, ...)  \
    do {                              \
        bool thrown_ = false;         \
        try {                         \
            __VA_ARGS__;              \
        } catch (const Exception&) {  \
            thrown_ = true;           \
        } catch (...) {               \
        }                             \
        CHECK(thrown_ && #Exception); \
    } while (0)

inline int check_summary() {
    std::printf("%d passed, %d failed\n", check::passes, check::failures);
    return check::failures == 0 ? 0 : 1;
}
