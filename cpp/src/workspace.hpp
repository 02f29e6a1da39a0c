// Internal: the scratch memory of one pass.
//
// A pass sizes all of its workspace up front and takes it in one block, on the
// calling thread, before any parallel region: an allocation that fails is then
// an exception the caller sees (a std::bad_alloc whose what() names the pass
// and the size), never std::terminate inside an OpenMP region. The block is
// carved into pieces (the shared packed operands, then one slice per thread)
// and goes back to a small process-wide cache when the pass ends, so calls of
// a recurring shape do not fault in fresh pages each time, while the memory
// kept between calls is bounded (set_workspace_cache_limit, runtime.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>

namespace tconv1d::detail {

// What an allocation failure of the library throws: a std::bad_alloc (so
// callers that catch that still do) that says what could not be allocated.
class workspace_error : public std::bad_alloc {
public:
    explicit workspace_error(std::string message) : message_(std::move(message)) {}
    const char* what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;
};

// Pieces start on 64-byte boundaries (a cache line, the widest vector).
constexpr std::size_t kWorkspaceAlign = 64;
// ...and each is followed by 17 spare lines, so that successive pieces start at
// different offsets within a 4 KiB page: the operands a kernel streams side by
// side (packed weights, packed input) then do not fall into the same L1 sets,
// which costs up to a tenth of a pass when they do (the block itself is
// page-aligned).
constexpr std::size_t kPieceSkew = std::size_t(17) * 64;

// Bytes a piece of count items of item bytes takes in a block.
std::size_t piece_bytes(std::int64_t count, std::size_t item);

// The size of a workspace, piece by piece, overflow-checked.
class WorkspaceSize {
public:
    template <class T>
    void add(std::int64_t count) {
        add_bytes(count, sizeof(T));
    }
    std::size_t bytes() const { return bytes_; }

private:
    void add_bytes(std::int64_t count, std::size_t item);
    std::size_t bytes_ = 0;
};

class Workspace {
public:
    // Takes a block of `size` bytes for `pass` (named in the error).
    Workspace(const WorkspaceSize& size, const char* pass);
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    // The next piece of `count` elements, in the order they were added to the
    // WorkspaceSize. Asking past the block is a bug in the pass (logic_error).
    template <class T>
    T* take(std::int64_t count) {
        return static_cast<T*>(take_bytes(count, sizeof(T)));
    }

private:
    void* take_bytes(std::int64_t count, std::size_t item);
    void* data_ = nullptr;
    std::size_t capacity_ = 0, used_ = 0;
};

}  // namespace tconv1d::detail
