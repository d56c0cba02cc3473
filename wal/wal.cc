#include "wal/wal.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/coding.h"
#include "uring/dio_alignment.h"
#include "wal/wal_format.h"

namespace ringkv::wal {
namespace {

// The in-flight writes span at most kMaxWriteBytes; the rest fills while they land. Only a full
// buffer drains every write (to slide the tail to the front), so make that rare.
constexpr uint64_t kBufferBytes = 4 * kMaxWriteBytes;
// A skip may leave the rest of a block behind before the fragment it precedes.
constexpr uint64_t kSkipFragmentBytes = kFragmentHeaderBytes + kSkipPayloadBytes;

uint64_t FloorBlock(uint64_t v) { return v / kBlockBytes * kBlockBytes; }
uint64_t CeilBlock(uint64_t v) { return (v + kBlockBytes - 1) / kBlockBytes * kBlockBytes; }

}  // namespace

Wal::Wal(io::IoBackend& io, std::string dir, const WalOptions& options, uint64_t min_lsn)
    : io_(io),
      files_(io, std::move(dir), options.segment_bytes),
      options_(options),
      min_lsn_(min_lsn),
      data_bytes_(DataBytes(options.segment_bytes)) {}

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(io::IoBackend& io, std::string dir,
                                               const WalOptions& options, uint64_t min_lsn) {
  if (options.segment_bytes < kMinSegmentBytes || options.segment_bytes % kBlockBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WAL segment size ", options.segment_bytes, " must be a multiple of ", kBlockBytes,
        ", >= ", kMinSegmentBytes));
  }
  if (options.max_writes_in_flight < 1 || options.max_writes_in_flight > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WAL max_writes_in_flight ", options.max_writes_in_flight, " must be 1 to 64"));
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
  if (align.supported && (align.memory_bytes > kBlockBytes || align.offset_bytes > kBlockBytes)) {
    return absl::FailedPreconditionError(absl::StrCat(
        files_.dir(), " needs ", align.offset_bytes, "-byte aligned direct I/O; the WAL writes ",
        kBlockBytes, "-byte blocks"));
  }
  absl::StatusOr<std::unique_ptr<io::BufferPool>> pool =
      io_.CreateBufferPool(1, kBufferBytes, kBlockBytes);
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
    // Nothing may still be writing from the buffer when it goes, nor delivering a completion
    // (it runs the catch-up hook after waking writers, who may be what closes the log).
    while (!inflight_.empty() || delivering_ > 0) cv_.Wait(&mu_);
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
  {
    absl::MutexLock lock(&mu_);
    needed_from_ = from;
  }
  absl::StatusOr<ReplayResult> r = ReplayLog(io_, files_, from, fn);
  if (!r.ok()) return r.status();
  absl::Status s = SyncReplayed(from, r->end_lsn);
  if (!s.ok()) return s;
  return StartAppending(*r);
}

absl::Status Wal::SyncReplayed(uint64_t from, uint64_t end) {
  // New fragments vouch that the log before them is durable (DurableClaimFlags). What replay
  // read may have come from a write that a killed process left in flight, so it is made
  // durable before anything vouches for it.
  std::vector<uint64_t> present;
  std::vector<std::string> retired;
  absl::Status s = files_.List(&present, &retired);
  if (!s.ok()) return s;
  for (uint64_t n = from / data_bytes_; n <= end / data_bytes_; ++n) {
    if (!std::binary_search(present.begin(), present.end(), n)) continue;
    absl::StatusOr<io::FileSlot> f = io_.ReserveFile();
    if (!f.ok()) return f.status();
    io::Completion c = io_.Run(io::Chain().OpenAt(f->id(), files_.PathOf(n), O_RDONLY).Fdatasync(f->id()));
    if (!c.ok()) return c.status;
  }
  return absl::OkStatus();
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
    durable_lsn_.store(next, std::memory_order_release);
    submitted_lsn_ = next;
    write_from_ = base;
    wanted_lsn_ = next;
    ready_segment_ = next / data_bytes_;
    wanted_segment_ = SegmentsWanted(next);
    RINGKV_DCHECK(wanted_segment_ > ready_segment_);  // at least the one holding `next`
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
    // A write may have waited for this segment; if it will never come, its waiters fail.
    if (!allocator_error_.ok() && failed_.ok() && wanted_lsn_ > submitted_lsn_) {
      failed_ = allocator_error_;
    }
    if (ready_) {
      Wakeups wake;
      ProgressLocked(&wake);
      mu_.Unlock();
      Deliver(wake);
      mu_.Lock();
    }
  }
}

uint64_t Wal::SegmentsWanted(uint64_t end) const {
  const uint64_t last = end == 0 ? 0 : (end - 1) / data_bytes_;
  // The segment ahead is made once the last one is a quarter full, not at open: zero-filling
  // 64 MiB competes with the first writes for the ring and the CPU (docs/performance.md), and
  // the remaining three quarters leave the allocator ample time.
  const bool ahead = options_.preallocate && end - last * data_bytes_ >= data_bytes_ / 4;
  return last + 1 + (ahead ? 1 : 0);
}

void Wal::WantSegmentsLocked(uint64_t count) {
  if (wanted_segment_ < count) {
    wanted_segment_ = count;
    alloc_cv_.Signal();
  }
}

absl::StatusOr<std::optional<io::FileId>> Wal::SegmentFor(uint64_t lsn, uint64_t piece_end) {
  const uint64_t n = lsn / data_bytes_;
  RINGKV_DCHECK(lsn < piece_end && (piece_end - 1) / data_bytes_ == n);
  WantSegmentsLocked(SegmentsWanted(piece_end));  // n + 1, or n + 2 with the one ahead
  if (!allocator_error_.ok()) return allocator_error_;
  auto it = open_.find(n);
  if (it != open_.end()) return std::optional<io::FileId>(it->second.id());
  if (n < ready_segment_) {
    return absl::InternalError(absl::StrCat("WAL segment ", files_.PathOf(n),
                                            " was retired while it still held unwritten "
                                            "records"));
  }
  if (stopping_) return absl::FailedPreconditionError("WAL is closing");
  return std::optional<io::FileId>();  // the allocator submits the write once it is open
}

void Wal::PutFragmentLocked(FragmentHeader h, std::string_view payload) {
  h.lsn = next_lsn_;
  h.length = static_cast<uint32_t>(payload.size());
  h.generation = static_cast<uint16_t>(next_lsn_ / data_bytes_);
  h.flags |= DurableClaimFlags(next_lsn_, durable_lsn_.load(std::memory_order_acquire));
  char* at = reinterpret_cast<char*>(buf_.data) + (next_lsn_ - buf_lsn_);
  RINGKV_DCHECK(next_lsn_ + kFragmentHeaderBytes + payload.size() <= buf_lsn_ + buf_.size);
  if (!payload.empty()) std::memcpy(at + kFragmentHeaderBytes, payload.data(), payload.size());
  EncodeFragmentHeader(h, at);
  h.checksum = FragmentChecksum(at, payload);
  EncodeFragmentHeader(h, at);
  next_lsn_ = AlignFragment(next_lsn_ + kFragmentHeaderBytes + payload.size());
}

absl::StatusOr<Wal::Range> Wal::Append(std::string_view record) {
  absl::MutexLock append_lock(&append_mu_);
  absl::MutexLock lock(&mu_);
  if (!ready_) {
    return absl::FailedPreconditionError("WAL: Replay must run before the first Append");
  }
  if (!failed_.ok()) return failed_;
  if (sealed_) {
    return absl::FailedPreconditionError(
        absl::StrCat("WAL in ", files_.dir(), ": sealed for closing, no appends after Seal"));
  }
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
    // Room for a skip too (the reserve may drain every write, and then none is needed).
    absl::Status s = ReserveLocked(kBlockBytes + kSkipFragmentBytes +
                                   AlignFragment(kFragmentHeaderBytes + n));
    if (!s.ok()) return s;
    // Only worth it when another write may start at once; else wait to rewrite the block.
    // Once bytes went into the block after the write that owns it, the block must be
    // rewritten (after that write lands) and cannot be left behind.
    if (!inflight_.empty() && next_lsn_ == submitted_lsn_ && next_lsn_ % kBlockBytes != 0 &&
        inflight_.size() < static_cast<size_t>(options_.max_writes_in_flight)) {
      // The block holding next_lsn_ is still being written from this buffer: bytes put into
      // it now might or might not reach the disk with that write, and rewriting the block
      // while it is in flight could land out of order. Leave its rest zero, go on at the next
      // block, and say so there, so the reader knows the zeros are not the log's end.
      const uint64_t prev_end = next_lsn_;
      next_lsn_ = CeilBlock(next_lsn_);
      write_from_ = next_lsn_;
      char payload[kSkipPayloadBytes];
      EncodeFixed64(payload, prev_end);
      FragmentHeader skip;
      skip.type = FragmentType::kSkip;
      PutFragmentLocked(skip, std::string_view(payload, sizeof(payload)));
      ++stats_.skips;
      continue;
    }
    if (first) range.start = next_lsn_;
    const bool last = n == record.size();
    FragmentHeader h;
    h.type = first && last ? FragmentType::kFull
             : first       ? FragmentType::kFirst
             : last        ? FragmentType::kLast
                           : FragmentType::kMiddle;
    PutFragmentLocked(h, record.substr(0, n));
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
    // Full: make everything durable (no write is then in flight), then slide the last partial
    // block to the front.
    absl::Status s = WaitDurableLocked(next_lsn_);
    if (!s.ok()) return s;
    RINGKV_CHECK(inflight_.empty());
    const uint64_t base = FloorBlock(next_lsn_);
    const uint64_t keep = next_lsn_ - base;
    std::memmove(buf_.data, buf_.data + (base - buf_lsn_), keep);
    std::memset(buf_.data + keep, 0, buf_.size - keep);
    buf_lsn_ = base;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Wal::PreparedWrite>> Wal::PrepareWriteLocked() {
  if (!failed_.ok()) return failed_;
  const size_t in_flight = inflight_.size();
  if (next_lsn_ <= submitted_lsn_) return std::optional<PreparedWrite>();  // nothing new
  if (in_flight >= static_cast<size_t>(options_.max_writes_in_flight)) {
    return std::optional<PreparedWrite>();
  }
  // The block holding submitted_lsn_ is rewritten from its start (its durable bytes unchanged,
  // so a torn write of it cannot lose them: docs/format.md) — but only once no write owns it.
  if (in_flight > 0 && write_from_ < CeilBlock(submitted_lsn_)) {
    return std::optional<PreparedWrite>();
  }
  const uint64_t start = write_from_;
  // Everything in flight stays within the tear window the reader allows for.
  const uint64_t end = std::min(next_lsn_, FloorBlock(durable_lsn_.load(std::memory_order_relaxed)) + kMaxWriteBytes);
  // (After a skip, start is past submitted_lsn_: the zeros between need no write.)
  if (end <= std::max(submitted_lsn_, start)) return std::optional<PreparedWrite>();
  RINGKV_DCHECK(start % kBlockBytes == 0);
  RINGKV_DCHECK(start <= CeilBlock(submitted_lsn_));
  PreparedWrite w;
  w.end = end;
  w.chain.set_linked(false);
  for (uint64_t lsn = start; lsn < end;) {
    const uint64_t n = lsn / data_bytes_;
    const uint64_t seg_end = (n + 1) * data_bytes_;
    const uint64_t piece_end = std::min(end, seg_end);
    absl::StatusOr<std::optional<io::FileId>> file = SegmentFor(lsn, piece_end);
    if (!file.ok()) {
      failed_ = file.status();
      return failed_;
    }
    if (!file->has_value()) return std::optional<PreparedWrite>();
    RINGKV_CHECK(lsn >= buf_lsn_ && CeilBlock(piece_end) - buf_lsn_ <= buf_.size);
    w.chain.Write(**file, buf_.data + (lsn - buf_lsn_), CeilBlock(piece_end) - lsn,
                  kSegmentHeaderBytes + (lsn - n * data_bytes_), buf_.index);
    lsn = piece_end;
  }
  w.seq = first_inflight_seq_ + in_flight;
  inflight_.push_back(InflightWrite{end});
  submitted_lsn_ = end;
  write_from_ = FloorBlock(end);
  ++stats_.durable_writes;
  stats_.writes_in_flight_sum += in_flight + 1;
  stats_.max_writes_in_flight = std::max<uint64_t>(stats_.max_writes_in_flight, in_flight + 1);
  stats_.records_made_durable += records_buffered_;
  records_buffered_ = 0;
  return std::optional<PreparedWrite>(std::move(w));
}

namespace {
// Orders the waiter heap so the smallest end is on top.
template <typename W>
bool EndsLater(const W* a, const W* b) {
  return a->end > b->end;
}
}  // namespace

void Wal::ProgressLocked(Wakeups* out) {
  if (failed_.ok() && wanted_lsn_ > submitted_lsn_) {
    absl::StatusOr<std::optional<PreparedWrite>> w = PrepareWriteLocked();
    if (w.ok()) out->write = std::move(*w);  // else failed_ holds the cause
  }
  out->status = failed_;
  while (!waiters_.empty() && (!failed_.ok() || waiters_.front()->end <= durable_lsn_.load(std::memory_order_relaxed))) {
    std::pop_heap(waiters_.begin(), waiters_.end(), EndsLater<SyncWaiter>);
    waiters_.back()->result = failed_;
    out->waiters.push_back(waiters_.back());
    waiters_.pop_back();
  }
  for (auto it = async_waiters_.begin(); it != async_waiters_.end();) {
    if (!failed_.ok() || it->first <= durable_lsn_.load(std::memory_order_relaxed)) {
      out->callbacks.push_back(std::move(it->second));
      it = async_waiters_.erase(it);
    } else {
      break;
    }
  }
}

void Wal::Deliver(Wakeups& w) {
  if (w.write) SubmitWrite(std::move(*w.write), false);
  const bool woke = !w.waiters.empty() || !w.callbacks.empty();
  for (SyncWaiter* waiter : w.waiters) waiter->woken.Post();
  for (auto& fn : w.callbacks) {
    io_.foreground_writes().End();  // begun in WaitDurableAsync
    fn(w.status);
  }
  if (catch_up_hook_ && woke) catch_up_hook_();
}

void Wal::SubmitWrite(PreparedWrite w, bool caller_waits) {
  const uint64_t seq = w.seq;
  io::Ticket t = io_.Submit(
      std::move(w.chain), [this, seq](const io::Completion& c) { OnWriteDone(seq, c); },
      caller_waits);
  if (caller_waits) {
    // The device write takes far longer than the engine's memtable insert: done now, the insert
    // is off this writer's latency (docs/performance.md, "Figures behind choices in the code").
    if (catch_up_hook_) catch_up_hook_();
    io_.Wait(t);
  }
}

void Wal::OnWriteDone(uint64_t seq, const io::Completion& c) {
  Wakeups wake;
  {
    absl::MutexLock lock(&mu_);
    RINGKV_CHECK(seq >= first_inflight_seq_ && seq - first_inflight_seq_ < inflight_.size());
    InflightWrite& done = inflight_[seq - first_inflight_seq_];
    done.done = true;
    if (!c.ok() && failed_.ok()) {
      // Never retried: after a failed O_DSYNC write the kernel may have dropped the data.
      failed_ = absl::Status(c.status.code(),
                             absl::StrCat("WAL write failed, the log accepts no more writes: ",
                                          c.status.message()));
    }
    // Durability is a prefix: a write that lands early waits for the ones before it.
    while (!inflight_.empty() && inflight_.front().done) {
      if (failed_.ok()) {
        durable_lsn_.store(
            std::max(durable_lsn_.load(std::memory_order_relaxed), inflight_.front().end),
            std::memory_order_release);
      }
      inflight_.pop_front();
      ++first_inflight_seq_;
    }
    ProgressLocked(&wake);
    ++delivering_;
  }
  Deliver(wake);
  absl::MutexLock lock(&mu_);
  if (--delivering_ == 0 && inflight_.empty()) cv_.SignalAll();  // close waits for this
}

std::optional<absl::Status> Wal::LeadOrEnqueueLocked(uint64_t end, SyncWaiter* waiter) {
  for (;;) {
    if (!failed_.ok()) return failed_;
    if (durable_lsn_.load(std::memory_order_relaxed) >= end) return absl::OkStatus();
    wanted_lsn_ = std::max(wanted_lsn_, end);
    if (submitted_lsn_ >= end) break;
    absl::StatusOr<std::optional<PreparedWrite>> w = PrepareWriteLocked();
    if (!w.ok()) {
      // failed_ is set: everyone else waiting learns it too.
      Wakeups wake;
      ProgressLocked(&wake);
      mu_.Unlock();
      Deliver(wake);
      mu_.Lock();
      return w.status();
    }
    if (!w->has_value()) break;
    // This thread leads the group. When no other write is in flight it reaps the completion
    // itself, so a lone writer pays no thread hand-off; otherwise the thread already reaping
    // takes it.
    const bool reap = inflight_.size() == 1;
    mu_.Unlock();
    SubmitWrite(std::move(**w), reap);
    mu_.Lock();
  }
  // The write covering `end` is in flight, or a completion or the segment allocator submits
  // it; the waiter is woken once everything below `end` is durable, or the log failed.
  waiter->end = end;
  waiters_.push_back(waiter);
  std::push_heap(waiters_.begin(), waiters_.end(), EndsLater<SyncWaiter>);
  return std::nullopt;
}

absl::Status Wal::WaitDurableLocked(uint64_t end) {
  SyncWaiter waiter;
  if (std::optional<absl::Status> s = LeadOrEnqueueLocked(end, &waiter)) return *s;
  mu_.Unlock();
  waiter.woken.Wait();
  mu_.Lock();
  return waiter.result;
}

absl::Status Wal::WaitDurable(uint64_t end) {
  SyncWaiter waiter;
  // Background writers of the device make their writes small while this thread waits.
  io::ForegroundWait foreground(io_.foreground_writes());
  {
    absl::MutexLock lock(&mu_);
    if (std::optional<absl::Status> s = LeadOrEnqueueLocked(end, &waiter)) return *s;
  }
  // The result is final: waiters are woken only when it is.
  waiter.woken.Wait();
  return waiter.result;
}

void Wal::WaitDurableAsync(uint64_t end, absl::AnyInvocable<void(absl::Status)> done) {
  Wakeups wake;
  {
    absl::MutexLock lock(&mu_);
    io_.foreground_writes().Begin();  // ended in Deliver, which runs every callback
    async_waiters_.emplace(end, std::move(done));
    wanted_lsn_ = std::max(wanted_lsn_, end);
    ProgressLocked(&wake);  // runs `done` below if it is already durable, or the log failed
  }
  Deliver(wake);
}

absl::Status Wal::Flush() {
  absl::MutexLock lock(&mu_);
  return WaitDurableLocked(next_lsn_);
}

absl::Status Wal::SealLocked() {
  absl::MutexLock lock(&mu_);
  if (!ready_ || !failed_.ok()) return failed_;
  absl::Status s = WaitDurableLocked(next_lsn_);
  if (!s.ok()) return s;
  // The seal starts the next block, as a skip fragment naming where the records end: damage
  // to the last block of records cannot take the seal with it, and replay passes the zeros
  // before it as it passes any skip's.
  const uint64_t records_end = next_lsn_;
  const uint64_t at = CeilBlock(records_end);
  const uint64_t seg_end = (records_end / data_bytes_ + 1) * data_bytes_;
  if (at >= seg_end || seg_end - at < kMinFragmentSpace) return absl::OkStatus();  // rare: none
  s = ReserveLocked(kBlockBytes + kSkipFragmentBytes);
  if (!s.ok()) return s;
  next_lsn_ = at;
  char payload[kSkipPayloadBytes];
  EncodeFixed64(payload, records_end);
  FragmentHeader seal;
  seal.type = FragmentType::kSkip;
  seal.flags = kSealFlag;
  PutFragmentLocked(seal, std::string_view(payload, sizeof(payload)));
  return WaitDurableLocked(next_lsn_);
}

absl::Status Wal::Seal() {
  bool replayed = false;
  uint64_t keep_through = 0;
  std::vector<io::FileSlot> ahead;  // open segments past the end, closed before removal
  {
    absl::MutexLock append_lock(&append_mu_);
    absl::Status s = SealLocked();
    if (!s.ok()) return s;
    absl::MutexLock lock(&mu_);
    replayed = ready_;  // else no segment was made ahead, nor may one be removed
    if (replayed) {
      sealed_ = true;
      keep_through = next_lsn_ / data_bytes_;
      // Replay finds the segment holding needed_from_ missing unless the LSN starts it.
      const bool loss_of_last_is_told =
          needed_from_ / data_bytes_ == keep_through && needed_from_ % data_bytes_ != 0;
      if (!loss_of_last_is_told) {
        ++keep_through;  // keep the one ahead of the end: it is made now if it was not yet
        if (options_.preallocate) WantSegmentsLocked(keep_through + 1);
      }
      // The allocator may be making a segment ahead; once it is done nothing asks for another.
      // (If it fails, e.g. the disk is full, the close goes on: the log is sealed already.)
      while (ready_segment_ < wanted_segment_ && allocator_error_.ok()) cv_.Wait(&mu_);
      for (auto it = open_.upper_bound(keep_through); it != open_.end(); it = open_.erase(it)) {
        ahead.push_back(std::move(it->second));
      }
      ready_segment_ = wanted_segment_ = std::min(ready_segment_, keep_through + 1);
    }
  }
  ahead.clear();
  // Closed, the log needs no spare segments nor ones made ahead of its end: they are space on
  // disk and nothing else (a crash that undoes a removal leaves a spare, as before the seal).
  // Outside the log's locks: the segment files' lock is taken before them elsewhere.
  if (replayed) {
    std::vector<uint64_t> present;
    std::vector<std::string> retired;
    if (absl::Status s = files_.List(&present, &retired); !s.ok()) return s;
    for (uint64_t n : present) {
      if (n <= keep_through) continue;
      if (absl::Status s = files_.Retire(n); !s.ok()) return s;
    }
  }
  return files_.RemoveRetired();
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
    current = std::min(next_lsn_, durable_lsn_.load(std::memory_order_relaxed)) / data_bytes_;
    needed_from_ = std::max(needed_from_, lsn);
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

uint64_t Wal::durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }

WalStats Wal::stats() const {
  absl::MutexLock lock(&mu_);
  WalStats s = stats_;
  s.direct_io = direct_;
  return s;
}

}  // namespace ringkv::wal
