// Threads: the count, its cap, a check that the threads can be started, and
// what a fork child may use. See runtime.hpp for the behaviour promised.
#include "threads.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define TCONV1D_PTHREADS 1
#endif
#ifdef __linux__
#include <sched.h>
#endif

#include "tconv1d/runtime.hpp"

namespace tconv1d {

namespace {

std::atomic<int> requested_threads{0};
// Set once this process has run a parallel region on more than one thread:
// from then on the OpenMP runtime holds a thread pool that a fork child lacks.
std::atomic<bool> team_started{false};
// Set in a fork child of such a process: its passes run on one thread.
std::atomic<bool> forked_after_team{false};
// Threads this calling thread has shown it can start (OpenMP keeps a pool per
// calling thread, so each one checks for itself).
thread_local int verified_threads = 1;

int available_cpus() {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
    return std::max(1, int(std::thread::hardware_concurrency()));
}

#ifdef TCONV1D_PTHREADS
void child_after_fork() {
    if (team_started.load()) forked_after_team.store(true);
}
[[maybe_unused]] const int at_fork_registered = pthread_atfork(nullptr, nullptr, child_after_fork);

// The stack size the OpenMP runtime gives its threads: OMP_STACKSIZE (or
// GOMP_STACKSIZE), a number with an optional B, K, M or G suffix (K when
// none); 0 when unset or unreadable (the system default, as the runtime uses).
std::size_t openmp_stack_size() {
    for (const char* name : {"OMP_STACKSIZE", "GOMP_STACKSIZE"}) {
        const char* text = std::getenv(name);
        if (text == nullptr) continue;
        char* end = nullptr;
        errno = 0;
        const unsigned long long value = std::strtoull(text, &end, 10);
        if (end == text || errno != 0) return 0;
        while (std::isspace(static_cast<unsigned char>(*end))) ++end;
        unsigned shift = 10;
        switch (std::toupper(static_cast<unsigned char>(*end))) {
            case '\0':
                break;
            case 'B':
                shift = 0;
                ++end;
                break;
            case 'K':
                shift = 10;
                ++end;
                break;
            case 'M':
                shift = 20;
                ++end;
                break;
            case 'G':
                shift = 30;
                ++end;
                break;
            default:
                return 0;
        }
        while (std::isspace(static_cast<unsigned char>(*end))) ++end;
        if (*end != '\0' || value > (~0ull >> shift)) return 0;
        return std::size_t(value << shift);
    }
    return 0;
}

// Starts count threads that all wait until every one exists, then joins them.
// Throws std::runtime_error naming the reason when one cannot be started.
void check_threads_can_start(int count) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (const std::size_t stack = openmp_stack_size()) pthread_attr_setstacksize(&attr, stack);
    std::atomic<bool> go{false};
    auto body = [](void* flag) -> void* {
        while (!static_cast<std::atomic<bool>*>(flag)->load()) std::this_thread::yield();
        return nullptr;
    };
    std::vector<pthread_t> started;
    int error = 0;
    for (int i = 0; i < count; ++i) {
        pthread_t id;
        error = pthread_create(&id, &attr, body, &go);
        if (error != 0) break;
        started.push_back(id);
    }
    go.store(true);
    for (pthread_t id : started) pthread_join(id, nullptr);
    pthread_attr_destroy(&attr);
    if (error != 0)
        throw std::runtime_error("tconv1d: cannot start " + std::to_string(count + 1) + " threads (only " +
                                 std::to_string(started.size() + 1) + " could run at once: " +
                                 std::strerror(error) + "); call set_num_threads with a smaller count, or 1");
}
#else
void check_threads_can_start(int) {}
#endif

}  // namespace

int max_num_threads() {
    static const int cap = std::max(4, 4 * available_cpus());
    return cap;
}

void set_num_threads(int num_threads) {
    if (num_threads < 0 || num_threads > max_num_threads())
        throw std::invalid_argument(
            "num_threads must be between 0 (the default) and " + std::to_string(max_num_threads()) +
            " (4 x the CPUs this process may use), got " + std::to_string(num_threads));
    requested_threads.store(num_threads);
}

int get_num_threads() {
    if (forked_after_team.load()) return 1;
    int n = requested_threads.load();
#ifdef _OPENMP
    if (n == 0) n = omp_get_max_threads();
#endif
    return std::clamp(n, 1, max_num_threads());
}

int detail::effective_threads() {
    const int n = get_num_threads();
    if (n > verified_threads) {
        check_threads_can_start(n - 1);
        verified_threads = n;
    }
    if (n > 1) team_started.store(true);
    return n;
}

namespace {
thread_local int alone_regions = 0;  // AloneRegions alive on this thread
}  // namespace

detail::AloneRegion::AloneRegion() { ++alone_regions; }
detail::AloneRegion::~AloneRegion() { --alone_regions; }

int detail::thread_index() {
#ifdef _OPENMP
    // A team's thread runs alone only where it started the team (thread 0),
    // or outside one.
    return alone_regions > 0 ? 0 : omp_get_thread_num();
#else
    return 0;
#endif
}

}  // namespace tconv1d
