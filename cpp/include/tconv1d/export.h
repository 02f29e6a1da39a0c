/* Which symbols the tconv1d library exports (valid C and C++).
 *
 * The shared library is built with hidden visibility: only declarations marked
 * TCONV1D_API are part of its ABI. On Windows the same mark is dllexport while
 * the DLL is built and dllimport for its users (the CMake target sets
 * TCONV1D_SHARED for them); a static library needs neither.
 *
 * TCONV1D_TYPE marks the types of the C++ API (views, geometry): with GCC and
 * Clang an exported template instantiation is only as visible as its argument
 * types. Windows exports functions, not types, so it is empty there. */
#ifndef TCONV1D_EXPORT_H
#define TCONV1D_EXPORT_H

#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(TCONV1D_BUILDING_SHARED)
#define TCONV1D_API __declspec(dllexport)
#elif defined(TCONV1D_SHARED)
#define TCONV1D_API __declspec(dllimport)
#else
#define TCONV1D_API
#endif
#define TCONV1D_TYPE
#elif defined(__GNUC__)
#define TCONV1D_API __attribute__((visibility("default")))
#define TCONV1D_TYPE __attribute__((visibility("default")))
#else
#define TCONV1D_API
#define TCONV1D_TYPE
#endif

#endif /* TCONV1D_EXPORT_H */
