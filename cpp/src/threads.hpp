// Internal: the thread count every parallel region uses.
#pragma once

namespace tconv1d::detail {

// The number of threads set by set_num_threads, or OpenMP's default when unset,
// capped at max_num_threads(); 1 in a fork child of a process that ran a team.
// Called on the calling thread before a pass's parallel regions: the first
// time a calling thread needs N threads it checks that they can be started and
// throws std::runtime_error if not (see runtime.hpp).
int effective_threads();

// This thread's index inside a parallel region (0 outside one, and in a
// region whose iterations the calling thread runs alone: AloneRegion).
int thread_index();

// While one lives, the calling thread runs a region's iterations alone
// (parallel.hpp), where thread_index() is 0: also where that thread is
// thread i of an enclosing OpenMP team (a caller's own parallel region), as
// in a region of one thread that OpenMP starts there.
class AloneRegion {
public:
    AloneRegion();
    ~AloneRegion();
    AloneRegion(const AloneRegion&) = delete;
    AloneRegion& operator=(const AloneRegion&) = delete;
};

}  // namespace tconv1d::detail
