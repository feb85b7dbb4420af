// A storage::Queryable over one `remote_read` endpoint, with Prometheus's
// rules for when and how to ask it (storage/remote/read.go):
//   1. `required_matchers`: a selection without an equality matcher for
//      each of them (same name and value) is not sent; it yields no series.
//   2. `read_recent: false`: only data older than local storage is read.
//      A querier whose range starts after `local_start_time_ms()` asks
//      nothing; one that ends after it is cut at that time.
//   3. `filter_external_labels: true`: an equality matcher is added for
//      each external label the selection does not mention, and those
//      labels are removed from the returned series again.
//   4. Selection hints (step, range, function, grouping) become ReadHints.
// A failed request gives a SeriesSet whose status() carries the error;
// MergeQueryable turns it into a warning.
//
// LabelValues and LabelNames return nothing (remote read cannot ask for
// them), as in Prometheus.
//
// Thread safety: the Queryable may be used concurrently; queriers as
// storage/querier.h says.

#ifndef VIGIL_LIBREMOTE_REMOTE_QUERYABLE_H_
#define VIGIL_LIBREMOTE_REMOTE_QUERYABLE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "libremote/read_client.h"
#include "libtsdb/storage/querier.h"
#include "model/labels.h"

namespace vigil::remote {

struct RemoteQueryableOptions {
  model::Labels external_labels;
  // The oldest timestamp local storage holds (INT64_MAX when empty);
  // consulted per querier unless the endpoint has read_recent. Unset:
  // local storage is taken to hold nothing, so everything is read.
  std::function<int64_t()> local_start_time_ms;
};

std::unique_ptr<storage::Queryable> NewRemoteQueryable(
    std::shared_ptr<ReadClient> client, RemoteQueryableOptions options);

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_REMOTE_QUERYABLE_H_
