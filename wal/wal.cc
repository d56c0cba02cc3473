#include "wal/wal.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "uring/check.h"
#include "uring/dio_alignment.h"
#include "uring/sabotage.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

constexpr uint64_t kBlock = 4096;
// Twice the largest write: one write can be in flight while the next group fills the buffer.
constexpr uint64_t kBufferBytes = 2 * kMaxWriteBytes;
constexpr uint64_t kMaxFragmentPayload = 256u << 10;

uint64_t FloorBlock(uint64_t v) { return v / kBlock * kBlock; }
uint64_t CeilBlock(uint64_t v) { return (v + kBlock - 1) / kBlock * kBlock; }

}  // namespace

Wal::Wal(io::IoBackend& io, std::string dir, const WalOptions& options, uint64_t min_lsn)
    : io_(io),
      files_(io, std::move(dir), options.segment_bytes),
      options_(options),
      min_lsn_(min_lsn),
      data_bytes_(DataBytes(options.segment_bytes)) {}

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(io::IoBackend& io, std::string dir,
                                               const WalOptions& options, uint64_t min_lsn) {
  if (options.segment_bytes < (64u << 10) || options.segment_bytes % kBlock != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WAL segment size ", options.segment_bytes, " must be a multiple of 4096, >= 65536"));
  }
  absl::StatusOr<uint64_t> existing = SegmentFiles::ExistingSegmentBytes(io, dir);
  if (!existing.ok()) return existing.status();
  WalOptions effective = options;
  if (*existing != 0) effective.segment_bytes = *existing;
  std::unique_ptr<Wal> wal(new Wal(io, std::move(dir), effective, min_lsn));
  absl::Status s = wal->Init();
  if (!s.ok()) return s;
  return wal;
}

absl::Status Wal::Init() {
  absl::Status s = files_.EnsureDir();
  if (!s.ok()) return s;
  const io::DioAlignment align = io::DirectIoAlignment(files_.dir());
  if (align.supported && (align.memory_bytes > kBlock || align.offset_bytes > kBlock)) {
    return absl::FailedPreconditionError(absl::StrCat(
        files_.dir(), " needs ", align.offset_bytes, "-byte aligned direct I/O; the WAL writes ",
        kBlock, "-byte blocks"));
  }
  absl::StatusOr<std::unique_ptr<io::BufferPool>> pool =
      io_.CreateBufferPool(1, kBufferBytes, kBlock);
  if (!pool.ok()) return pool.status();
  pool_ = std::move(*pool);
  buf_ = pool_->Acquire();
  std::memset(buf_.data, 0, buf_.size);
  allocator_ = std::thread([this] { AllocatorLoop(); });
  return absl::OkStatus();
}

Wal::~Wal() {
  {
    absl::MutexLock lock(&mu_);
    // Nothing may still be writing from the buffer when it goes.
    while (writing_) cv_.Wait(&mu_);
    stopping_ = true;
    cv_.SignalAll();
    alloc_cv_.Signal();
  }
  if (allocator_.joinable()) allocator_.join();
  {
    absl::MutexLock lock(&mu_);
    open_.clear();
  }
  if (pool_ != nullptr) pool_->Release(buf_);
}

absl::Status Wal::Replay(uint64_t from, RecordFn fn) {
  absl::StatusOr<ReplayResult> r = ReplayLog(io_, files_, from, fn);
  if (!r.ok()) return r.status();
  return StartAppending(*r);
}

absl::Status Wal::StartAppending(const ReplayResult& replay) {
  const uint64_t next = std::max(replay.end_lsn, min_lsn_);
  const uint64_t base = FloorBlock(next);
  // The partial block keeps its bytes (they may hold acknowledged records); from there on the
  // buffer is zero. Writing that block and a write window of zeros after it wipes any remnant
  // of a torn write, so nothing from before the crash can look valid after new records.
  std::memset(buf_.data, 0, buf_.size);
  if (next == replay.end_lsn && !replay.tail.empty()) {
    std::memcpy(buf_.data, replay.tail.data(), replay.tail.size());
  }
  {
    absl::MutexLock lock(&mu_);
    buf_lsn_ = base;
    next_lsn_ = next;
    durable_lsn_ = next;
    ready_segment_ = next / data_bytes_;
    wanted_segment_ = ready_segment_ + (options_.preallocate ? 2 : 1);
    alloc_cv_.Signal();
    // Wait for the current segment to exist and be open.
    while (ready_segment_ <= next / data_bytes_ && allocator_error_.ok()) cv_.Wait(&mu_);
    if (!allocator_error_.ok()) return allocator_error_;
  }
  // Zero the window after the end, within the segments that exist.
  std::vector<uint64_t> present;
  std::vector<std::string> retired;
  absl::Status s = files_.List(&present, &retired);
  if (!s.ok()) return s;
  const uint64_t window_end = base + kMaxWriteBytes;
  for (uint64_t lsn = base; lsn < window_end;) {
    const uint64_t n = lsn / data_bytes_;
    const uint64_t seg_end = (n + 1) * data_bytes_;
    const uint64_t piece_end = std::min(window_end, seg_end);
    if (!std::binary_search(present.begin(), present.end(), n)) break;
    io::FileId file;
    {
      absl::MutexLock lock(&mu_);
      // Segments beyond the current one may exist from an earlier run but not be open yet.
      auto it = open_.find(n);
      if (it == open_.end()) {
        bool direct = true;
        absl::StatusOr<io::FileSlot> slot = files_.OpenForWrite(n, &direct);
        if (!slot.ok()) return slot.status();
        it = open_.emplace(n, std::move(*slot)).first;
      }
      file = it->second.id();
    }
    const uint64_t len = piece_end - lsn;
    RINGKV_CHECK(lsn - base + len <= buf_.size);
    io::Completion c = io_.Run(io::Chain().Write(file, buf_.data + (lsn - base), len,
                                                 kSegmentHeaderBytes + (lsn - n * data_bytes_),
                                                 buf_.index));
    if (!c.ok()) return c.status;
    lsn = piece_end;
  }
  absl::MutexLock lock(&mu_);
  ready_ = true;
  return absl::OkStatus();
}

void Wal::AllocatorLoop() {
  std::vector<uint64_t> present;
  std::vector<std::string> retired;
  absl::Status listed = files_.List(&present, &retired);
  absl::MutexLock lock(&mu_);
  if (!listed.ok()) allocator_error_ = listed;
  for (;;) {
    while (!stopping_ && !(wanted_segment_ > ready_segment_ && allocator_error_.ok())) {
      alloc_cv_.Wait(&mu_);
    }
    if (stopping_) return;
    const uint64_t n = ready_segment_;
    const bool exists = std::binary_search(present.begin(), present.end(), n);
    const bool is_open = open_.count(n) > 0;
    mu_.Unlock();
    absl::Status s = exists ? absl::OkStatus() : files_.Create(n);
    absl::StatusOr<io::FileSlot> slot = absl::StatusOr<io::FileSlot>(io::FileSlot());
    bool direct = true;
    if (s.ok() && !is_open) {
      slot = files_.OpenForWrite(n, &direct);
      if (!slot.ok()) s = slot.status();
    }
    mu_.Lock();
    if (!s.ok()) {
      allocator_error_ = s;
    } else {
      if (!is_open) open_.emplace(n, std::move(*slot));
      if (!exists) ++stats_.segments_created;
      direct_ = direct_ && direct;
      ready_segment_ = n + 1;
    }
    cv_.SignalAll();
  }
}

absl::Status Wal::SegmentFor(uint64_t lsn, io::FileId* file) {
  const uint64_t n = lsn / data_bytes_;
  if (wanted_segment_ < n + 1 + (options_.preallocate ? 1 : 0)) {
    wanted_segment_ = n + 1 + (options_.preallocate ? 1 : 0);
    alloc_cv_.Signal();
  }
  while (open_.count(n) == 0 && allocator_error_.ok() && !stopping_) {
    if (n < ready_segment_) {
      return absl::InternalError(absl::StrCat("WAL segment ", files_.PathOf(n),
                                              " was retired while it still held unwritten "
                                              "records"));
    }
    cv_.Wait(&mu_);
  }
  if (!allocator_error_.ok()) return allocator_error_;
  auto it = open_.find(n);
  if (it == open_.end()) return absl::FailedPreconditionError("WAL is closing");
  *file = it->second.id();
  return absl::OkStatus();
}

absl::StatusOr<Wal::Range> Wal::Append(std::string_view record) {
  absl::MutexLock append_lock(&append_mu_);
  absl::MutexLock lock(&mu_);
  if (!ready_) {
    return absl::FailedPreconditionError("WAL: Replay must run before the first Append");
  }
  if (!failed_.ok()) return failed_;
  Range range;
  bool first = true;
  do {
    const uint64_t seg_end = (next_lsn_ / data_bytes_ + 1) * data_bytes_;
    if (seg_end - next_lsn_ < kMinFragmentSpace) {
      next_lsn_ = seg_end;  // the segment's tail stays zero: padding
      continue;
    }
    const uint64_t room = seg_end - next_lsn_ - kFragmentHeaderBytes;
    const uint64_t n = std::min<uint64_t>({record.size(), room, kMaxFragmentPayload});
    absl::Status s = ReserveLocked(AlignFragment(kFragmentHeaderBytes + n));
    if (!s.ok()) return s;
    if (first) range.start = next_lsn_;
    const bool last = n == record.size();
    FragmentHeader h;
    h.lsn = next_lsn_;
    h.length = static_cast<uint32_t>(n);
    h.type = first && last ? FragmentType::kFull
             : first       ? FragmentType::kFirst
             : last        ? FragmentType::kLast
                           : FragmentType::kMiddle;
    h.generation = static_cast<uint16_t>(next_lsn_ / data_bytes_);
    char* at = reinterpret_cast<char*>(buf_.data) + (next_lsn_ - buf_lsn_);
    if (n > 0) std::memcpy(at + kFragmentHeaderBytes, record.data(), n);
    EncodeFragmentHeader(h, at);
    h.checksum = FragmentChecksum(at, record.substr(0, n));
    EncodeFragmentHeader(h, at);
    next_lsn_ = AlignFragment(next_lsn_ + kFragmentHeaderBytes + n);
    record.remove_prefix(n);
    first = false;
  } while (!record.empty() || first);
  range.end = next_lsn_;
  ++records_buffered_;
  ++stats_.records_appended;
  stats_.bytes_appended += range.end - range.start;
  return range;
}

absl::Status Wal::ReserveLocked(uint64_t bytes) {
  while (next_lsn_ + bytes > buf_lsn_ + buf_.size) {
    // Full: make everything durable, then slide the last partial block to the front.
    absl::Status s = WaitDurableLocked(next_lsn_);
    if (!s.ok()) return s;
    while (writing_) cv_.Wait(&mu_);
    const uint64_t base = FloorBlock(next_lsn_);
    const uint64_t keep = next_lsn_ - base;
    std::memmove(buf_.data, buf_.data + (base - buf_lsn_), keep);
    std::memset(buf_.data + keep, 0, buf_.size - keep);
    buf_lsn_ = base;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Wal::PreparedWrite>> Wal::PrepareWriteLocked() {
  RINGKV_DCHECK(!writing_);
  if (!failed_.ok()) return failed_;
  if (durable_lsn_ >= next_lsn_) return std::optional<PreparedWrite>();
  writing_ = true;  // claims the write while waiting for a segment below
  // Rewrite the block holding durable_lsn_ from its start: its durable bytes are rewritten
  // unchanged, so a torn write of that block cannot lose them (docs/format.md).
  const uint64_t start = FloorBlock(durable_lsn_);
  const uint64_t end = std::min(next_lsn_, start + kMaxWriteBytes);
  PreparedWrite w;
  w.end = end;
  w.chain.set_linked(false);
  for (uint64_t lsn = start; lsn < end;) {
    const uint64_t n = lsn / data_bytes_;
    const uint64_t seg_end = (n + 1) * data_bytes_;
    const uint64_t piece_end = std::min(end, seg_end);
    io::FileId file;
    absl::Status s = SegmentFor(lsn, &file);
    if (!s.ok()) {
      writing_ = false;
      failed_ = s;
      cv_.SignalAll();
      return s;
    }
    RINGKV_CHECK(lsn >= buf_lsn_ && CeilBlock(piece_end) - buf_lsn_ <= buf_.size);
    w.chain.Write(file, buf_.data + (lsn - buf_lsn_), CeilBlock(piece_end) - lsn,
                  kSegmentHeaderBytes + (lsn - n * data_bytes_), buf_.index);
    lsn = piece_end;
  }
  ++stats_.durable_writes;
  stats_.records_made_durable += records_buffered_;
  records_buffered_ = 0;
  return std::optional<PreparedWrite>(std::move(w));
}

void Wal::SubmitWrite(PreparedWrite w, bool caller_waits) {
  const uint64_t end = w.end;
  io::Ticket t = io_.Submit(
      std::move(w.chain), [this, end](const io::Completion& c) { OnWriteDone(end, c); },
      caller_waits);
  if (caller_waits) io_.Wait(t);
}

void Wal::OnWriteDone(uint64_t end, const io::Completion& c) {
  std::vector<std::pair<absl::AnyInvocable<void(absl::Status)>, absl::Status>> ready;
  std::optional<PreparedWrite> next;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!c.ok()) {
      if (failed_.ok()) {
        // Never retried: after a failed O_DSYNC write the kernel may have dropped the data.
        failed_ = absl::Status(c.status.code(),
                               absl::StrCat("WAL write failed, the log accepts no more writes: ",
                                            c.status.message()));
      }
    } else {
      durable_lsn_ = std::max(durable_lsn_, end);
    }
    for (auto it = async_waiters_.begin(); it != async_waiters_.end();) {
      if (!failed_.ok() || it->first <= durable_lsn_) {
        ready.emplace_back(std::move(it->second), failed_);
        it = async_waiters_.erase(it);
      } else {
        break;
      }
    }
    if (!async_waiters_.empty() && failed_.ok()) {
      absl::StatusOr<std::optional<PreparedWrite>> w = PrepareWriteLocked();
      if (w.ok()) next = std::move(*w);
    }
    cv_.SignalAll();
  }
  for (auto& [fn, status] : ready) fn(status);
  if (next) SubmitWrite(std::move(*next), false);
}

absl::Status Wal::WaitDurableLocked(uint64_t end) {
  for (;;) {
    if (!failed_.ok()) return failed_;
    if (durable_lsn_ >= end) return absl::OkStatus();
    if (!writing_) {
      absl::StatusOr<std::optional<PreparedWrite>> w = PrepareWriteLocked();
      if (!w.ok()) return w.status();
      if (w->has_value()) {
        // This thread leads the group: it writes everything buffered and reaps the completion
        // itself, so a lone writer pays no thread hand-off.
        mu_.Unlock();
        SubmitWrite(std::move(**w), true);
        mu_.Lock();
        continue;
      }
    }
    cv_.Wait(&mu_);
  }
}

absl::Status Wal::WaitDurable(uint64_t end) {
  absl::MutexLock lock(&mu_);
  if (sabotage::Get().ack_before_wal_write) return failed_;
  return WaitDurableLocked(end);
}

void Wal::WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done) {
  std::optional<PreparedWrite> w;
  absl::Status now;
  bool call_now = false;
  {
    absl::MutexLock lock(&mu_);
    if (!failed_.ok() || durable_lsn_ >= end) {
      now = failed_;
      call_now = true;
    } else {
      async_waiters_.emplace(end, std::move(done));
      if (!writing_) {
        absl::StatusOr<std::optional<PreparedWrite>> p = PrepareWriteLocked();
        if (p.ok()) w = std::move(*p);
      }
    }
  }
  if (call_now) {
    done(now);
    return;
  }
  if (w) SubmitWrite(std::move(*w), false);
}

absl::Status Wal::Flush() {
  absl::MutexLock lock(&mu_);
  return WaitDurableLocked(next_lsn_);
}

absl::Status Wal::DropBelow(uint64_t lsn) {
  std::vector<uint64_t> present;
  std::vector<std::string> retired;
  absl::Status s = files_.List(&present, &retired);
  if (!s.ok()) return s;
  uint64_t current;
  {
    absl::MutexLock lock(&mu_);
    // A segment still holding records that are not durable is never retired.
    current = std::min(next_lsn_, durable_lsn_) / data_bytes_;
  }
  for (uint64_t n : present) {
    if ((n + 1) * data_bytes_ > lsn || n >= current) break;
    io::FileSlot slot;
    {
      absl::MutexLock lock(&mu_);
      auto it = open_.find(n);
      if (it != open_.end()) {
        slot = std::move(it->second);
        open_.erase(it);
      }
    }
    slot.Reset();  // closed before it is renamed away
    s = files_.Retire(n);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

uint64_t Wal::next_lsn() const {
  absl::MutexLock lock(&mu_);
  return next_lsn_;
}

uint64_t Wal::durable_lsn() const {
  absl::MutexLock lock(&mu_);
  return durable_lsn_;
}

WalStats Wal::stats() const {
  absl::MutexLock lock(&mu_);
  WalStats s = stats_;
  s.direct_io = direct_;
  return s;
}

}  // namespace ringkv::wal
