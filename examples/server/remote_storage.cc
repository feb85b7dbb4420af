#include "examples/server/remote_storage.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "model/status_macros.h"

namespace vigil::server {
namespace {

remote::WriteStorage::Options WriteOptions(absl::Duration flush_deadline) {
  remote::WriteStorage::Options o;
  o.flush_deadline = flush_deadline;
  return o;
}

remote::ReadStorage::Options ReadOptions(std::function<int64_t()> local_start) {
  remote::ReadStorage::Options o;
  o.local_start_time_ms = std::move(local_start);
  return o;
}

using Sample = ServerMetrics::FamilySample;

std::vector<std::pair<std::string, std::string>> QueueLabels(const remote::QueueMetrics& q) {
  return {{"remote_name", q.remote_name}, {"url", q.url}};
}

}  // namespace

RemoteStorage::RemoteStorage(storage::Appendable* local_appendable,
                             storage::Queryable* local_queryable,
                             std::function<int64_t()> local_start_time_ms,
                             absl::Duration flush_deadline)
    : write_(WriteOptions(flush_deadline)),
      read_(ReadOptions(std::move(local_start_time_ms))),
      fanout_(local_appendable, {&write_}),
      merged_({local_queryable}, {&read_}),
      query_(this, local_queryable) {}

RemoteStorage::~RemoteStorage() { Close(); }

absl::Status RemoteStorage::ApplyConfig(const Config& config) {
  VIGIL_RETURN_IF_ERROR(write_.ApplyConfig(config.remote_write, config.global.external_labels));
  return read_.ApplyConfig(config.remote_read, config.global.external_labels);
}

void RemoteStorage::Close() { write_.Close(); }

void RemoteStorage::RegisterMetrics(ServerMetrics* metrics) {
  remote::WriteStorage* w = &write_;
  auto family = [w](auto value) {
    return [w, value] {
      std::vector<Sample> out;
      for (const remote::QueueMetrics& q : w->Metrics()) {
        Sample s;
        s.labels = QueueLabels(q);
        s.value = value(q);
        out.push_back(std::move(s));
      }
      return out;
    };
  };
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_samples_total",
      "Total number of samples sent to remote storage.", "counter",
      family([](const remote::QueueMetrics& q) { return double(q.samples_total); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_samples_failed_total",
      "Total number of samples which failed on send to remote storage, non-recoverable errors.",
      "counter",
      family([](const remote::QueueMetrics& q) { return double(q.samples_failed_total); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_samples_dropped_total",
      "Total number of samples which were dropped before being sent via remote write "
      "(relabelling, full queue, too old).",
      "counter",
      family([](const remote::QueueMetrics& q) { return double(q.samples_dropped_total); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_samples_retried_total",
      "Total number of samples which failed on send to remote storage but were retried "
      "because the send error was recoverable.",
      "counter",
      family([](const remote::QueueMetrics& q) { return double(q.samples_retried_total); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_bytes_total",
      "The total number of bytes of data (not metadata) sent by the queue after compression.",
      "counter", family([](const remote::QueueMetrics& q) { return double(q.bytes_total); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_samples_pending",
      "The number of samples pending in the queues shards to be sent to the remote storage.",
      "gauge", family([](const remote::QueueMetrics& q) { return double(q.pending_samples); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_shards", "The number of shards used for parallel sending.",
      "gauge", family([](const remote::QueueMetrics& q) { return double(q.shards); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is "
      "allowed to run.",
      "gauge", family([](const remote::QueueMetrics& q) { return double(q.shards_min); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is "
      "allowed to run.",
      "gauge", family([](const remote::QueueMetrics& q) { return double(q.shards_max); }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_shards_desired",
      "The number of shards that the queues shard calculation wants to run based on the rate "
      "of samples in vs. samples out.",
      "gauge", family([](const remote::QueueMetrics& q) { return q.shards_desired; }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_queue_highest_timestamp_seconds",
      "Highest timestamp that was enqueued, in seconds since epoch.", "gauge",
      family([](const remote::QueueMetrics& q) {
        return q.highest_enqueued_timestamp_ms / 1000.0;
      }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
      "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue.",
      "gauge", family([](const remote::QueueMetrics& q) {
        return q.highest_sent_timestamp_ms / 1000.0;
      }));
  metrics->AddFamilyCallback(
      "prometheus_remote_storage_sent_batch_duration_seconds",
      "Duration of send calls to the remote storage.", "histogram", [w] {
        std::vector<Sample> out;
        for (const remote::QueueMetrics& q : w->Metrics()) {
          Sample s;
          s.labels = QueueLabels(q);
          uint64_t cum = 0;
          for (size_t i = 0; i < q.batch_duration_buckets.size(); ++i) {
            cum += q.batch_duration_buckets[i];
            double le = i < remote::kNumBatchDurationBuckets
                            ? remote::kBatchDurationBuckets[i]
                            : std::numeric_limits<double>::infinity();
            s.buckets.push_back({le, cum});
          }
          s.count = q.batch_duration_count;
          s.sum = q.batch_duration_sum_seconds;
          out.push_back(std::move(s));
        }
        return out;
      });
  metrics->AddCallback("prometheus_remote_storage_highest_timestamp_in_seconds",
                       "Highest timestamp that has come into the remote storage via the "
                       "Appender interface, in seconds since epoch.",
                       "gauge", [w] { return w->highest_timestamp_ms() / 1000.0; });
}

}  // namespace vigil::server
