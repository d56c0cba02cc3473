// What a benchmark reads about its own process and a database's directory, the same way for
// every engine: bytes the process caused to be written to storage, its peak resident memory,
// the space a directory's files take, and page-cache control for warm and cold reads.
#ifndef RINGKV_BENCH_ENGINE_PROCESS_IO_H_
#define RINGKV_BENCH_ENGINE_PROCESS_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ringkv::bench {

// write_bytes of /proc/self/io: bytes every thread of this process sent (or dirtied for)
// storage; 0 if the kernel does not account I/O (CONFIG_TASK_IO_ACCOUNTING off).
uint64_t ProcessWriteBytes();

// The peak resident set of this process (getrusage ru_maxrss), in bytes. It counts the pages of
// files the process maps, which the kernel drops under memory pressure.
uint64_t PeakRssBytes();

// The anonymous part of the resident set now (RssAnon of /proc/self/status): heap, stacks, the
// memory no file backs. 0 if the kernel does not report it.
uint64_t AnonRssBytes();

// The bytes allocated on disk (st_blocks * 512) by every regular file under `dir`.
absl::StatusOr<uint64_t> AllocatedBytesUnder(const std::string& dir);

// Reads every regular file under `dir` once, so later reads find it in the page cache.
absl::Status ReadIntoPageCache(const std::string& dir);

// fdatasync of every regular file under `dir`: no page of them is left dirty in the page cache.
absl::Status SyncFilesUnder(const std::string& dir);

// Makes every regular file under `dir` clean (fdatasync) and drops it from the page cache
// (POSIX_FADV_DONTNEED), so the next reads go to the device. The files must be closed by
// the engine (pages mapped by a live process stay resident).
absl::Status EvictFromPageCache(const std::string& dir);

}  // namespace ringkv::bench

#endif  // RINGKV_BENCH_ENGINE_PROCESS_IO_H_
