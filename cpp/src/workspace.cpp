#include "workspace.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tconv1d/runtime.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#define TCONV1D_WORKSPACE_MMAP 1
#endif

namespace tconv1d {

namespace {

using detail::kWorkspaceAlign;  // NOLINT(misc-unused-using-decls): used where mmap is not

// The cache's default limit: a sixteenth of the memory the process may use
// (the machine's, or its control group's limit where that is lower: a
// container), within 256 MiB and 1 GiB. Above 256 MiB a recurring call
// whose result and workspace are large keeps reusing its pages: a float64
// output of 335 MB was faulted in afresh each call, and on a virtual
// machine that hands freed memory back to its host (free page reporting)
// each fresh page may be a fault on the host too: that forward took 54 ms on
// cached pages, 73-460 ms on fresh ones (0.01-0.42 s of system time for the
// same 159 huge-page faults), at one thread.
constexpr std::int64_t kLeastDefaultCacheLimit = std::int64_t(256) << 20;
constexpr std::int64_t kMostDefaultCacheLimit = std::int64_t(1) << 30;

// The lowest memory limit of the process's control group and its ancestors
// (Linux; cgroup v2's memory.max, v1's memory.limit_in_bytes), or the
// int64 maximum where none is set or readable.
std::int64_t control_group_limit() {
    std::int64_t lowest = std::numeric_limits<std::int64_t>::max();
#ifdef __linux__
    std::ifstream groups("/proc/self/cgroup");
    std::string line;
    while (std::getline(groups, line)) {
        // "0::/path" (v2), or "N:controllers:/path" (v1) with memory among them.
        const std::size_t first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string root, file;
        if (controllers.empty())
            root = "/sys/fs/cgroup", file = "memory.max";
        else if (("," + controllers + ",").find(",memory,") != std::string::npos)
            root = "/sys/fs/cgroup/memory", file = "memory.limit_in_bytes";
        else
            continue;
        // From the group up to the hierarchy's root (inside a container the
        // group's path may not exist: its root is the container's group).
        std::string path = line.substr(second + 1);
        for (;;) {
            std::string name = root;
            name += path;
            if (path.empty() || path.back() != '/') name += '/';
            name += file;
            std::ifstream in(name);
            long long bytes = 0;
            if (in >> bytes && bytes > 0)
                lowest = std::min<std::int64_t>(lowest, bytes);  // "max" reads as none
            if (path.empty() || path == "/") break;
            path = path.substr(0, path.find_last_of('/'));
        }
    }
#endif
    return lowest;
}

std::int64_t default_cache_limit() {
    std::int64_t memory = control_group_limit();
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0 && std::int64_t(pages) <= std::numeric_limits<std::int64_t>::max() / page)
        memory = std::min(memory, std::int64_t(pages) * page);
#endif
    if (memory == std::numeric_limits<std::int64_t>::max()) return kLeastDefaultCacheLimit;
    return std::clamp(memory / 16, kLeastDefaultCacheLimit, kMostDefaultCacheLimit);
}

std::string mebibytes(std::size_t bytes) {
    return std::to_string((bytes + (std::size_t(1) << 20) - 1) >> 20) + " MiB";
}

// Blocks come straight from the operating system where it can be asked (and
// go straight back to it when freed), so memory given up by the cache really
// leaves the process instead of lingering in an allocator's arena.
void* allocate_block(std::size_t bytes) {
#ifdef TCONV1D_WORKSPACE_MMAP
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
    // Large blocks ask for transparent huge pages (as NumPy does for its
    // arrays): the kernels walk packed rows far apart, and with 4 KiB pages the
    // TLB misses cost up to a tenth of a pass. Only a hint; refused is fine.
    if (bytes >= (std::size_t(4) << 20)) madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
#else
    return ::operator new(bytes, std::align_val_t(kWorkspaceAlign), std::nothrow);
#endif
}

void free_block(void* p, std::size_t bytes) {
#ifdef TCONV1D_WORKSPACE_MMAP
    munmap(p, bytes);
#else
    (void)bytes;
    ::operator delete(p, std::align_val_t(kWorkspaceAlign));
#endif
}

struct Block {
    void* data;
    std::size_t bytes;
};

// Freed blocks, oldest first, kept while their total stays within the limit.
struct Cache {
    std::mutex mutex;
    std::vector<Block> blocks;
    std::size_t bytes = 0;
    std::size_t limit = std::size_t(default_cache_limit());

    // Unlinks the blocks beyond the limit (oldest first); the caller frees them
    // outside the lock.
    std::vector<Block> trim() {
        std::vector<Block> evicted;
        while (bytes > limit && !blocks.empty()) {
            evicted.push_back(blocks.front());
            bytes -= blocks.front().bytes;
            blocks.erase(blocks.begin());
        }
        return evicted;
    }
};

#ifdef TCONV1D_WORKSPACE_MMAP
void reset_lock_in_child();
#endif

// Made at first use (never destroyed: passes may run during exit), when the
// fork handler is registered too.
Cache& cache() {
    static Cache* const instance = [] {
        auto* made = new Cache;
#ifdef TCONV1D_WORKSPACE_MMAP
        pthread_atfork(nullptr, nullptr, reset_lock_in_child);
#endif
        return made;
    }();
    return *instance;
}

void free_all(const std::vector<Block>& blocks) {
    for (const Block& b : blocks) free_block(b.data, b.bytes);
}

// The smallest cached block of at least `bytes` and at most `most` bytes, or a
// new one of `bytes`. When the allocation fails, the cache is emptied and it is
// tried once more; the error names the pass whose workspace it is, or a result
// (pass == nullptr). The message is built only then: no allocation per call.
Block acquire(std::size_t bytes, std::size_t most, const char* pass) {
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        auto best = c.blocks.end();
        for (auto it = c.blocks.begin(); it != c.blocks.end(); ++it)
            if (it->bytes >= bytes && it->bytes <= most &&
                (best == c.blocks.end() || it->bytes < best->bytes))
                best = it;
        if (best != c.blocks.end()) {
            const Block found = *best;
            c.blocks.erase(best);
            c.bytes -= found.bytes;
            return found;
        }
    }
    if (void* p = allocate_block(bytes)) return {p, bytes};
    std::vector<Block> all;
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        all.swap(c.blocks);
        c.bytes = 0;
    }
    free_all(all);
    if (void* p = allocate_block(bytes)) return {p, bytes};
    const std::string what = pass != nullptr ? std::string(pass) + "'s workspace" : "a result";
    throw detail::workspace_error("tconv1d: cannot allocate " + what + " of " + mebibytes(bytes) +
                                  " (out of memory)");
}

void release(Block block) {
    Cache& c = cache();
    std::vector<Block> evicted;
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        c.blocks.push_back(block);
        c.bytes += block.bytes;
        evicted = c.trim();
    }
    free_all(evicted);
}

#ifdef TCONV1D_WORKSPACE_MMAP
// A fork child has only the thread that forked: if another thread held the
// cache's lock at that moment, nobody would ever release it. The child starts
// with a fresh lock (blocks taken by calls running in the parent's other
// threads are simply not in its cache).
void reset_lock_in_child() { new (&cache().mutex) std::mutex(); }
#endif

}  // namespace

namespace detail {

std::size_t piece_bytes(std::int64_t count, std::size_t item) {
    if (count < 0) throw std::logic_error("tconv1d: negative workspace piece");
    const std::size_t max = std::size_t(-1) / 2;
    if (std::size_t(count) > max / item)
        throw workspace_error("tconv1d: a workspace size does not fit in memory");
    return (std::size_t(count) * item + kWorkspaceAlign - 1) / kWorkspaceAlign * kWorkspaceAlign + kPieceSkew;
}

void WorkspaceSize::add_bytes(std::int64_t count, std::size_t item) {
    const std::size_t piece = piece_bytes(count, item);
    if (bytes_ > std::size_t(-1) / 2 - piece)
        throw workspace_error("tconv1d: a workspace size does not fit in memory");
    bytes_ += piece;
}

Workspace::Workspace(const WorkspaceSize& size, const char* pass) {
    if (size.bytes() == 0) return;
    // A workspace lives only during its pass: any larger cached block will do.
    const Block b = acquire(size.bytes(), std::size_t(-1), pass);
    data_ = b.data;
    capacity_ = b.bytes;
}

Workspace::~Workspace() {
    if (data_ != nullptr) release({data_, capacity_});
}

void* Workspace::take_bytes(std::int64_t count, std::size_t item) {
    const std::size_t piece = piece_bytes(count, item);
    if (piece > capacity_ - used_)
        throw std::logic_error("tconv1d: a pass took more workspace than it sized");
    void* p = static_cast<char*>(data_) + used_;
    used_ += piece;
    return p;
}

}  // namespace detail

ResultMemory acquire_result_memory(std::size_t bytes) {
    if (bytes == 0) return {nullptr, 0};
    if (bytes > std::size_t(-1) / 2)
        throw detail::workspace_error("tconv1d: a result size does not fit in memory");
    // A result outlives the call, for as long as its caller keeps it: a cached
    // block much larger than asked would hold memory nobody uses, so only one
    // at most an eighth larger is taken.
    const Block b = acquire(bytes, bytes + bytes / 8, nullptr);
    return {b.data, b.bytes};
}

void release_result_memory(ResultMemory memory) {
    if (memory.data != nullptr) release({memory.data, memory.bytes});
}

std::int64_t workspace_cached_bytes() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return std::int64_t(c.bytes);
}

std::int64_t workspace_cache_limit() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return std::int64_t(c.limit);
}

void set_workspace_cache_limit(std::int64_t bytes) {
    if (bytes < 0)
        throw std::invalid_argument("workspace cache limit must be a nonnegative number of bytes, got " +
                                    std::to_string(bytes));
    Cache& c = cache();
    std::vector<Block> evicted;
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        c.limit = std::size_t(bytes);
        evicted = c.trim();
    }
    free_all(evicted);
}

}  // namespace tconv1d
