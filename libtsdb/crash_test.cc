// Crash test: a child process appends under load (with background head
// compaction, WAL checkpoints and block compaction running) and is
// SIGKILLed at random points. After every kill the DB must open, and every
// batch whose Commit() returned before the kill must be readable.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "libtsdb/db.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb {
namespace {

constexpr int kSeries = 40;
constexpr int64_t kStep = 1000;

Options CrashOptions() {
  Options o;
  o.block_range_ms = 60 * 1000;  // a block per minute of data
  o.background_compaction = true;
  o.compaction_interval_ms = 20;
  o.retention_ms = 0;
  o.wal_segment_size = 64 * 1024;
  return o;
}

model::Labels SeriesLabels(int s) {
  return model::Labels::FromPairs(
      {{"__name__", "crash_test"}, {"series", std::to_string(s)}});
}

// Child: appends batch after batch from `start`, reporting each committed
// batch number on `fd`. Never returns.
[[noreturn]] void Child(const std::string& dir, int64_t start, int fd) {
  auto db = DB::Open(dir, CrashOptions());
  if (!db.ok()) _exit(3);
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  for (int64_t b = start;; ++b) {
    auto app = (*db)->NewAppender();
    for (int s = 0; s < kSeries; ++s) {
      auto r = app->Append(refs[s], SeriesLabels(s), b * kStep,
                           static_cast<double>(b * s));
      if (!r.ok()) _exit(4);
      refs[s] = *r;
    }
    if (!app->Commit().ok()) _exit(5);
    if (write(fd, &b, sizeof b) != sizeof b) _exit(6);
  }
}

// Returns the number of batches present (0..n-1 contiguous in every
// series), or -1 with a failure recorded.
int64_t Verify(DB* db) {
  auto q = db->NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr,
                          {model::Matcher::Equal("__name__", "crash_test")});
  int64_t n = -1;
  int seen = 0;
  while (set->Next()) {
    ++seen;
    int s = std::atoi(std::string(set->labels().Get("series")).c_str());
    auto it = set->NewIterator();
    int64_t count = 0;
    while (it->Next()) {
      if (it->timestamp() != count * kStep ||
          it->value() != static_cast<double>(count * s)) {
        ADD_FAILURE() << "series " << s << " sample " << count << " is t="
                      << it->timestamp() << " v=" << it->value();
        return -1;
      }
      ++count;
    }
    EXPECT_TRUE(it->status().ok()) << it->status();
    if (n >= 0 && count != n) {
      ADD_FAILURE() << "series " << s << " has " << count << " samples, others "
                    << n;
      return -1;
    }
    n = count;
  }
  EXPECT_TRUE(set->status().ok()) << set->status();
  if (seen == 0) return 0;
  if (seen != kSeries) {
    ADD_FAILURE() << "only " << seen << " series";
    return -1;
  }
  return n;
}

TEST(CrashTest, SigkillUnderLoadLosesNoCommittedBatch) {
  int cycles = 25;
  if (const char* env = std::getenv("VIGIL_CRASH_CYCLES")) cycles = std::atoi(env);
  std::string dir = fileutil::JoinPath(::testing::TempDir(), "crash_db");
  ASSERT_TRUE(fileutil::RemoveAll(dir).ok());
  std::mt19937_64 rng(std::random_device{}());
  int64_t next = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      Child(dir, next, fds[1]);
    }
    close(fds[1]);
    // Wait for the first acknowledged batch (at most 20 s, sanitizers
    // are slow to start), then let it run 0..250 ms more.
    int64_t acked = next - 1;
    int64_t buf;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    auto start_deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto deadline = start_deadline;
    bool started = false;
    while (std::chrono::steady_clock::now() < deadline) {
      ssize_t r = read(fds[0], &buf, sizeof buf);
      if (r == sizeof buf) {
        acked = buf;
        if (!started) {
          started = true;
          deadline = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(rng() % 250);
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Drain acknowledgements written before the kill.
    while (read(fds[0], &buf, sizeof buf) == sizeof buf) acked = buf;
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child exited with " << WEXITSTATUS(status) << " in cycle " << cycle;

    Options o = CrashOptions();
    o.background_compaction = false;
    auto db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok()) << "cycle " << cycle << ": " << db.status();
    int64_t have = Verify(db->get());
    ASSERT_GE(have, 0) << "cycle " << cycle;
    EXPECT_GE(have, acked + 1) << "cycle " << cycle << ": acknowledged batch "
                               << acked << " missing";
    DBStats st = (*db)->Stats();
    if (st.wal_replay.repaired || st.wal_replay.dropped_records > 0) {
      // A kill mid-write may only tear the tail, never corrupt the middle.
      ADD_FAILURE() << "cycle " << cycle << ": " << st.wal_replay.repair_message;
    }
    next = have;
    ASSERT_TRUE((*db)->Close().ok());
  }
  EXPECT_GT(next, 0);
  // Afterwards the whole log folds into blocks and a checkpoint.
  Options o = CrashOptions();
  o.background_compaction = false;
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->FlushHead().ok());
  EXPECT_EQ(Verify(db->get()), next);
  auto wal_files = fileutil::ListDir(fileutil::JoinPath(dir, "wal"));
  ASSERT_TRUE(wal_files.ok());
  EXPECT_LE(wal_files->size(), 3u);
}

}  // namespace
}  // namespace vigil::tsdb
